import { readFileSync } from 'node:fs';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const kubeHelp = `Usage: berth kube manifests [options]

Prints, as YAML for \`kubectl apply -f -\`, everything Berth needs to run on a Kubernetes cluster:
its Namespace, a ServiceAccount with a Role limited to that namespace's pods (logs, exec), services,
deployments, jobs and persistent volume claims (plus read-only Nodes, for scheduling interactive
work onto nodes that hold its image), a ReadWriteMany claim for Berth's data, N server replicas on
PostgreSQL (BERTH_DATABASE_URL from a Secret you create), a Service and an Ingress for the UI host
and the services' wildcard domain. Nothing is sent to a cluster.

Options:
  --replicas N            server replicas (default 2; more than one needs PostgreSQL)
  --namespace NS          default: BERTH_KUBE_NAMESPACE or berth
  --image IMAGE           Berth's server image (default berth/server:VERSION — Berth publishes none yet: build and push your own)
  --step-image IMAGE      image of steps without an environment (default: BERTH_DOCKER_IMAGE)
  --host HOST             the UI/API host name (default berth.example.org)
  --services-domain D     services get origins at *.D (needed with --host; must share no registrable domain with it)
  --storage-class NAME    StorageClass of the data claim (default: BERTH_KUBE_STORAGE_CLASS, else the cluster's)
  --data-size SIZE        size of the data claim (default 20Gi)
  --database-secret NAME  Secret whose key "url" is the PostgreSQL URL (default berth-database)
  --ingress-class NAME    IngressClass (default: the cluster's)
  --tls-secret NAME       TLS Secret for both hosts (default: none, plain HTTP)
  --no-node-access        leave out the ClusterRole that reads Nodes (workloads then schedule anywhere)
The servers get this Berth's BERTH_KUBE_IMAGE_PULL_SECRETS and, to build environment images on the
cluster, its BERTH_KUBE_REGISTRY, _BUILDER, _BUILDER_IMAGE, _REGISTRY_SECRET and _REGISTRY_INSECURE.`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const IMAGE = /^[a-zA-Z0-9][a-zA-Z0-9._\-/:@]{0,254}$/;

export async function kubeCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') return ctx.out(kubeHelp), sub === undefined ? 2 : 0;
  if (sub !== 'manifests') throw usageError('kube', `unknown subcommand "${sub}"`, 'berth kube manifests --help');
  const { values, positionals } = parseFlags('kube manifests', rest, {
    replicas: { type: 'string' },
    namespace: { type: 'string' },
    image: { type: 'string' },
    'step-image': { type: 'string' },
    host: { type: 'string' },
    'services-domain': { type: 'string' },
    'storage-class': { type: 'string' },
    'data-size': { type: 'string' },
    'database-secret': { type: 'string' },
    'ingress-class': { type: 'string' },
    'tls-secret': { type: 'string' },
    'no-node-access': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(kubeHelp), 0;
  if (positionals.length > 0) throw usageError('kube manifests', `unexpected argument "${positionals[0]}"`, 'berth kube manifests [--replicas N] …');
  const replicas = Number(values.replicas ?? 2);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100) throw flag('--replicas', values.replicas ?? '', 'a whole number from 1 to 100', '--replicas 3');
  const host = values.host ?? 'berth.example.org';
  const check = (name: string, value: string | undefined, pattern: RegExp, expected: string, example: string): string | undefined => {
    if (value !== undefined && !pattern.test(value)) throw flag(name, value, expected, example);
    return value;
  };
  check('--host', host, DNS_NAME, 'a DNS host name', '--host berth.example.org');
  const given = check('--services-domain', values['services-domain'], DNS_NAME, 'a DNS domain', '--services-domain berth-services.example.net');
  if (given === undefined && values.host !== undefined) {
    throw usageError('kube manifests', '--host needs --services-domain: the services\' own origins', 'e.g. --services-domain berth-services.example.net (a domain that shares no registrable domain with --host)');
  }
  const servicesDomain = given ?? 'berth-services.example.net';
  // A service's page on a subdomain of the UI (or the other way round) could set cookies for the UI's host.
  if (servicesDomain === host || servicesDomain.endsWith(`.${host}`) || host.endsWith(`.${servicesDomain}`) || registrable(servicesDomain) === registrable(host)) {
    throw usageError('kube manifests', `--services-domain ${servicesDomain} shares its domain with --host ${host}`, 'pick a domain of its own, e.g. UI berth.example.org and services *.berth-services.example.net');
  }
  const { settings } = ctx.config.kubernetes;
  const { berthManifests } = await import('../../runtimes/kubernetes/berth-manifests.ts');
  const { kubeYaml } = await import('../../runtimes/kubernetes/kube-yaml.ts');
  const objects = berthManifests({
    namespace: check('--namespace', values.namespace, DNS_LABEL, 'a namespace name (lower-case letters, digits, "-")', '--namespace berth') ?? settings.namespace,
    replicas,
    image: check('--image', values.image, IMAGE, 'an image reference', '--image registry.example.org/berth/server:0.1.0') ?? `berth/server:${version()}`,
    stepImage: check('--step-image', values['step-image'], IMAGE, 'an image reference', '--step-image python:3-slim') ?? ctx.config.dockerDefaultImage,
    host,
    servicesDomain,
    storageClass: check('--storage-class', values['storage-class'], DNS_NAME, 'a StorageClass name', '--storage-class nfs-client') ?? settings.storageClass,
    dataSize: check('--data-size', values['data-size'], QUANTITY, 'a storage size', '--data-size 50Gi') ?? '20Gi',
    databaseSecret: check('--database-secret', values['database-secret'], DNS_NAME, 'a Secret name', '--database-secret berth-database') ?? 'berth-database',
    ingressClass: check('--ingress-class', values['ingress-class'], DNS_NAME, 'an IngressClass name', '--ingress-class nginx'),
    tlsSecret: check('--tls-secret', values['tls-secret'], DNS_NAME, 'a Secret name', '--tls-secret berth-tls'),
    nodeAccess: !values['no-node-access'],
    imagePullSecrets: settings.imagePullSecrets,
    build: settings.build,
  });
  const namespace = objects[0]!.metadata!.name!;
  const secret = values['database-secret'] ?? 'berth-database';
  ctx.out(kubeYaml(objects, [`Berth ${version()} on Kubernetes: ${replicas} server replica(s) in namespace ${namespace}.`, `Create the database Secret first: kubectl -n ${namespace} create secret generic ${secret} --from-literal=url=postgres://USER:PASSWORD@HOST:5432/DB`]).trimEnd());
  return 0;
}

/** The last two labels: a stand-in for the registrable domain (no public suffix list here), which errs on the side of refusing. */
function registrable(host: string): string {
  return host.split('.').slice(-2).join('.');
}

function flag(name: string, value: string, expected: string, example: string) {
  return usageError('kube manifests', `${name} ${JSON.stringify(value)} is not ${expected}`, `e.g. ${example}`);
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
