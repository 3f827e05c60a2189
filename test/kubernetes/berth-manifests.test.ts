import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { berthManifests } from '../../src/runtimes/kubernetes/berth-manifests.ts';
import { validateKubeObject } from './kube-schema.ts';

const REPO = join(import.meta.dirname, '..', '..');
const home = mkdtempSync(join(tmpdir(), 'berth-kube-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

function berth(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/berth.ts', ...args], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: home, BERTH_HOME: join(home, '.berth'), NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

function objects(yaml: string): Obj[] {
  const docs = parseAllDocuments(yaml);
  for (const d of docs) assert.deepEqual(d.errors, []);
  return docs.map((d) => d.toJS() as Obj);
}

describe('berth kube manifests', () => {
  it('renders N server replicas on PostgreSQL, least-privilege RBAC, PVC, Service and a wildcard Ingress — every object valid', async () => {
    const r = berth(['kube', 'manifests', '--replicas', '3', '--host', 'berth.acme.io', '--services-domain', 'acme-services.net', '--storage-class', 'nfs-client', '--tls-secret', 'berth-tls', '--image', 'registry.acme.io/berth/server:0.1.0']);
    assert.equal(r.status, 0, r.stderr);
    const objs = objects(r.stdout);
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.name}`), [
      'Namespace/berth', 'ServiceAccount/berth', 'Role/berth', 'RoleBinding/berth', 'ClusterRole/berth-berth-nodes', 'ClusterRoleBinding/berth-berth-nodes',
      'PersistentVolumeClaim/berth-data', 'Deployment/berth-server', 'Service/berth', 'Ingress/berth',
    ]);
    for (const o of objs) await validateKubeObject(o);
    const byKind = (kind: string): Obj => objs.find((o) => o.kind === kind)!;
    // Least privilege: only the namespace's objects the runtime creates; nothing cluster-wide but reading Nodes; no secrets.
    assert.deepEqual(byKind('Role').rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'delete'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    ]);
    assert.deepEqual(byKind('ClusterRole').rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] }]);
    const server = byKind('Deployment');
    assert.equal(server.spec.replicas, 3);
    const container = server.spec.template.spec.containers[0];
    assert.equal(container.image, 'registry.acme.io/berth/server:0.1.0');
    assert.deepEqual(container.args, ['server', '--host', '0.0.0.0', '--port', '7420', '--services-domain', 'acme-services.net']);
    const env = Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual(env.BERTH_DATABASE_URL, { secretKeyRef: { name: 'berth-database', key: 'url' } });
    assert.equal(env.BERTH_RUNTIME, 'kubernetes');
    assert.equal(env.BERTH_KUBE_VOLUMES, '/var/lib/berth=berth-data');
    // The server's young generation is kept small (its RSS under proxy load; bench/README.md).
    assert.equal(env.NODE_OPTIONS, '--max-semi-space-size=8');
    assert.equal(server.spec.template.spec.serviceAccountName, 'berth');
    assert.deepEqual(byKind('PersistentVolumeClaim').spec, { accessModes: ['ReadWriteMany'], storageClassName: 'nfs-client', resources: { requests: { storage: '20Gi' } } });
    const ingress = byKind('Ingress');
    assert.deepEqual(ingress.spec.rules.map((rule: { host: string }) => rule.host), ['berth.acme.io', '*.acme-services.net']);
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['berth.acme.io', '*.acme-services.net'], secretName: 'berth-tls' }]);
    assert.match(r.stdout, /kubectl -n berth create secret generic berth-database/);
  });

  it('the YAML is exactly the typed builders\' objects (deep equality after a YAML round trip)', () => {
    const options = { namespace: 'data-team', replicas: 1, image: 'b:1', stepImage: 'python:3-slim', host: 'b.example.org', servicesDomain: 'svc.example.net', dataSize: '20Gi', databaseSecret: 'db', nodeAccess: false };
    const r = berth(['kube', 'manifests', '--replicas', '1', '--namespace', 'data-team', '--image', 'b:1', '--step-image', 'python:3-slim', '--host', 'b.example.org', '--services-domain', 'svc.example.net', '--database-secret', 'db', '--no-node-access']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(objects(r.stdout), JSON.parse(JSON.stringify(berthManifests(options))));
  });

  it('the servers get this Berth\'s pull secrets and cluster build settings', async () => {
    const r = berth(['kube', 'manifests'], { BERTH_KUBE_REGISTRY: 'registry.acme.io/ml', BERTH_KUBE_BUILDER: 'buildkit', BERTH_KUBE_REGISTRY_SECRET: 'push', BERTH_KUBE_IMAGE_PULL_SECRETS: 'pull,pull2' });
    assert.equal(r.status, 0, r.stderr);
    const server = objects(r.stdout).find((o) => o.kind === 'Deployment')!;
    await validateKubeObject(server);
    const env = Object.fromEntries((server.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
    assert.deepEqual(
      [env.BERTH_KUBE_REGISTRY, env.BERTH_KUBE_BUILDER, env.BERTH_KUBE_BUILDER_IMAGE, env.BERTH_KUBE_REGISTRY_SECRET, env.BERTH_KUBE_REGISTRY_INSECURE, env.BERTH_KUBE_IMAGE_PULL_SECRETS],
      ['registry.acme.io/ml', 'buildkit', 'moby/buildkit:v0.17.3-rootless', 'push', undefined, 'pull,pull2'],
    );
  });

  it('bad flags exit 2 naming the flag and the fix, never a stack trace', () => {
    for (const [args, flag] of [
      [['--replicas', '0'], '--replicas'],
      [['--replicas', 'many'], '--replicas'],
      [['--host', 'Not A Host'], '--host'],
      [['--namespace', 'UPPER'], '--namespace'],
      [['--data-size', 'big'], '--data-size'],
      [['--image', 'bad image'], '--image'],
      [['--unknown'], 'unknown'],
      [['--host', 'berth.acme.io'], '--services-domain'],
      [['--host', 'berth.acme.io', '--services-domain', 'svc.berth.acme.io'], '--services-domain'],
      [['--host', 'berth.acme.io', '--services-domain', 'services.acme.io'], '--services-domain'],
    ] as const) {
      const r = berth(['kube', 'manifests', ...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.includes(flag), r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
    const sub = berth(['kube', 'deploy']);
    assert.equal(sub.status, 2);
    assert.match(sub.stderr, /unknown subcommand "deploy"/);
  });
});
