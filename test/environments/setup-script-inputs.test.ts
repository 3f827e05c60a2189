import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { environmentImageTag } from '../../src/core/environment-image.ts';
import { loadEnvironment } from '../../src/environments/environment-loader.ts';

const ENV = 'cccccccc-1111-4222-8333-444444444444';

/** The image tag (Docker's cache key) of an environment follows the files its setup script reads. */
describe('environment cache key: the setup script and the project files it names', () => {
  const project = mkdtempSync(join(tmpdir(), 'berth-setup-inputs-'));
  const outside = mkdtempSync(join(tmpdir(), 'berth-setup-outside-'));
  after(() => [project, outside].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const write = (rel: string, text: string): void => {
    mkdirSync(join(project, rel, '..'), { recursive: true });
    writeFileSync(join(project, rel), text);
  };
  write(`.orchest/environments/${ENV}/properties.json`, JSON.stringify({ name: 'E', base_image: 'orchest/base-kernel-py', language: 'python' }));
  write(`.orchest/environments/${ENV}/setup_script.sh`, 'pip install -r requirements.txt\nR CMD INSTALL rpkg\ncat ../secret.txt /etc/hostname\nconda env update -f=deps/environment.yml\n');
  write('requirements.txt', 'pandas\n');
  write('rpkg/DESCRIPTION', 'Package: rpkg\n');
  write('deps/environment.yml', 'dependencies: []\n');
  write('notebook.ipynb', '{}');
  writeFileSync(join(outside, 'secret.txt'), 'not in the project');
  const tag = (): string => environmentImageTag(loadEnvironment(project, ENV), 'sha256:base');

  it('lists the named files and folders by content, nothing outside the project', () => {
    assert.deepEqual(Object.keys(loadEnvironment(project, ENV).setupInputs ?? {}), ['deps/environment.yml', 'requirements.txt', 'rpkg']);
  });

  it('a changed requirements.txt, a file of a named folder, or the script change the tag; an unrelated file does not', () => {
    const first = tag();
    write('notebook.ipynb', '{"cells": []}');
    assert.equal(tag(), first, 'an edit the setup script does not read keeps the image');
    write('requirements.txt', 'pandas==2.0\n');
    const second = tag();
    assert.notEqual(second, first);
    write('rpkg/R/hello.R', 'hello <- function() "hi"\n');
    const third = tag();
    assert.notEqual(third, second);
    write('deps/environment.yml', 'dependencies: [numpy]\n');
    assert.notEqual(tag(), third);
    const fourth = tag();
    write(`.orchest/environments/${ENV}/setup_script.sh`, 'pip install -r requirements.txt\n');
    assert.notEqual(tag(), fourth);
  });

  it('a link out of the project is not read', () => {
    symlinkSync(join(outside, 'secret.txt'), join(project, 'linked.txt'));
    write(`.orchest/environments/${ENV}/setup_script.sh`, 'cat linked.txt\n');
    assert.deepEqual(loadEnvironment(project, ENV).setupInputs, {});
  });
});
