import { BerthError } from '../errors.ts';

/** A host folder Berth writes to that workloads see through a PersistentVolumeClaim (the data folder, projects). */
export interface VolumeMapping {
  /** Absolute path as Berth sees it (a bind mount's source under it becomes a subPath of the claim). */
  hostPath: string;
  /** The claim (ReadWriteMany when workloads run on several nodes) holding that folder. */
  claim: string;
  /** Where in the claim the folder is (empty: its root). */
  subPath: string;
}

/** Kubernetes quantities ("500m", "2Gi"); GPUs as a count of nvidia.com/gpu. */
export interface KubeResources {
  cpuRequest?: string;
  cpuLimit?: string;
  memoryRequest?: string;
  memoryLimit?: string;
  gpus?: number;
}

export const KUBE_BUILDERS = ['kaniko', 'buildkit'] as const;
export type KubeBuilderName = (typeof KUBE_BUILDERS)[number];
/** The builder images used unless BERTH_KUBE_BUILDER_IMAGE says otherwise (pinned versions). */
export const DEFAULT_BUILDER_IMAGES: Record<KubeBuilderName, string> = {
  kaniko: 'gcr.io/kaniko-project/executor:v1.23.2',
  buildkit: 'moby/buildkit:v0.17.3-rootless',
};

/** Environment images built on the cluster by a builder Job and pushed to a registry the nodes pull from. */
export interface KubeBuildSettings {
  /** Registry and path the images are pushed under: `<registry>/berth-env/<uuid>:<hash>`. */
  registry: string;
  builder: KubeBuilderName;
  builderImage: string;
  /** A kubernetes.io/dockerconfigjson Secret the builder pushes with (undefined: the registry takes anonymous pushes). */
  pushSecret: string | undefined;
  /** The registry speaks plain HTTP or has a certificate the builder cannot verify. */
  insecure: boolean;
}

/** How the kubernetes runtime places its objects (BERTH_KUBE_*; see kubeSettings). */
export interface KubeSettings {
  namespace: string;
  /** StorageClass of the claims Berth creates for named volumes; undefined: the cluster's default. */
  storageClass: string | undefined;
  /** Size requested for each named volume's claim. */
  volumeSize: string;
  volumes: VolumeMapping[];
  imagePullSecrets: string[];
  /** Requests and limits of every workload unless its own say otherwise. */
  resources: KubeResources;
  /** Builds on the cluster (BERTH_KUBE_REGISTRY set), else null: environment images come from the docker runtime's builder. */
  build: KubeBuildSettings | null;
  /** Berth's API as pods reach it (BERTH_KUBE_ENDPOINT; default the Service `berth kube manifests` makes). */
  endpoint: string;
}

type Env = Record<string, string | undefined>;

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti|P|Pi|E|Ei)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Reads the kubernetes runtime's settings from an environment (pure: src/config passes its env):
 * BERTH_KUBE_NAMESPACE (default "berth"), BERTH_KUBE_STORAGE_CLASS, BERTH_KUBE_VOLUME_SIZE (10Gi),
 * BERTH_KUBE_VOLUMES ("/host/path=claim[:sub/path],…"), BERTH_KUBE_IMAGE_PULL_SECRETS ("a,b"),
 * BERTH_KUBE_CPU_REQUEST / _CPU_LIMIT / _MEMORY_REQUEST / _MEMORY_LIMIT (quantities); environment
 * builds on the cluster: BERTH_KUBE_REGISTRY (e.g. registry.example.com/team), BERTH_KUBE_BUILDER
 * (kaniko, the default, or buildkit: rootless), BERTH_KUBE_BUILDER_IMAGE, BERTH_KUBE_REGISTRY_SECRET
 * (the push credentials' Secret), BERTH_KUBE_REGISTRY_INSECURE=1 (plain HTTP / unverified TLS);
 * BERTH_KUBE_ENDPOINT: Berth's API as pods reach it (default http://berth.<namespace>.svc:7420, the
 * Service of `berth kube manifests`), given to services as BERTH_ENDPOINT.
 */
