import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1PolicyRule as PolicyRule } from '@kubernetes/client-node';
import { WebSocketServer } from 'ws';

/** What an exec'd command printed and how it ended. */
export interface ExecOutput {
  stdout: string;
  stderr: string;
  code: number;
}

/** An attached exec as the fake container sees it. */
export interface AttachedExec {
  tty: boolean;
  /** Each stdin chunk, then null when the client closes stdin. */
  onInput(fn: (chunk: string | null) => void): void;
  write(text: string): void;
  exit(code: number): void;
}

/** A Kubernetes object as the API serves it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string; [k: string]: unknown };
  spec?: any;
  status?: any;
}

type Resource = 'pods' | 'jobs' | 'deployments' | 'services' | 'persistentvolumeclaims' | 'nodes';
const KINDS: Record<Resource, { apiVersion: string; kind: string }> = {
  pods: { apiVersion: 'v1', kind: 'Pod' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment' },
  services: { apiVersion: 'v1', kind: 'Service' },
  persistentvolumeclaims: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  nodes: { apiVersion: 'v1', kind: 'Node' },
};

interface Watcher {
  resource: Resource;
  selector: Record<string, string>;
  res: ServerResponse;
}

/**
 * The far network edge of the kubernetes driver's tests: an HTTP server on 127.0.0.1 that speaks the
 * parts of the Kubernetes API the driver uses (list, watch as newline-delimited JSON events with
 * resourceVersions, create with 409 on a taken name, read, merge patch, delete, pod logs). It runs
 * no pods: a test plays the kubelet and the controllers by emitting the watch events the API
 * reference describes (`emit`), and can expire every open watch with a 410 Gone (`expireWatches`).
 */
