/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HAVE_CHROMIUM, WebUi } from '../helpers/web-ui-harness.ts';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });

/** "Import from git" on the projects page, and the Git settings (identity, SSH keys by fingerprint) (issue 16). */
describe('git in the web UI (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  let bare = '';
  before(async () => {
    ui = await WebUi.start();
    // A local repository to import (file://; SSH imports are covered by test/server/git-credentials.test.ts).
    bare = join(ui.root, 'remote', 'ml-demo.git');
    mkdirSync(bare, { recursive: true });
    git(bare, 'init', '--bare', '-q');
    const work = join(ui.root, 'work');
    git(ui.root, 'clone', '-q', bare, work);
    writeFileSync(join(work, 'README.md'), '# demo\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-qm', 'first');
    git(work, 'push', '-q', 'origin', 'HEAD');
  });
  after(async () => {
    await ui?.close();
  });

  it('imports a project from a git URL in a dialog, and shows the server\'s reason when it cannot', async () => {
    const page = await ui.page();
    await ui.goto(page, 'projects');
    await page.getByRole('button', { name: 'Import from git' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import from git' });
    await dialog.getByLabel('Repository URL').fill('not a url');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'is not a git URL Berth clones' }).waitFor();
    await dialog.getByLabel('Repository URL').fill(`file://${bare}`);
    await dialog.getByLabel('Project name (optional)').fill('imported-demo');
    await ui.shot(page, '50-import-from-git');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'imported-demo' }) });
    await row.waitFor();
    const folder = (await row.locator('code').textContent())!;
    assert.equal(readFileSync(join(folder, 'README.md'), 'utf8'), '# demo\n');
    assert.deepEqual(page.errors.filter((e) => !/400/.test(e)), []);
    await page.context().close();
  });

  it('sets the git identity and adds, lists (fingerprint only) and removes SSH keys in Settings → Git', async () => {
    const keyFile = join(ui.root, 'id_test');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e', '-f', keyFile]);
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-f', keyFile], { encoding: 'utf8' }).split(' ')[1]!;
    const privateKey = readFileSync(keyFile, 'utf8');
    const page = await ui.page();
    page.on('dialog', (d) => void d.accept());
    await ui.goto(page, 'settings/git');
    await page.getByRole('heading', { name: 'Git', exact: true }).waitFor();
    await page.getByText('No SSH keys yet').waitFor();
    // Identity.
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByRole('button', { name: 'Save identity' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved: Ada Lovelace <ada@example.org>' }).waitFor();
    const identity = (await (await ui.api('GET', '/api/git/identity')).json()) as { identity: { name: string; email: string } };
    assert.deepEqual([identity.identity.name, identity.identity.email], ['Ada Lovelace', 'ada@example.org']);
    // A bad key: the server's reason.
    await page.getByLabel('Key name').fill('broken');
    await page.getByLabel('Private key').fill('not a key');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByRole('alert').first().waitFor();
    // A real key: listed by its fingerprint; the private key is never on the page again.
    await page.getByLabel('Key name').fill('laptop');
    await page.getByLabel('Private key').fill(privateKey);
    await page.getByRole('button', { name: 'Add key' }).click();
    const table = page.getByRole('table', { name: 'SSH keys' });
    await table.getByRole('cell', { name: fingerprint }).waitFor();
    await table.getByRole('cell', { name: 'laptop', exact: true }).waitFor();
    assert.equal(await page.getByLabel('Private key').inputValue(), '', 'the form forgets the key');
    assert.ok(!(await page.content()).includes(privateKey.split('\n')[1]!), 'no part of the private key on the page');
    await ui.shot(page, '51-settings-git');
    // Remove (after the confirmation).
    await page.getByRole('button', { name: 'Remove key laptop' }).click();
    await page.getByText('No SSH keys yet').waitFor();
    assert.deepEqual(((await (await ui.api('GET', '/api/git/keys')).json()) as { keys: unknown[] }).keys, []);
    assert.deepEqual(page.errors.filter((e) => !/400/.test(e)), []);
    assert.ok(existsSync(keyFile));
    await page.context().close();
  });
});
