import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, parseJson, REPO, Sandbox, type CliResult } from '../helpers/berth-cli.ts';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0 && ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => existsSync(p));

/** Opens a shared BERTH_HOME to every user (the situation of one store used by several users). */
function openUp(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o777 : 0o666);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) openUp(join(path, name));
}

describe('instances belong to the OS user who started them', { skip: !isRoot && 'needs root and setpriv to act as a second user' }, () => {
  const box = new Sandbox();
  after(async () => {
    await box.run(['instance', 'stop', '--force', '--all']);
    box.cleanup();
  });
  // Node may live where the other user cannot reach it (e.g. under /root): give them a copy.
  const node = join(box.root, 'node');
  const asNobody = (args: string[]): Promise<CliResult> =>
    collect(spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', node, join(REPO, 'bin', 'berth.ts'), ...args], { cwd: '/', env: box.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
  const names = (res: CliResult): string[] => (assert.equal(res.code, 0, res.stderr), parseJson(res.stdout).instances.map((i: { instance: string }) => i.instance));

  it('a user lists and stops only their own instances; root (admin) sees and stops everyone\'s', async () => {
    const mine = await box.run(['instance', 'start', 'host', 'shared-name', 'sleep', '300']);
    assert.equal(mine.code, 0, mine.stderr);
    openUp(box.root);
    // Linked after openUp, which must never change the shared binary's mode.
    try {
      linkSync(process.execPath, node);
    } catch {
      copyFileSync(process.execPath, node);
    }
    const theirs = await asNobody(['instance', 'start', 'host', 'shared-name', 'sleep', '300']);
    assert.equal(theirs.code, 0, `another user may use the same name: ${theirs.stderr}`);
    assert.deepEqual(names(await asNobody(['instance', 'list', '--json'])), ['shared-name']);
    const listed = await box.run(['instance', 'list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const all = parseJson(listed.stdout).instances;
    assert.equal(all.length, 2, `root lists both: ${listed.stdout}`);
    const narrowed = await box.run(['instance', 'list', '--json', '-u', 'nobody']);
    assert.equal(parseJson(narrowed.stdout).instances.length, 1, `root narrows to one user: ${narrowed.stdout} ${narrowed.stderr}`);
    const stopAll = await asNobody(['instance', 'stop', '--all']);
    assert.equal(stopAll.code, 0, stopAll.stderr);
    assert.equal(stopAll.stderr.match(/Stopping/g)?.length, 1, `nobody stopped only their own instance: ${stopAll.stderr}`);
    assert.deepEqual(names(await box.run(['instance', 'list', '--json'])), ['shared-name'], "root's instance still runs");
    const notAdmin = await asNobody(['instance', 'list', '--user', 'root']);
    assert.equal(notAdmin.code, 2, notAdmin.stderr);
    assert.match(notAdmin.stderr, /only root/);
    const none = await asNobody(['instance', 'stop', 'shared-name']);
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /no instance found/);
    const last = await box.run(['instance', 'stop', 'shared-name']);
    assert.equal(last.code, 0, last.stderr);
  });
});
