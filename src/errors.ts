/**
 * One registry of coded errors. Every error a user can see is a BerthError with a stable code,
 * a CLI exit code, an HTTP status and a message that names the field and the fix.
 */
export const ERRORS = {
  BERTH_E_INVALID_PIPELINE: { exit: 2, http: 400, title: 'invalid pipeline file' },
  BERTH_E_PIPELINE_NOT_FOUND: { exit: 2, http: 404, title: 'pipeline file not found' },
  BERTH_E_INVALID_ARGUMENT: { exit: 2, http: 400, title: 'invalid argument' },
  BERTH_E_UNKNOWN_STEP: { exit: 2, http: 400, title: 'unknown step' },
  BERTH_E_RUN_NOT_FOUND: { exit: 2, http: 404, title: 'run not found' },
  BERTH_E_STEP_NOT_FOUND: { exit: 2, http: 404, title: 'step not found' },
  BERTH_E_RUNTIME_UNSUPPORTED: { exit: 2, http: 400, title: 'runtime not available' },
  BERTH_E_DRIVER: { exit: 1, http: 500, title: 'runtime driver error' },
  BERTH_E_DRIVER_TIMEOUT: { exit: 1, http: 504, title: 'runtime driver timed out' },
  BERTH_E_WORKLOAD_NOT_FOUND: { exit: 1, http: 404, title: 'workload not found' },
  BERTH_E_STORE: { exit: 1, http: 500, title: 'store error' },
  BERTH_E_CONFIG: { exit: 2, http: 500, title: 'invalid configuration' },
  BERTH_E_INTERNAL: { exit: 1, http: 500, title: 'internal error' },
  BERTH_E_DOCKER_UNREACHABLE: { exit: 1, http: 503, title: 'Docker engine unreachable' },
  BERTH_E_IMAGE_NOT_FOUND: { exit: 1, http: 404, title: 'image not found' },
  BERTH_E_ENV_NOT_FOUND: { exit: 2, http: 404, title: 'environment not found' },
  BERTH_E_ENV_BUILD: { exit: 1, http: 500, title: 'environment build failed' },
  BERTH_E_INSTANCE_EXISTS: { exit: 1, http: 409, title: 'instance already exists' },
  BERTH_E_INSTANCE_NOT_FOUND: { exit: 1, http: 404, title: 'instance not found' },
  BERTH_E_INSTANCE_START: { exit: 1, http: 500, title: 'instance failed to start' },
  BERTH_E_UNAUTHORIZED: { exit: 2, http: 401, title: 'missing or invalid token' },
  BERTH_E_FORBIDDEN: { exit: 2, http: 403, title: 'token not allowed here' },
  BERTH_E_HOST_WORKLOADS_REFUSED: { exit: 2, http: 403, title: 'host workloads refused for project tokens' },
  BERTH_E_PORT_RESERVED: { exit: 2, http: 409, title: 'port reserved' },
  BERTH_E_UPSTREAM_NOT_OWNED: { exit: 1, http: 502, title: 'port not held by the service' },
  BERTH_E_PROXY_LOOP: { exit: 1, http: 508, title: 'proxy loop' },
  BERTH_E_RATE_LIMITED: { exit: 1, http: 429, title: 'too many failed attempts' },
  BERTH_E_NOT_FOUND: { exit: 2, http: 404, title: 'no such route' },
  BERTH_E_PROJECT_NOT_FOUND: { exit: 2, http: 404, title: 'project not found' },
  BERTH_E_SERVICE_NOT_FOUND: { exit: 2, http: 404, title: 'service not found' },
  BERTH_E_TOKEN_NOT_FOUND: { exit: 2, http: 404, title: 'token not found' },
  BERTH_E_CONFLICT: { exit: 2, http: 409, title: 'conflict' },
  BERTH_E_BODY_TOO_LARGE: { exit: 2, http: 413, title: 'request body too large' },
  BERTH_E_UNSUPPORTED_MEDIA_TYPE: { exit: 2, http: 415, title: 'request body of a type this route does not take' },
  BERTH_E_SERVER_UNREACHABLE: { exit: 1, http: 502, title: 'Berth server unreachable' },
  BERTH_E_UPSTREAM_UNAVAILABLE: { exit: 1, http: 502, title: 'service unavailable' },
  BERTH_E_UPSTREAM_TIMEOUT: { exit: 1, http: 504, title: 'service timed out' },
  BERTH_E_PEER_UNAVAILABLE: { exit: 1, http: 503, title: 'no Berth server up on the host the service runs on' },
  BERTH_E_FORWARD_REFUSED: { exit: 2, http: 401, title: 'forwarded request refused' },
  BERTH_E_SERVICE_ELSEWHERE: { exit: 2, http: 409, title: 'service runs on another host' },
  BERTH_E_SECRET: { exit: 1, http: 500, title: 'stored secret unreadable' },
  BERTH_E_WEBHOOK_NOT_FOUND: { exit: 2, http: 404, title: 'webhook not found' },
  BERTH_E_WEBHOOK_EXISTS: { exit: 2, http: 409, title: 'webhook name taken' },
  BERTH_E_DELIVERY_NOT_FOUND: { exit: 2, http: 404, title: 'delivery not found' },
  BERTH_E_JOB_NOT_FOUND: { exit: 2, http: 404, title: 'job not found' },
  BERTH_E_JOB_STATE: { exit: 2, http: 409, title: 'job cannot do that in its state' },
  BERTH_E_INVALID_SCHEDULE: { exit: 2, http: 400, title: 'invalid schedule' },
  BERTH_E_PORT_IN_USE: { exit: 1, http: 409, title: 'port already in use' },
  BERTH_E_SESSION_NOT_FOUND: { exit: 2, http: 404, title: 'session not found' },
  BERTH_E_SESSION_START: { exit: 1, http: 500, title: 'session failed to start' },
  BERTH_E_ENV_VAR_NOT_FOUND: { exit: 2, http: 404, title: 'environment variable not found' },
  BERTH_E_CROSS_SITE: { exit: 2, http: 403, title: 'cross-site use of the browser session refused' },
  BERTH_E_SERVICE_TICKET: { exit: 2, http: 401, title: 'invalid or expired service ticket' },
  BERTH_E_NO_SERVICES_DOMAIN: { exit: 2, http: 409, title: 'services have no own origin on this server' },
  BERTH_E_BAD_REQUEST: { exit: 2, http: 400, title: 'malformed HTTP request' },
  BERTH_E_HEADERS_TOO_LARGE: { exit: 2, http: 431, title: 'request headers too large' },
  BERTH_E_REQUEST_TIMEOUT: { exit: 2, http: 408, title: 'request headers not received in time' },
  BERTH_E_GIT_KEY_NOT_FOUND: { exit: 2, http: 404, title: 'git key not found' },
  BERTH_E_GIT_CLONE: { exit: 1, http: 502, title: 'git clone failed' },
  BERTH_E_GIT_HOST_KEY_CHANGED: { exit: 1, http: 409, title: 'SSH host key changed' },
  BERTH_E_KNOWN_HOST_NOT_FOUND: { exit: 2, http: 404, title: 'known host not found' },
  BERTH_E_SHELL_UNAVAILABLE: { exit: 1, http: 503, title: 'environment shell unavailable' },
  BERTH_E_FORBIDDEN_PATH: { exit: 2, http: 403, title: 'folder not readable' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** One problem in user input: where (a JSON path or a flag), what is wrong, and how to fix it. */
export interface Problem {
  path: string;
  message: string;
  fix?: string;
}

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { problems?: Problem[]; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BerthError';
    this.code = code;
    this.problems = opts.problems ?? [];
    this.details = opts.details ?? {};
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, problems: this.problems, ...this.details };
  }
}

export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}

/** Formats a problem as one line: `steps.abc.file_path: must be relative — use a path inside the project`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message}${p.fix ? ` (fix: ${p.fix})` : ''}`;
}
