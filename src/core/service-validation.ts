import type { Problem } from '../errors.ts';
import { describeJsonType, isJsonObject, wrongType } from './json-object.ts';
import { jsonPath } from './json-path.ts';
import { SERVICE_SCOPES, type ServiceDefinition } from './pipeline-types.ts';
import { fillServiceOrder } from './service-order.ts';
import { JUPYTER_SERVICE } from './session-naming.ts';
import { checkServiceEnvironment } from './service-environment-validation.ts';
import { checkServiceExtras } from './service-extras-validation.ts';

/** Orchest's rule: the name becomes part of a Kubernetes name (`<name>-<session uuid>`), so at most 26 characters. */
export const SERVICE_NAME_PATTERN = /^[a-z][0-9a-z-]{0,25}$/;
export const SERVICE_BIND_SOURCES = ['/data', '/project-dir'] as const;

type At = (...segments: Array<string | number>) => string;
type Add = (path: string, message: string, fix: string) => void;

/**
 * Checks every service (Orchest's rules from `is_service_definition_valid`, plus unique `order`s)
 * and returns them with defaults filled in. Leniency: `exposed` missing = false (private),
 * `requires_authentication` missing = true, `order` missing = after the others in name order.
 * `ports` and `scope` are required: guessing them would change what is reachable and when it runs.
 */
export function validateServices(raw: Record<string, unknown>, problems: Problem[]): Record<string, ServiceDefinition> {
  const services: Record<string, ServiceDefinition> = {};
  const keysByOrder = new Map<number, string>();
  for (const [key, value] of Object.entries(raw)) {
    const at: At = (...segments) => jsonPath('services', key, ...segments);
    const add: Add = (path, message, fix) => problems.push({ path, message, fix });
    if (!isJsonObject(value)) {
      add(
        at(),
        `must be an object describing a service, not ${describeJsonType(value)}`,
        'write the service as {"name": …, "image": …, "ports": […], "scope": […]}',
      );
      continue;
    }
    checkService(key, value, at, add);
    const order = value.order;
    if (order !== undefined && order !== null) {
      if (!Number.isSafeInteger(order)) {
        add(at('order'), `must be a whole number, not ${JSON.stringify(order)}`, 'set it to the service\'s position in the list, e.g. 0');
      } else if (keysByOrder.has(order as number)) {
        add(at('order'), `${order} is also the order of service "${keysByOrder.get(order as number)}"`, 'give every service a different order');
      } else {
        keysByOrder.set(order as number, key);
      }
    }
    services[key] = {
      ...value,
      exposed: value.exposed ?? false,
      requires_authentication: value.requires_authentication ?? true,
    } as ServiceDefinition;
  }
  fillServiceOrder(services, { bumpDuplicates: false });
  return services;
}

function checkService(key: string, service: Record<string, unknown>, at: At, add: Add): void {
  const { name, image } = service;
  if (typeof name !== 'string') {
    add(
      at('name'),
      wrongType(name, 'a string'),
      `add "name": "${key}" (the same as the service's key)`,
    );
  } else {
    if (name !== key) {
      add(at('name'), `"${name}" differs from the service's key "${key}"`, 'make the key under "services" and the service\'s name the same');
    }
    if (!SERVICE_NAME_PATTERN.test(name)) {
      add(at('name'), `"${name}" is not a valid service name`, 'use 1–26 lowercase letters, digits and "-", starting with a letter, e.g. "my-db"');
    } else if (name === JUPYTER_SERVICE) {
      add(at('name'), `"${name}" is reserved: it is the session's Jupyter server`, 'give the service another name');
    }
  }
  if (typeof image !== 'string' || image.trim() === '') {
    add(
      at('image'),
      typeof image === 'string' ? 'is empty' : wrongType(image, 'a string'),
      'set it to a container image, e.g. "redis" or "postgres:16"',
    );
  }
  for (const field of ['command', 'args'] as const) {
    if (service[field] !== undefined && typeof service[field] !== 'string') {
      add(
        at(field),
        `must be a string, not ${describeJsonType(service[field])}`,
        field === 'args' ? 'write the arguments as one string, e.g. "-c \'echo hi\'"' : 'write the program to run as a string, e.g. "bash"',
      );
    }
  }
  if (service.entrypoint !== undefined) {
    add(
      at('entrypoint'),
      'is the pre-1.1.0 name of "command" and is not used in a version 1.2.3 file',
      'rename "command" to "args", then "entrypoint" to "command"',
    );
  }
  checkServiceEnvironment(service, at, add);
  checkBinds(service.binds, at, add);
  checkPorts(service.ports, at, add);
  for (const field of ['exposed', 'requires_authentication', 'preserve_base_path'] as const) {
    if (service[field] !== undefined && typeof service[field] !== 'boolean') {
      add(at(field), `must be true or false, not ${describeJsonType(service[field])}`, 'set it to true or false');
    }
  }
  checkScope(service.scope, at, add);
  checkServiceExtras(service, at, add);
}

function checkBinds(binds: unknown, at: At, add: Add): void {
  if (binds === undefined) return;
  if (!isJsonObject(binds)) {
    add(at('binds'), `must be an object, not ${describeJsonType(binds)}`, 'write {"/data": "<container path>", "/project-dir": "<container path>"}');
    return;
  }
  for (const [source, target] of Object.entries(binds)) {
    if (!(SERVICE_BIND_SOURCES as readonly string[]).includes(source)) {
      add(
        at('binds', source),
        `"${source}" cannot be mounted: only "/data" and "/project-dir" can`,
        'remove it, or mount "/data" or "/project-dir" instead',
      );
    } else if (typeof target !== 'string' || !target.startsWith('/')) {
      add(
        at('binds', source),
        `${JSON.stringify(target)} is not an absolute path in the container`,
        'set it to where the folder appears in the container, e.g. "/data"',
      );
    }
  }
}

function checkPorts(ports: unknown, at: At, add: Add): void {
  if (!Array.isArray(ports) || ports.length === 0) {
    add(
      at('ports'),
      Array.isArray(ports) ? 'is empty' : wrongType(ports, 'an array of port numbers'),
      'list the ports the service listens on, e.g. [8080]',
    );
    return;
  }
  const seen = new Set<number>();
  ports.forEach((port: unknown, i) => {
    if (!(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
      add(at('ports', i), `${JSON.stringify(port)} is not a port number`, 'use a whole number from 1 to 65535');
    } else if (seen.has(port as number)) {
      add(at('ports', i), `port ${port} is listed more than once`, 'keep one entry per port');
    } else {
      seen.add(port as number);
    }
  });
}

function checkScope(scope: unknown, at: At, add: Add): void {
  const fix = 'use ["interactive"], ["noninteractive"] or ["interactive", "noninteractive"] (sessions, job runs, or both)';
  if (!Array.isArray(scope) || scope.length === 0) {
    add(
      at('scope'),
      Array.isArray(scope) ? 'is empty, so the service would never start' : wrongType(scope, 'an array'),
      fix,
    );
    return;
  }
  const seen = new Set<unknown>();
  scope.forEach((entry: unknown, i) => {
    if (!(SERVICE_SCOPES as readonly unknown[]).includes(entry)) add(at('scope', i), `${JSON.stringify(entry)} is not a scope`, fix);
    else if (seen.has(entry)) add(at('scope', i), `"${entry}" is listed more than once`, fix);
    seen.add(entry);
  });
}

