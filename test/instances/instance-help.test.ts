import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';

describe('instance help (Apptainer e2e/help)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('help for instance and each subcommand exits 0 and shows its usage; exec, shell and run instance:// too', async () => {
    const cases: [string[], RegExp][] = [
      [['instance', '--help'], /start \[options\] IMAGE NAME/],
      [['instance', 'start', '--help'], /Usage: berth instance start \[options\] IMAGE NAME \[ARGS\.\.\.\]/],
      [['instance', 'run', '--help'], /default command/],
      [['instance', 'list', '--help'], /logErrPath/],
      [['instance', 'stop', '--help'], /default SIGINT/],
      [['instance', 'stats', '--help'], /--no-stream/],
      [['instance', 'logs', '--help'], /--follow/],
      [['exec', '--help'], /instance:\/\/NAME CMD/],
      [['shell', '--help'], /interactive shell/],
      [['run', '--help', 'instance://x'], /Usage: berth run instance:\/\/NAME/],
    ];
    for (const [args, usage] of cases) {
      const res = await box.run(args);
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stdout, usage, args.join(' '));
    }
    const top = await box.run(['--help']);
    assert.match(top.stdout, /instance start\|run\|list\|stop\|stats\|logs/);
  });

  it('an unknown subcommand names the choices', async () => {
    const res = await box.run(['instance', 'inspect', 'x']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /unknown subcommand "inspect".*start, run, list, stop, stats, logs/s);
  });
});
