import type { KubeBuildSettings } from '../../config/kube-settings.ts';
import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Deployment,
  V1EnvVar,
  V1Ingress,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';

/** What `berth kube manifests` renders Berth itself from. */
export interface BerthManifestOptions {
  namespace: string;
  /** Server replicas; they share PostgreSQL (BERTH_DATABASE_URL from a Secret) and the data claim. */
  replicas: number;
  /** Berth's server image. */
  image: string;
  /** Image for steps that name no environment (BERTH_DOCKER_IMAGE). */
  stepImage: string;
  /** The UI/API host name of the Ingress. */
  host: string;
  /** Services get their own origins at *.<servicesDomain> (a wildcard rule of the Ingress). */
  servicesDomain: string;
  storageClass?: string;
  dataSize: string;
  /** Secret with key `url`: the PostgreSQL connection URL. */
  databaseSecret: string;
  ingressClass?: string;
  /** Secret holding the TLS certificate for both hosts (omitted: plain HTTP). */
  tlsSecret?: string;
  /** Read Nodes (list/watch; a ClusterRole) so interactive workloads go to nodes that hold their image. */
  nodeAccess: boolean;
  /** Secrets workloads pull images with (BERTH_KUBE_IMAGE_PULL_SECRETS). */
  imagePullSecrets?: string[];
  /** Environment images built on the cluster (BERTH_KUBE_REGISTRY…), or none. */
  build?: KubeBuildSettings | null;
}

/** Node.js flags of the server's process (see the env below). */
const SERVER_NODE_OPTIONS = '--max-semi-space-size=8';
const NAME = 'berth';
const PORT = 7420;
const HOME = '/var/lib/berth';
const LABELS = { 'app.kubernetes.io/name': 'berth', 'app.kubernetes.io/component': 'server', 'app.kubernetes.io/managed-by': 'berth-kube-manifests' };

/**
 * Every object Berth needs to run on a cluster (pure), in apply order: its Namespace, a
 * ServiceAccount with a Role limited to that namespace's pods (and their logs and exec), services,
 * deployments, jobs and claims — the objects the kubernetes runtime creates — plus, with nodeAccess,
 * read-only Nodes; a ReadWriteMany claim for BERTH_HOME that workloads mount by subPath
 * (BERTH_KUBE_VOLUMES); N server replicas on PostgreSQL; a Service; an Ingress for the UI host and the
 * wildcard services domain.
 */
export function berthManifests(o: BerthManifestOptions): KubernetesObject[] {
  const meta = (name: string) => ({ name, namespace: o.namespace, labels: { ...LABELS } });
  const namespace: V1Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: { 'app.kubernetes.io/managed-by': LABELS['app.kubernetes.io/managed-by'] } } };
  const serviceAccount: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME), automountServiceAccountToken: true };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(NAME),
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'delete'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['create'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
    ],
  };
  const subject = [{ kind: 'ServiceAccount', name: NAME, namespace: o.namespace }];
  const roleBinding: V1RoleBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(NAME), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME }, subjects: subject };
  const nodeRoleName = `berth-${o.namespace}-nodes`;
  const nodeRole: V1ClusterRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: nodeRoleName, labels: { ...LABELS } }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] }] };
  const nodeBinding: V1ClusterRoleBinding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: nodeRoleName, labels: { ...LABELS } }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: nodeRoleName }, subjects: subject };
  const data: V1PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('berth-data'),
    spec: { accessModes: ['ReadWriteMany'], ...(o.storageClass ? { storageClassName: o.storageClass } : {}), resources: { requests: { storage: o.dataSize } } },
  };
  const env: V1EnvVar[] = [
    { name: 'BERTH_HOME', value: HOME },
    { name: 'BERTH_RUNTIME', value: 'kubernetes' },
    { name: 'BERTH_KUBE_NAMESPACE', value: o.namespace },
    { name: 'BERTH_KUBE_VOLUMES', value: `${HOME}=berth-data` },
    ...(o.storageClass ? [{ name: 'BERTH_KUBE_STORAGE_CLASS', value: o.storageClass }] : []),
    { name: 'BERTH_DOCKER_IMAGE', value: o.stepImage },
    ...(o.imagePullSecrets?.length ? [{ name: 'BERTH_KUBE_IMAGE_PULL_SECRETS', value: o.imagePullSecrets.join(',') }] : []),
    ...buildEnv(o.build),
    { name: 'BERTH_DATABASE_URL', valueFrom: { secretKeyRef: { name: o.databaseSecret, key: 'url' } } },
    // V8's young generation otherwise grows to 64 MiB and stays committed: the server's RSS under
    // proxy load was 220–278 MiB with it, 166–184 MiB with 8 MiB semi-spaces, at the same throughput
    // (bench/README.md, "proxy: the server's memory").
    { name: 'NODE_OPTIONS', value: SERVER_NODE_OPTIONS },
  ];
  const server: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('berth-server'),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { ...LABELS } },
      template: {
        metadata: { labels: { ...LABELS } },
        spec: {
          serviceAccountName: NAME,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          containers: [
            {
              name: 'server',
              image: o.image,
              args: ['server', '--host', '0.0.0.0', '--port', String(PORT), '--services-domain', o.servicesDomain],
              env,
              ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/api/health', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/api/health', port: 'http' }, periodSeconds: 20, failureThreshold: 6 },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'data', mountPath: HOME }, { name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'berth-data' } }, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const service: V1Service = { apiVersion: 'v1', kind: 'Service', metadata: meta(NAME), spec: { type: 'ClusterIP', selector: { ...LABELS }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] } };
  const backend = { service: { name: NAME, port: { name: 'http' } } };
  const ingress: V1Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(NAME),
    spec: {
      ...(o.ingressClass ? { ingressClassName: o.ingressClass } : {}),
      ...(o.tlsSecret ? { tls: [{ hosts: [o.host, `*.${o.servicesDomain}`], secretName: o.tlsSecret }] } : {}),
      rules: [o.host, `*.${o.servicesDomain}`].map((host) => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } })),
    },
  };
  return [namespace, serviceAccount, role, roleBinding, ...(o.nodeAccess ? [nodeRole, nodeBinding] : []), data, server, service, ingress];
}

/** The settings of environment builds on the cluster, as the servers read them. */
function buildEnv(build: KubeBuildSettings | null | undefined): V1EnvVar[] {
  if (!build) return [];
  return [
    { name: 'BERTH_KUBE_REGISTRY', value: build.registry },
    { name: 'BERTH_KUBE_BUILDER', value: build.builder },
    { name: 'BERTH_KUBE_BUILDER_IMAGE', value: build.builderImage },
    ...(build.pushSecret ? [{ name: 'BERTH_KUBE_REGISTRY_SECRET', value: build.pushSecret }] : []),
    ...(build.insecure ? [{ name: 'BERTH_KUBE_REGISTRY_INSECURE', value: '1' }] : []),
  ];
}
