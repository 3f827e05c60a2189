import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { migratePipeline } from '../../src/core/pipeline-migration.ts';
import { parsePipeline, serializePipeline, validatePipeline } from '../../src/core/pipeline-validation.ts';
import { planRun } from '../../src/core/run-planner.ts';
import { ORCHEST_FIXTURES, orchestFixture } from '../helpers/orchest-fixtures.ts';

// Orchest's real files, outside the repository (../shared/fixtures/orchest; fails clearly when missing).
orchestFixture('quickstart');
const fixtures = ORCHEST_FIXTURES;
const files = readdirSync(fixtures, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.orchest') && statSync(join(fixtures, f)).isFile())
  .sort();
const load = (file: string) => JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as Record<string, unknown>;
/** The pipeline file's folder relative to its project (each fixture folder is a project). */
const pipelineDirOf = (file: string) => relative(file.split('/')[0]!, dirname(file)).split('\\').join('/');

describe('real Orchest pipeline files', () => {
  test('the fixtures are there', () => {
    assert.deepEqual(files.map((f) => f.split('/')[0]), ['data-passing', 'dump-env-params', 'quickstart', 'services-connectivity']);
  });

  for (const file of files) {
    test(`${file}: validates without problems, round-trips and plans`, () => {
      const raw = load(file);
      const { pipeline, problems } = validatePipeline(raw, { pipelineDir: pipelineDirOf(file) });
      assert.deepEqual(problems, []);
      assert.ok(pipeline);
      assert.equal(pipeline.version, '1.2.3');
      assert.equal(Object.keys(pipeline.steps).length, Object.keys(raw.steps as object).length);
      const text = serializePipeline(pipeline);
      assert.deepEqual(parsePipeline(JSON.parse(text)), pipeline);
      assert.equal(serializePipeline(parsePipeline(JSON.parse(text))), text);
      assert.equal(planRun(pipeline, 'full', []).steps.length, Object.keys(pipeline.steps).length);
    });
  }

  test('quickstart: the 7-step DAG runs in dependency order', () => {
    const pipeline = parsePipeline(load('quickstart/california_housing.orchest'));
    const titles = planRun(pipeline, 'full', []).steps.map((uuid) => pipeline.steps[uuid]!.title);
    assert.equal(titles[0], 'Get data');
    const before = (a: string, b: string) => assert.ok(titles.indexOf(a) < titles.indexOf(b), `${a} runs before ${b}`);
    before('Get data', 'Preprocessing');
    before('Get data', 'Data exploration');
    for (const model of ['linear-regression', 'decision-tree', 'svm']) {
      before('Preprocessing', model);
      before(model, 'Collect results');
    }
    const collect = '0ecdafa6-317b-4acd-be73-b69983053501';
    assert.deepEqual(
      planRun(pipeline, 'incoming', [collect]).steps.map((uuid) => pipeline.steps[uuid]!.title).sort(),
      ['Get data', 'Preprocessing', 'decision-tree', 'linear-regression', 'svm'],
    );
  });

  test('services-connectivity: old services are migrated to 1.2.3', () => {
    const raw = load('services-connectivity/services_connectivity.orchest');
    const { pipeline: migrated, fromVersion } = migratePipeline(raw);
    assert.equal(fromVersion, '1.0.0');
    assert.equal(migrated.version, '1.2.3');
    const services = parsePipeline(raw).services!;
    const streamlit = services.streamlit!;
    assert.equal(streamlit.command, 'bash');
    assert.equal(streamlit.args, "-c 'umask 002 && touch /usr/src/app/src/streamlit.py && streamlit run src/streamlit.py'");
    assert.equal('entrypoint' in streamlit, false);
    assert.equal(services.tensorboard!.command, 'bash');
    assert.equal(services.vscode!.args, "-c 'umask 002 && code-server --auth none --bind-addr 0.0.0.0:8080 /home/coder/code-server'");
    assert.deepEqual(services.postgres!.ports, [5432]);
    assert.deepEqual(services.redis!.ports, [6379]);
    assert.deepEqual(streamlit.ports, [8501]);
    assert.equal(streamlit.env_variables?.STREAMLIT_SERVER_BASE_URL_PATH, '$BASE_PATH_PREFIX_8501');
    assert.equal(streamlit.preserve_base_path, true);
    for (const s of Object.values(services)) {
      assert.equal(s.exposed, false);
      assert.equal(s.requires_authentication, true);
    }
    assert.deepEqual(Object.values(services).map((s) => s.order).sort(), [0, 1, 2, 3, 4]);
    // no order set before: filled in name order
    assert.deepEqual(Object.fromEntries(Object.entries(services).map(([k, s]) => [k, s.order])), { postgres: 0, redis: 1, streamlit: 2, tensorboard: 3, vscode: 4 });
  });

  test('dump-env-params: pipeline and step parameters survive', () => {
    const pipeline = parsePipeline(load('dump-env-params/dump-env-params.orchest'));
    assert.deepEqual(pipeline.parameters, { 'pipeline-param-A': 1 });
    assert.deepEqual(Object.values(pipeline.steps)[0]!.parameters, { 'step-param-a': 1, 'test-output-file': 'test-output.json' });
    assert.deepEqual(pipeline.services, {});
  });

  test('data-passing: a null parameter value and editor positions survive the round trip', () => {
    const pipeline = parsePipeline(load('data-passing/data-passing.orchest'));
    const a = pipeline.steps['a21f3559-911d-4f16-b1bc-a615909ad892']!;
    assert.deepEqual(a.parameters, { input_data: {}, input_data_name: null });
    assert.deepEqual(JSON.parse(serializePipeline(pipeline)).steps[a.uuid].meta_data, { hidden: false, position: [95.5, 235] });
  });
});
