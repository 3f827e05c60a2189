import { envVarProblems } from '../core/env-var-check.ts';
import { isJsonObject } from '../core/json-object.ts';
import { jsonPath } from '../core/json-path.ts';
import { SERVICE_SCOPES, type ServiceDefinition } from '../core/pipeline-types.ts';
import { defaultServicePort } from '../core/default-service-port.ts';
import { validateServices } from '../core/service-validation.ts';
import { BerthError, type Problem } from '../errors.ts';
import { parseCodeSource } from './code-source.ts';

/** The image a service without one gets: a command run on the host (the process runtime). */
export const HOST_IMAGE = 'host';

/**
 * A project service definition from either request shape, checked with Orchest's service rules.
 * - ML Lab's: `?image=…&name=…` with the body as the environment (name defaults from the image).
 * - Berth/Orchest's: the body is a service definition (`name`, `image`, `command`, `args`, `ports`, …).
 * "Run code as a service": `code` instead of a command (see code-source.ts).
 * Defaults for project services: image "host" when a command or code is given, ports [8080] (ML Lab's
 * connection port; well-known images get theirs), scope both, exposed and authenticated.
 * Problems are reported with `body.…`/`query.…` paths.
 */
export function parseServiceDefinition(body: unknown, query: { image?: string; name?: string }): ServiceDefinition {
  const raw = query.image !== undefined ? mlLabForm(body, query.image, query.name) : body;
  if (!isJsonObject(raw)) {
    throw invalid([{ path: 'body', message: 'must be a JSON object (a service definition)', fix: 'send {"name": …, "command": …, "ports": […]}' }]);
  }
  const def: Record<string, unknown> = { ...raw };
  if (def.image === undefined && (typeof def.command === 'string' || typeof def.code === 'string')) def.image = HOST_IMAGE;
  def.ports ??= [defaultServicePort(def.image)];
  def.scope ??= [...SERVICE_SCOPES];
  def.exposed ??= true;
  const key = typeof def.name === 'string' ? def.name : '(name)';
  const problems: Problem[] = [];
  const hasCommand = typeof def.command === 'string' && def.command.trim() !== '';
  if (def.code !== undefined) {
    if (typeof def.code !== 'string' || def.code === '') problems.push({ path: jsonPath('services', key, 'code'), message: 'must be a path in the project or a git+ URL', fix: 'e.g. "code": "app/" or "git+https://host/repo.git@main"' });
    else if (hasCommand) problems.push({ path: jsonPath('services', key, 'code'), message: 'a service runs either a command or code, not both', fix: 'remove "command"/"args" or "code"' });
    else parseCodeSource(def.code, `${query.image !== undefined ? 'query' : 'body'}.code`);
  } else if (def.image === HOST_IMAGE && !hasCommand) {
    problems.push({ path: jsonPath('services', key, 'command'), message: 'a service on the host needs a command (or code)', fix: 'e.g. "command": "python3", "args": "-m http.server 8080", or "code": "app/"' });
  }
  const services = validateServices({ [key]: def }, problems);
  // Over the API (and the CLI) the names are the portable ones and no value holds a NUL: what any process environment can take.
  const reported = new Set(problems.map((p) => p.path));
  if (isJsonObject(def.env_variables)) problems.push(...envVarProblems(def.env_variables, 'services', key, 'env_variables').filter((p) => !reported.has(p.path)));
  if (problems.length > 0) {
    const prefix = query.image !== undefined ? 'query.' : 'body.';
    const at = jsonPath('services', key);
    throw invalid(problems.map((p) => ({ ...p, path: p.path.startsWith(at) ? `${prefix.slice(0, -1)}${p.path.slice(at.length)}` || prefix : p.path })));
  }
  return services[key]!;
}

function mlLabForm(body: unknown, image: string, name: string | undefined): Record<string, unknown> {
  const env = body === undefined || body === null ? {} : body;
  if (!isJsonObject(env) || Object.values(env).some((v) => typeof v !== 'string')) {
    throw invalid([{ path: 'body', message: "with ?image= the body is the service's environment: an object of strings", fix: 'send {"VAR": "value", …} or {}' }]);
  }
  return { name: name ?? nameFromImage(image), image, env_variables: env };
}

/** ML Lab's default name: the image without registry path and tag, lower-cased. */
export function nameFromImage(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last.split('@')[0]!.split(':')[0]!.toLowerCase().replace(/[^0-9a-z-]/g, '-').slice(0, 26);
}

function invalid(problems: Problem[]): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `invalid service: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
}