export class FakeKubeApi {
  readonly requests: string[] = [];
  readonly #objects = new Map<string, KubeObject>();
  #watchers: Watcher[] = [];
  #rv = 100;
  #uid = 0;
  #server: Server | null = null;
  /** Pod logs by pod name; `logs` with follow=true stays open until endLog. */
  readonly #logs = new Map<string, { text: string; open: Set<ServerResponse>; ended: boolean; restarts: number }>();
  /** Called after a create (a test plays the controllers here). */
  onCreate: (resource: Resource, object: KubeObject) => void = () => undefined;
  /** Called on a pod DELETE with its grace period in seconds (default: the pod ends with 143 and goes). */
  onPodDelete: (pod: KubeObject, grace: number) => void = (pod) => {
    this.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 143, reason: 'Error' } }));
    this.emit('DELETED', this.get('pods', pod.metadata!.name!)!);
  };
  /** Plays the container for the exec API: what the command prints and its exit code. */
  onExec: (pod: string, argv: string[]) => ExecOutput | Promise<ExecOutput> = () => ({ stdout: '', stderr: '', code: 0 });
  /** Called for each pod garbage-collected with its Job or Deployment (the kubelet ends its containers). */
  onPodRemoved: (pod: KubeObject) => void = () => undefined;
  /**
   * Plays an attached command (exec with stdin=true: a shell): gets each stdin chunk and its end
   * (v5.channel.k8s.io's close frame), writes output, ends with an exit code.
   */
  onAttach: ((pod: string, argv: string[], io: AttachedExec) => void) | null = null;
  /** When set, watches with a resourceVersion older than this answer 410 Gone. */
  oldestResourceVersion = 0;
  /**
   * When set, the API authorizes as RBAC does: a namespaced request needs a rule of `role` (in its
   * namespace), a cluster-scoped one a rule of `clusterRole`; anything else is 403 Forbidden.
   * Every request's (group, resource, verb) is recorded in `used` either way.
   */
  rbac: { namespace: string; role: PolicyRule[]; clusterRole: PolicyRule[] } | null = null;
  readonly used = new Set<string>();
  /** Every object a client sent to be created, exactly as it came over the wire. */
  readonly created: KubeObject[] = [];
  readonly forbidden: string[] = [];

  async start(): Promise<string> {
    this.#server = createServer((req, res) => this.#handle(req, res).catch((e: unknown) => send(res, 500, status(500, String(e)))));
    // Kubernetes 1.30+ speaks v5 (which can close stdin alone) and still v4.
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => ['v5.channel.k8s.io', 'v4.channel.k8s.io'].find((p) => protocols.has(p)) ?? false });
    this.#server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.requests.push(`WS ${url.pathname}${url.search}`);
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      // A WebSocket exec is a GET: RBAC asks for "get" and, since Kubernetes 1.31, "create" on pods/exec too.
      const allowed = m && ['get', 'create'].every((verb) => this.#authorize({ group: '', resource: 'pods/exec', verb, namespace: m[1]! }));
      if (!m || !allowed || req.headers.authorization !== 'Bearer test-token' || !this.get('pods', m[2]!)) return void socket.destroy();
      wss.handleUpgrade(req, socket, head, async (ws) => {
        const frame = (channel: number, data: string): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
        if (url.searchParams.get('stdin') === 'true' && this.onAttach) {
          const input: Array<(chunk: string | null) => void> = [];
          ws.on('message', (data: Buffer) => {
            // Channel 0 is stdin; v5's close frame is channel 255 naming stream 0.
            if (data[0] === 0) for (const fn of input) fn(data.subarray(1).toString());
            if (data[0] === 255 && data[1] === 0) for (const fn of input) fn(null);
          });
          this.onAttach(m[2]!, url.searchParams.getAll('command'), {
            tty: url.searchParams.get('tty') === 'true',
            onInput: (fn) => input.push(fn),
            write: (text) => ws.send(frame(1, text)),
            exit: (code) => {
              ws.send(frame(3, JSON.stringify(code === 0 ? { metadata: {}, status: 'Success' } : { metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(code) }] } })));
              ws.close();
            },
          });
          return;
        }
        const out = await this.onExec(m[2]!, url.searchParams.getAll('command'));
        if (out.stdout) ws.send(frame(1, out.stdout));
        if (out.stderr) ws.send(frame(2, out.stderr));
        const status = out.code === 0 ? { metadata: {}, status: 'Success' } : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${out.code}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(out.code) }] } };
        ws.send(frame(3, JSON.stringify(status)));
        ws.close();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.#watchers) w.res.end();
    for (const log of this.#logs.values()) for (const r of log.open) r.end();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  /** A kubeconfig for this server (plain HTTP, a token that is sent along). */
  kubeConfig(url: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
      users: [{ name: 'berth', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'berth', namespace: 'berth' }],
      currentContext: 'fake',
    });
    return kc;
  }

  /** Writes that kubeconfig as a file (for `berth` processes: KUBECONFIG=path). */
  writeKubeConfig(path: string, url: string): string {
    writeFileSync(path, this.kubeConfig(url).exportConfig());
    return path;
  }

  get(resource: Resource, name: string): KubeObject | undefined {
    return this.#objects.get(`${resource}/${name}`);
  }

  all(resource: Resource): KubeObject[] {
    return [...this.#objects.entries()].filter(([k]) => k.startsWith(`${resource}/`)).map(([, v]) => v);
  }

  /** Stores an object change and sends it to every matching watch, as the API server does. */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject, resource: Resource = 'pods'): KubeObject {
    const stored = structuredClone(object);
    stored.metadata!.resourceVersion = String(++this.#rv);
    stored.metadata!.creationTimestamp ??= new Date().toISOString();
    stored.metadata!.uid ??= `uid-${++this.#uid}`;
    Object.assign(stored, KINDS[resource]);
    const key = `${resource}/${stored.metadata!.name}`;
    if (type === 'DELETED') this.#objects.delete(key);
    else this.#objects.set(key, stored);
    const line = `${JSON.stringify({ type, object: stored })}\n`;
    for (const w of this.#watchers) if (w.resource === resource && matches(stored, w.selector)) w.res.write(line);
    if (resource === 'pods') this.#endLogIfEnded(stored, type === 'DELETED');
    return stored;
  }

  /** Ends every open watch with the ERROR event an expired resourceVersion gets (410 Gone). */
  expireWatches(): void {
    this.oldestResourceVersion = this.#rv + 1;
    const line = `${JSON.stringify({ type: 'ERROR', object: status(410, 'too old resource version', 'Expired') })}\n`;
    for (const w of this.#watchers) w.res.end(line);
    this.#watchers = [];
  }

  /** Changes the store without telling any watch (what happens while a watch is down). */
  setQuietly(resource: Resource, object: KubeObject | null, name = object?.metadata?.name ?? ''): void {
    if (object === null) this.#objects.delete(`${resource}/${name}`);
    else this.#objects.set(`${resource}/${name}`, { ...structuredClone(object), ...KINDS[resource], metadata: { ...object.metadata, resourceVersion: String(++this.#rv) } });
    if (resource === 'pods' && object) this.#endLogIfEnded(object, false);
  }

  /** The kubelet closes a followed log when the container ends (or the pod goes). */
  #endLogIfEnded(pod: KubeObject, deleted: boolean): void {
    // The log API serves the current container: a restarted one starts a new log.
    const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
    const current = this.#log(pod.metadata!.name!);
    if (restarts > current.restarts) Object.assign(current, { text: '', ended: false, restarts });
    const phase = pod.status?.phase;
    const state = pod.status?.containerStatuses?.[0]?.state;
    if (deleted || phase === 'Succeeded' || phase === 'Failed' || state?.terminated || state?.waiting?.reason === 'CrashLoopBackOff') this.endLog(pod.metadata!.name!);
  }

  appendLog(pod: string, text: string): void {
    const log = this.#log(pod);
    log.text += text;
    for (const r of log.open) r.write(text);
  }

  endLog(pod: string): void {
    const log = this.#log(pod);
    log.ended = true;
    for (const r of log.open) r.end();
    log.open.clear();
  }

  watcherCount(resource: Resource): number {
    return this.#watchers.filter((w) => w.resource === resource).length;
  }

  #log(pod: string): { text: string; open: Set<ServerResponse>; ended: boolean; restarts: number } {
    let log = this.#logs.get(pod);
    if (!log) this.#logs.set(pod, (log = { text: '', open: new Set(), ended: false, restarts: 0 }));
    return log;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== 'Bearer test-token') return send(res, 401, status(401, 'Unauthorized'));
    const m = /^\/(?:api\/v1|apis\/(batch|apps)\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!m || !(m[3]! in KINDS)) return send(res, 404, status(404, `no route ${url.pathname}`));
    const resource = m[3] as Resource;
    const name = m[4];
    const verb = verbOf(req.method ?? 'GET', name, url.searchParams.get('watch') === 'true');
    const asked = { group: m[1] ?? '', resource: m[5] ? `${resource}/${m[5]}` : resource, verb, namespace: m[2] };
    if (!this.#authorize(asked)) {
      const where = asked.namespace ? ` in the namespace "${asked.namespace}"` : ' at the cluster scope';
      return send(res, 403, status(403, `${asked.resource} is forbidden: User "system:serviceaccount:berth:berth" cannot ${verb} resource "${asked.resource}" in API group "${asked.group}"${where}`, 'Forbidden'));
    }
    const body = await readBody(req);
    if (m[5] === 'log') return this.#podLog(name!, url, res);
    if (!name && req.method === 'GET') {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      if (url.searchParams.get('watch') === 'true') {
        const since = Number(url.searchParams.get('resourceVersion') ?? 0);
        if (since && since < this.oldestResourceVersion) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'too old resource version', 'Expired') })}\n`);
        }
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        const watcher: Watcher = { resource, selector, res };
        this.#watchers.push(watcher);
        req.on('close', () => (this.#watchers = this.#watchers.filter((w) => w !== watcher)));
        return;
      }
      const items = this.all(resource).filter((o) => matches(o, selector));
      return send(res, 200, { apiVersion: KINDS[resource].apiVersion, kind: `${KINDS[resource].kind}List`, metadata: { resourceVersion: String(this.#rv) }, items });
    }
    if (!name && req.method === 'POST') {
      const object = JSON.parse(body) as KubeObject;
      this.created.push(JSON.parse(body) as KubeObject);
      if (this.get(resource, object.metadata!.name!)) return send(res, 409, status(409, `${resource} "${object.metadata!.name}" already exists`, 'AlreadyExists'));
      const created = this.emit('ADDED', object, resource);
      send(res, 201, created);
      setImmediate(() => this.onCreate(resource, created));
      return;
    }
    const existing = name ? this.get(resource, name) : undefined;
    if (!existing) return send(res, 404, status(404, `${resource} "${name}" not found`, 'NotFound'));
    if (req.method === 'GET') return send(res, 200, existing);
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/merge-patch+json') return send(res, 415, status(415, `unsupported patch type ${req.headers['content-type']}`));
      return send(res, 200, this.emit('MODIFIED', mergePatch(existing, JSON.parse(body)) as KubeObject, resource));
    }
    if (req.method === 'DELETE') {
      const options = body ? (JSON.parse(body) as { gracePeriodSeconds?: number }) : {};
      const grace = Number(url.searchParams.get('gracePeriodSeconds') ?? options.gracePeriodSeconds ?? 30);
      send(res, 200, status(200, 'deleted', undefined, 'Success'));
      if (resource === 'pods') {
        const terminating = this.emit('MODIFIED', { ...existing, metadata: { ...existing.metadata, deletionTimestamp: new Date().toISOString() } });
        setImmediate(() => this.onPodDelete(terminating, grace));
      } else {
        this.emit('DELETED', existing, resource);
        // Garbage collection of the Job's / Deployment's pods (propagationPolicy Background).
        for (const pod of this.all('pods')) {
          if (pod.metadata?.labels?.['berth.dev/workload'] !== name || resource === 'services') continue;
          this.emit('DELETED', pod);
          this.onPodRemoved(pod);
        }
        // The garbage collector deletes what the object owned (ownerReferences by uid).
        for (const owned of this.all('services')) {
          const refs = (owned.metadata?.['ownerReferences'] ?? []) as Array<{ uid: string }>;
          if (refs.some((r) => r.uid === existing.metadata!.uid)) this.emit('DELETED', owned, 'services');
        }
      }
      return;
    }
    send(res, 405, status(405, 'method not allowed'));
  }

  /** Records the request and whether RBAC (when set) allows it. */
  #authorize(asked: { group: string; resource: string; verb: string; namespace?: string }): boolean {
    this.used.add(`${asked.group}/${asked.resource}:${asked.verb}`);
    if (!this.rbac) return true;
    const rules = asked.namespace === undefined ? this.rbac.clusterRole : asked.namespace === this.rbac.namespace ? this.rbac.role : [];
    const ok = rules.some((r) => (r.apiGroups ?? []).includes(asked.group) && (r.resources ?? []).includes(asked.resource) && r.verbs.includes(asked.verb));
    if (!ok) this.forbidden.push(`${asked.group}/${asked.resource}:${asked.verb}${asked.namespace ? ` in ${asked.namespace}` : ''}`);
    return ok;
  }

  #podLog(pod: string, url: URL, res: ServerResponse): void {
    if (!this.get('pods', pod) && !this.#logs.has(pod)) return send(res, 404, status(404, `pods "${pod}" not found`, 'NotFound'));
    const log = this.#log(pod);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(log.text);
    if (url.searchParams.get('follow') === 'true' && !log.ended) {
      log.open.add(res);
      res.on('close', () => log.open.delete(res));
      return;
    }
    res.end();
  }
}

/** A pod of `workload` (its Job's or Deployment's template labels and annotations) in phase Pending. */
export function podOf(workload: KubeObject, suffix = 'x7k2p'): KubeObject {
  return {
    metadata: { name: `${workload.metadata!.name}-${suffix}`, namespace: workload.metadata!.namespace, labels: { ...workload.spec.template.metadata.labels }, annotations: { ...workload.spec.template.metadata.annotations } },
    spec: { ...workload.spec.template.spec, nodeName: 'node-a' },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], containerStatuses: [{ name: 'workload', image: workload.spec.template.spec.containers[0].image, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
  };
}

/** The pod with a new status, written the way the kubelet reports it. */
export function podWith(pod: KubeObject, s: { phase: string; running?: boolean; waiting?: { reason: string; message?: string }; terminated?: { exitCode: number; reason?: string; message?: string; signal?: number }; reason?: string; message?: string; conditions?: object[] }): KubeObject {
  const now = new Date().toISOString();
  const state = s.terminated ? { terminated: { ...s.terminated, startedAt: now, finishedAt: now } } : s.running ? { running: { startedAt: now } } : s.waiting ? { waiting: s.waiting } : {};
  return {
    ...pod,
    status: {
      ...pod.status,
      phase: s.phase,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      conditions: s.conditions ?? pod.status.conditions,
      containerStatuses: s.reason === 'Evicted' ? pod.status.containerStatuses : [{ ...pod.status.containerStatuses[0], ready: !!s.running, state }],
    },
  };
}

/** The RBAC verb of a request (the API server's request info). */
function verbOf(method: string, name: string | undefined, watch: boolean): string {
  if (method === 'GET') return name ? 'get' : watch ? 'watch' : 'list';
  if (method === 'DELETE') return name ? 'delete' : 'deletecollection';
  return { POST: 'create', PUT: 'update', PATCH: 'patch' }[method] ?? method.toLowerCase();
}

function matches(object: KubeObject, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => object.metadata?.labels?.[k] === v);
}

function parseSelector(raw: string): Record<string, string> {
  return Object.fromEntries(raw.split(',').filter(Boolean).map((p) => p.split('=') as [string, string]));
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function status(code: number, message: string, reason?: string, result = 'Failure'): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: result, message, ...(reason ? { reason } : {}), code };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/**
 * A fresh FakeKubeApi for each test of the calling describe (registered as beforeEach/after
 * hooks): drivers pushed to `drivers` are destroyed before the next test and at the end.
 */
export function freshKubeApiPerTest(drivers: Array<{ destroy(): Promise<void> }>, hooks: { beforeEach: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }): { api: FakeKubeApi; url: string } {
  const current = { api: null as unknown as FakeKubeApi, url: '' };
  const reset = async (): Promise<void> => {
    for (const d of drivers.splice(0)) await d.destroy();
    await current.api?.stop();
  };
  hooks.beforeEach(async () => {
    await reset();
    current.api = new FakeKubeApi();
    current.url = await current.api.start();
  });
  hooks.after(reset);
  return current;
}
