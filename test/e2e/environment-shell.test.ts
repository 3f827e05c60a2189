/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HAVE_CHROMIUM, WebUi } from '../helpers/web-ui-harness.ts';

const ENV = 'bbbbbbbb-1111-4222-8333-444444444444';

/** The environments page's "Open shell": a terminal (xterm.js) on the shell websocket, signed in by the session cookie. */
describe('environment shell in the web UI (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start({ BERTH_RUNTIME: 'process' });
  });
  after(async () => {
    await ui?.close();
  });

  it('opens a terminal in the environment, runs a command and shows its output', async () => {
    await ui.project('shelly', {
      [`.orchest/environments/${ENV}/properties.json`]: { uuid: ENV, name: 'term-env', language: 'python', base_image: 'orchest/base-kernel-py', gpu_support: false },
      [`.orchest/environments/${ENV}/setup_script.sh`]: '#!/bin/bash\n',
      'note.txt': 'terminal sees the project\n',
    });
    const page = await ui.page();
    await ui.goto(page, 'projects/shelly/environments');
    await page.getByRole('button', { name: 'Open shell in term-env' }).click();
    const panel = page.getByRole('region', { name: 'Shell: term-env' });
    await panel.getByTestId('shell-state').getByText('connected').waitFor({ timeout: 240_000 });
    await panel.getByTestId('terminal').click();
    await page.keyboard.type('echo "answer=$((6*7))"; cat note.txt\n');
    await panel.getByText('answer=42').waitFor({ timeout: 60_000 });
    await panel.getByText('terminal sees the project').first().waitFor();
    await ui.shot(page, '60-environment-shell');
    await page.keyboard.type('exit 0\n');
    await panel.getByTestId('shell-state').getByText('exited (0)').waitFor({ timeout: 60_000 });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
