import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { dockerTestContext, JUPYTER_IMAGE, PYTHON_IMAGE, skipWithoutImages } from '../helpers/docker-test-context.ts';
import { eventually } from '../helpers/eventually.ts';
import { HAVE_SSHD, LocalGitServer } from '../helpers/local-sshd.ts';
import { processesWith } from '../helpers/processes.ts';
import { ShellClient } from '../helpers/shell-client.ts';

const PIPELINE = '71111111-2222-4333-8444-555555555555';
const STEP = '00000000-0000-4000-8000-000000000001';
const OWNER = 4321;
const ENV = '81111111-2222-4333-8444-555555555555';
const ctx = await dockerTestContext("git in a Docker session's Jupyter");
const skip = (await skipWithoutImages(ctx, [JUPYTER_IMAGE])) || (!HAVE_SSHD && 'no sshd') || (process.geteuid?.() !== 0 && 'needs root (a project owned by another user)');

/** Asks the agent at $SSH_AUTH_SOCK for its identities (SSH2_AGENTC_REQUEST_IDENTITIES) in plain Python: "type 12 keys N". */
const ASK_AGENT = [
  'import os, socket, struct',
  "s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SSH_AUTH_SOCK'])",
  "s.sendall(struct.pack('>IB', 1, 11)); n = struct.unpack('>I', s.recv(4))[0]; d = b''",
  'while len(d) < n: d += s.recv(n - len(d))',
  "print('uid', os.getuid(), 'type', d[0], 'keys', struct.unpack('>I', d[1:5])[0], os.environ.get('GIT_AUTHOR_NAME'))",
].join('\n');

if (ctx.available) {
  describe("a Docker session's Jupyter reaches the starter's ssh-agent through a mounted socket, as the project owner", { skip, timeout: 300_000 }, () => {
    const t = new TestServer();
    const git = new LocalGitServer();
    let project = '';
    before(async () => {
      await git.start({ 'README.md': 'x\n' });
      await t.start({ env: { BERTH_RUNTIME: 'docker', BERTH_JUPYTER_IMAGE: JUPYTER_IMAGE } });
      project = (await t.project('dock', {
        'p.orchest': JSON.stringify({ name: 'p', uuid: PIPELINE, version: '1.2.3', parameters: {}, settings: {}, services: {}, steps: { [STEP]: { uuid: STEP, title: 'A', file_path: 'a.py', environment: '', incoming_connections: [], parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [0, 0], hidden: false } } } }),
        'a.py': 'print(1)\n',
        'ask_agent.py': `${ASK_AGENT}\n`,
        [`.orchest/environments/${ENV}/properties.json`]: JSON.stringify({ uuid: ENV, name: 'py-git', language: 'python', base_image: `registry:${PYTHON_IMAGE}` }),
        [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\n',
      })).path;
      // The containers run as the project folder's owner: here not root.
      chownSync(project, OWNER, OWNER);
      for (const name of readdirSync(project, { recursive: true, encoding: 'utf8' })) chownSync(join(project, name), OWNER, OWNER);
      assert.equal((await t.api('POST', '/api/git/keys', { body: { name: 'deploy', private_key: git.privateKey } })).status, 201);
      assert.equal((await t.api('PUT', '/api/git/identity', { body: { name: 'Ada Lovelace', email: 'ada@example.com' } })).status, 200);
    });
    after(async () => {
      ShellClient.closeAll();
      await t.api('DELETE', '/api/projects/dock/pipelines/p.orchest/session').catch(() => undefined);
      await t.close();
      t.cleanup();
      await git.stop();
    });

    it('the Jupyter container (uid of the owner) lists the key through the socket; the agent ends with the session', async () => {
      const started = await t.api('POST', '/api/projects/dock/pipelines/p.orchest/session', { token: ADMIN });
      const session = (await started.json()) as { uuid: string; jupyter: unknown };
      assert.equal(started.status, 201, JSON.stringify(session));
      const [jupyter] = await ctx.docker.listContainers({ filters: { label: [`berth.owner.session=${session.uuid}`, 'berth.owner.service=berth-jupyter'] } });
      assert.ok(jupyter, 'Jupyter runs');
      const info = await ctx.docker.getContainer(jupyter.Id).inspect();
      const mount = info.Mounts.find((m) => m.Destination === '/berth-ssh-agent');
      assert.ok(mount, 'the agent folder is mounted');
      assert.equal(statSync(mount.Source).uid, OWNER, "the agent's folder is the owner's");
      assert.equal(statSync(mount.Source).mode & 0o777, 0o700);
      const asked = spawnSync('docker', ['exec', jupyter.Id, 'python3', '-c', ASK_AGENT], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(asked.status, 0, asked.stderr);
      assert.equal(asked.stdout.trim(), `uid ${OWNER} type 12 keys 1 Ada Lovelace`);
      const socket = join(mount.Source, 'agent.sock');
      assert.equal(processesWith(socket).length, 1);

      assert.equal((await t.api('DELETE', '/api/projects/dock/pipelines/p.orchest/session')).status, 200);
      await eventually('the agent to end with the session', () => processesWith(socket).length === 0);
      assert.ok(!existsSync(mount.Source));
    });

    it("an environment shell's container (the owner's uid) reaches its agent too", async () => {
      const shell = new ShellClient(`${t.url.replace(/^http/, 'ws')}/api/projects/dock/environments/py-git/shell`, { authorization: `Bearer ${ADMIN}` });
      await shell.ready(300_000);
      shell.type('python ask_agent.py; echo "ssh=$GIT_SSH_COMMAND"\n');
      await shell.expect(new RegExp(`uid ${OWNER} type 12 keys 1 Ada Lovelace`));
      await shell.expect(/ssh=ssh -o UserKnownHostsFile=\/berth-ssh-agent\/known_hosts/);
      shell.ws.close();
    });
  });
}
