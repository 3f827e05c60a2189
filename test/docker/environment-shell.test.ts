import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, PYTHON_IMAGE } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { ShellClient } from '../helpers/shell-client.ts';

const ENV = '31111111-2222-4333-8444-555555555555';
const ctx = await dockerTestContext('environment shells on Docker');

describe('environment shells on Docker', { skip: !ctx.available }, () => {
  const t = new TestServer();
  let wsBase = '';
  before(async () => {
    await t.start({ env: { BERTH_RUNTIME: 'docker', DOCKER_HOST: process.env.DOCKER_HOST } });
    await t.project('docked', {
      [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ uuid: ENV, name: 'py-docker', language: 'python', base_image: `registry:${PYTHON_IMAGE}` }),
      [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\necho built > /tmp/built-marker\n',
      'inside.txt': 'mounted project\n',
    });
    wsBase = t.url.replace(/^http/, 'ws');
  });
  after(async () => {
    ShellClient.closeAll();
    await t.close();
    t.cleanup();
  });

  it('opens a shell in a container of the environment image with the project and data mounted, and removes it when the socket closes', async () => {
    if (!ctx.available) return;
    const token = (await t.token('docked')).token;
    const shell = new ShellClient(`${wsBase}/api/projects/docked/environments/py-docker/shell`, { authorization: `Bearer ${token}` });
    assert.equal((await shell.upgradeStatus()).status, 101);
    await shell.ready(300_000);
    shell.type('echo "host=$(hostname)"; pwd; cat inside.txt; cat /tmp/built-marker; test -d /data && echo data-ok; python -c "import orchest; print(\'sdk-ok\')"\n');
    const host = (await shell.expect(/host=([0-9a-f]{12})/))[1]!;
    await shell.expect(/\n\/project-dir\r?\n/);
    await shell.expect(/mounted project/);
    await shell.expect(/\nbuilt\r?\n/);
    await shell.expect(/data-ok/);
    await shell.expect(/\nsdk-ok/);
    const running = await ctx.docker.listContainers({ filters: { label: ['berth.shell=true'] } });
    assert.ok(running.some((c) => c.Id.startsWith(host)), 'the shell container runs with the shell label');
    shell.ws.close();
    await eventually('the shell container to be removed', async () => (await ctx.docker.listContainers({ all: true, filters: { label: ['berth.shell=true'] } })).every((c) => !c.Id.startsWith(host)), 60_000);
  });
});
