import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentKernelSpec, languageKernelSpecs } from './jupyter-kernelspecs.ts';

const host = {
  python3: { argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'Python 3 (ipykernel)', language: 'python' },
  ir: { argv: ['R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'], display_name: 'R', language: 'R' },
};
const vars = { PATH: '/usr/bin:/bin', ORCHEST_PROJECT_UUID: 'p' };

describe('session kernelspecs (pure)', () => {
  it("runs a Python environment's kernel with its virtual environment, activated, named as Orchest named it", () => {
    const spec = environmentKernelSpec({ uuid: 'e1', name: 'My Env', language: 'python', venv: { python: '/h/venvs/e1/x/bin/python', venv: '/h/venvs/e1/x' } }, host, vars);
    assert.deepEqual(spec, {
      name: 'orchest-kernel-e1',
      spec: {
        argv: ['/h/venvs/e1/x/bin/python', '-Xfrozen_modules=off', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name: 'My Env',
        language: 'python',
        env: { PATH: '/h/venvs/e1/x/bin:/usr/bin:/bin', ORCHEST_PROJECT_UUID: 'p', VIRTUAL_ENV: '/h/venvs/e1/x' },
        metadata: { berth: { environment: 'e1' } },
      },
    });
  });

  it("gives another language's environment the host kernel of that language, or says what to install", () => {
    const r = environmentKernelSpec({ uuid: 'e2', name: 'R env', language: 'r' }, host, vars);
    assert.ok(!('problem' in r));
    assert.deepEqual([r.name, r.spec.argv[0], r.spec.display_name, r.spec.env?.ORCHEST_PROJECT_UUID], ['orchest-kernel-e2', 'R', 'R env', 'p']);
    const julia = environmentKernelSpec({ uuid: 'e3', name: 'J', language: 'julia' }, host, vars);
    assert.ok('problem' in julia && /IJulia/.test(julia.problem));
    const noVenv = environmentKernelSpec({ uuid: 'e4', name: 'Py', language: 'python' }, host, vars);
    assert.ok('problem' in noVenv && /ipykernel/.test(noVenv.problem));
  });

  it("keeps the host's language kernels under their names, with the session's variables", () => {
    assert.deepEqual(languageKernelSpecs(host, vars).map((k) => [k.name, k.spec.env?.ORCHEST_PROJECT_UUID]), [['python3', 'p'], ['ir', 'p']]);
  });
});
