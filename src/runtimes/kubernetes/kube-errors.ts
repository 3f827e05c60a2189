import { BerthError } from '../../errors.ts';

/** The HTTP status of a failed API call (the client's ApiException carries it as `code`; watches as statusCode). */
export function statusOf(e: unknown): number | undefined {
  const err = e as { code?: unknown; statusCode?: unknown } | null;
  if (typeof err?.code === 'number') return err.code;
  return typeof err?.statusCode === 'number' ? err.statusCode : undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

export function isConflict(e: unknown): boolean {
  return statusOf(e) === 409;
}

/** An API failure as a coded error naming what Berth tried and how to fix the usual causes. */
export function kubeError(e: unknown, what: string, server: string): BerthError {
  if (e instanceof BerthError) return e;
  const status = statusOf(e);
  const body = (e as { body?: unknown } | null)?.body;
  const apiMessage = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : typeof body === 'string' ? safeMessage(body) : undefined;
  const detail = apiMessage ?? (e instanceof Error ? e.message : String(e));
  if (status === 401 || status === 403) {
    return new BerthError('BERTH_E_DRIVER', `the Kubernetes API at ${server} refused to ${what}: ${detail}`, {
      cause: e,
      problems: [{ path: 'KUBECONFIG', message: status === 401 ? 'credentials rejected' : 'not allowed', fix: 'give Berth\'s ServiceAccount the Role from `berth kube manifests` (pods, pods/log, pods/exec, services, deployments, jobs, persistentvolumeclaims in its namespace)' }],
    });
  }
  if (status === undefined || status >= 500 && /fetch failed|ECONNREFUSED|ENOTFOUND|Error occurred/.test(detail)) {
    return new BerthError('BERTH_E_DRIVER', `cannot reach the Kubernetes API at ${server} to ${what}: ${detail}`, {
      cause: e,
      problems: [{ path: 'KUBECONFIG', message: `no Kubernetes API answers at ${server}`, fix: 'point KUBECONFIG at a reachable cluster (kubectl cluster-info), or run Berth inside the cluster' }],
    });
  }
  return new BerthError('BERTH_E_DRIVER', `could not ${what}: ${detail} (HTTP ${status})`, { cause: e });
}

function safeMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : undefined;
  } catch {
    return body.slice(0, 200) || undefined;
  }
}