export function kubeSettings(env: Env): KubeSettings {
  const namespace = env.BERTH_KUBE_NAMESPACE || 'berth';
  if (!DNS_LABEL.test(namespace)) throw invalid('BERTH_KUBE_NAMESPACE', namespace, 'a namespace name: lower-case letters, digits and "-", at most 63', 'BERTH_KUBE_NAMESPACE=berth');
  const storageClass = env.BERTH_KUBE_STORAGE_CLASS || undefined;
  if (storageClass !== undefined && !DNS_SUBDOMAIN.test(storageClass)) throw invalid('BERTH_KUBE_STORAGE_CLASS', storageClass, 'a StorageClass name', 'e.g. BERTH_KUBE_STORAGE_CLASS=nfs-client');
  const volumeSize = env.BERTH_KUBE_VOLUME_SIZE || '10Gi';
  if (!QUANTITY.test(volumeSize)) throw invalid('BERTH_KUBE_VOLUME_SIZE', volumeSize, 'a storage quantity', 'e.g. BERTH_KUBE_VOLUME_SIZE=10Gi');
  const resources: KubeResources = {};
  for (const [name, key] of [['CPU_REQUEST', 'cpuRequest'], ['CPU_LIMIT', 'cpuLimit'], ['MEMORY_REQUEST', 'memoryRequest'], ['MEMORY_LIMIT', 'memoryLimit']] as const) {
    const raw = env[`BERTH_KUBE_${name}`];
    if (!raw) continue;
    if (!QUANTITY.test(raw)) throw invalid(`BERTH_KUBE_${name}`, raw, 'a Kubernetes quantity', key.startsWith('cpu') ? 'e.g. 500m or 2' : 'e.g. 512Mi or 4Gi');
    resources[key] = raw;
  }
  return {
    namespace,
    storageClass,
    volumeSize,
    volumes: parseVolumes(env.BERTH_KUBE_VOLUMES ?? ''),
    imagePullSecrets: list(env.BERTH_KUBE_IMAGE_PULL_SECRETS ?? '').map((s) => (DNS_SUBDOMAIN.test(s) ? s : fail(invalid('BERTH_KUBE_IMAGE_PULL_SECRETS', s, 'a Secret name', 'e.g. regcred')))),
    resources,
    build: buildSettings(env),
    endpoint: podEndpoint(env.BERTH_KUBE_ENDPOINT, namespace),
  };
}

function podEndpoint(raw: string | undefined, namespace: string): string {
  if (!raw) return `http://berth.${namespace}.svc:7420`;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw invalid('BERTH_KUBE_ENDPOINT', raw, "an http(s) URL without credentials that pods reach Berth's API at", `e.g. BERTH_KUBE_ENDPOINT=http://berth.${namespace}.svc:7420`);
  }
  return raw.replace(/\/+$/, '');
}

const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function buildSettings(env: Env): KubeBuildSettings | null {
  const registry = (env.BERTH_KUBE_REGISTRY ?? '').replace(/\/+$/, '');
  const builder = env.BERTH_KUBE_BUILDER || 'kaniko';
  if (!(KUBE_BUILDERS as readonly string[]).includes(builder)) throw invalid('BERTH_KUBE_BUILDER', builder, `one of ${KUBE_BUILDERS.join(', ')}`, 'BERTH_KUBE_BUILDER=kaniko');
  if (!registry) {
    const orphan = ['BERTH_KUBE_BUILDER', 'BERTH_KUBE_BUILDER_IMAGE', 'BERTH_KUBE_REGISTRY_SECRET', 'BERTH_KUBE_REGISTRY_INSECURE'].find((k) => env[k]);
    if (orphan) throw invalid(orphan, env[orphan]!, 'used without BERTH_KUBE_REGISTRY', 'set BERTH_KUBE_REGISTRY=registry.example.com/team (where the builder pushes), or unset it');
    return null;
  }
  const host = registry.split('/')[0]!;
  if (!REGISTRY.test(registry) || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    throw invalid('BERTH_KUBE_REGISTRY', registry, 'a registry host with an optional path', 'e.g. BERTH_KUBE_REGISTRY=registry.example.com/team or localhost:5000');
  }
  const pushSecret = env.BERTH_KUBE_REGISTRY_SECRET || undefined;
  if (pushSecret !== undefined && !DNS_SUBDOMAIN.test(pushSecret)) throw invalid('BERTH_KUBE_REGISTRY_SECRET', pushSecret, 'a Secret name', 'e.g. BERTH_KUBE_REGISTRY_SECRET=regcred');
  const insecure = env.BERTH_KUBE_REGISTRY_INSECURE ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(insecure)) throw invalid('BERTH_KUBE_REGISTRY_INSECURE', insecure, '1 or 0', 'BERTH_KUBE_REGISTRY_INSECURE=1');
  return {
    registry,
    builder: builder as KubeBuilderName,
    builderImage: env.BERTH_KUBE_BUILDER_IMAGE || DEFAULT_BUILDER_IMAGES[builder as KubeBuilderName],
    pushSecret,
    insecure: insecure === '1' || insecure === 'true',
  };
}

function parseVolumes(raw: string): VolumeMapping[] {
  return list(raw).map((item) => {
    const eq = item.lastIndexOf('=');
    const hostPath = item.slice(0, Math.max(eq, 0)).replace(/\/+$/, '');
    const [claim = '', ...rest] = item.slice(eq + 1).split(':');
    const subPath = rest.join(':').replace(/^\/+|\/+$/g, '');
    if (eq <= 0 || !hostPath.startsWith('/') || !DNS_SUBDOMAIN.test(claim) || subPath.split('/').includes('..')) {
      throw invalid('BERTH_KUBE_VOLUMES', item, 'ABSOLUTE_HOST_PATH=CLAIM_NAME[:SUB/PATH]', 'e.g. BERTH_KUBE_VOLUMES=/var/lib/berth=berth-data');
    }
    return { hostPath, claim, subPath };
  });
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function invalid(name: string, value: string, expected: string, fix: string): BerthError {
  return new BerthError('BERTH_E_CONFIG', `${name}=${value} is not ${expected}`, { problems: [{ path: name, message: `must be ${expected}`, fix }] });
}

function fail(e: unknown): never {
  throw e;
}
