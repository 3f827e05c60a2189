import type { CliContext } from '../cli-context.ts';
import type { BerthBackend } from '../backend/berth-backend.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const tokenHelp = `Usage: berth token create NAME --project PROJECT [--json]
       berth token list [--json]
       berth token revoke ID [--json]

Project tokens for the API and the service proxy: limited to one project (name or uuid).
The secret is printed once by create; Berth stores only its hash. With BERTH_ENDPOINT set these go
to the server (an admin token in BERTH_TOKEN), otherwise to the local store.`;

export async function tokenCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('token', args, { project: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(tokenHelp), 0;
  const [verb, arg, ...rest] = positionals;
  if (rest.length > 0) throw usageError('token', `unexpected argument "${rest[0]}"`, 'see berth token --help');
  const backend = await ctx.backend();
  if (verb === 'create') {
    if (!arg || !values.project) throw usageError('token create', 'expected NAME and --project', 'berth token create ci --project my-project');
    const { secret, token } = await backend.createToken(arg, values.project);
    if (values.json) return ctx.out(JSON.stringify({ token: secret, info: token })), 0;
    ctx.out(secret);
    const names = await projectNames(backend);
    ctx.err(`Created token ${token.id} "${token.name}" for project "${names.get(token.project_uuid ?? '') ?? token.project_uuid}". The secret above is shown only now.`);
    return 0;
  }
  if (verb === 'list' && arg === undefined) {
    const tokens = await backend.listTokens();
    if (values.json) return ctx.out(JSON.stringify({ tokens })), 0;
    if (tokens.length === 0) return ctx.out('No tokens.'), 0;
    const names = await projectNames(backend);
    const project = (uuid: string | null) => (uuid === null ? '-' : (names.get(uuid) ?? `${uuid} (removed)`));
    ctx.out(table(['ID', 'NAME', 'SCOPE', 'PROJECT', 'SERVICE', 'CREATED'], tokens.map((t) => [t.id, t.name, t.scope, project(t.project_uuid), t.service ?? '-', t.created_at.replace('T', ' ').slice(0, 19)])));
    return 0;
  }
  if (verb === 'revoke' && arg) {
    const token = await backend.revokeToken(arg);
    if (values.json) return ctx.out(JSON.stringify(token)), 0;
    ctx.out(`Token ${token.id} "${token.name}" revoked.`);
    return 0;
  }
  throw usageError('token', verb ? `unknown or incomplete subcommand "${verb}"` : 'expected a subcommand', 'berth token create|list|revoke (see berth token --help)');
}

/** Project names by uuid, for showing tokens (their rows hold the uuid). */
async function projectNames(backend: BerthBackend): Promise<Map<string, string>> {
  const projects = await (await backend.projects()).list();
  return new Map(projects.map((p) => [p.uuid, p.name]));
}
