import { readFileSync } from 'node:fs';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const gitHelp = `Usage: berth git identity set NAME EMAIL [--json]
       berth git identity show [--json]
       berth git key add NAME [FILE] [--json]
       berth git key list [--json]
       berth git key remove NAME_OR_ID

Your git identity and SSH private keys, as Orchest kept them: \`berth project import GIT_URL\` clones
with the keys, and environment shells (\`berth env shell\`, the web UI's terminal) get the identity
(GIT_AUTHOR_NAME/EMAIL, GIT_COMMITTER_NAME/EMAIL) and the keys through an ssh-agent socket
(SSH_AUTH_SOCK) — never as a file in the project. Keys are sealed in Berth's store and never shown
again: lists give names, types and SHA256 fingerprints. A key must be unencrypted (a deploy key);
\`key add\` reads FILE, or standard input without it. With BERTH_ENDPOINT set these are your token's own
on the server; in-process they are the local user's.

Options:
  --json   print JSON`;

export async function gitCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('git', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(gitHelp), 0;
  const [what, verb, a, b, ...rest] = positionals;
  if (rest.length > 0) throw usageError('git', `unexpected argument "${rest[0]}"`, 'see berth git --help');
  const git = await (await ctx.backend()).git();
  if (what === 'identity' && verb === 'set' && a !== undefined && b !== undefined) {
    const id = await git.setIdentity(a, b);
    if (values.json) return ctx.out(JSON.stringify(id)), 0;
    return ctx.out(`Git identity: ${id.name} <${id.email}>`), 0;
  }
  if (what === 'identity' && verb === 'show' && a === undefined) {
    const id = await git.identity();
    if (values.json) return ctx.out(JSON.stringify({ identity: id })), 0;
    return ctx.out(id ? `${id.name} <${id.email}>` : 'No git identity (berth git identity set NAME EMAIL).'), 0;
  }
  if (what === 'key' && verb === 'add' && a !== undefined && b === undefined) {
    const key = await git.addKey(a, readFileSync(0, 'utf8'));
    return report(ctx, values.json, key);
  }
  if (what === 'key' && verb === 'add' && a !== undefined && b !== undefined) {
    let text: string;
    try {
      text = readFileSync(b, 'utf8');
    } catch (e) {
      throw usageError('git key add', `cannot read ${b} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'give the path of a private key file, e.g. ~/.ssh/id_ed25519');
    }
    return report(ctx, values.json, await git.addKey(a, text));
  }
  if (what === 'key' && verb === 'list' && a === undefined) {
    const keys = await git.keys();
    if (values.json) return ctx.out(JSON.stringify({ keys })), 0;
    if (keys.length === 0) return ctx.out('No git keys.'), 0;
    ctx.out(table(['NAME', 'TYPE', 'FINGERPRINT', 'ADDED'], keys.map((k) => [k.name, k.type, k.fingerprint, k.created_at.replace('T', ' ').slice(0, 19)])));
    return 0;
  }
  if (what === 'key' && (verb === 'remove' || verb === 'rm') && a !== undefined && b === undefined) {
    await git.removeKey(a);
    return ctx.out(`Removed git key ${a}.`), 0;
  }
  throw usageError('git', what ? `unknown or incomplete subcommand "${[what, verb].filter(Boolean).join(' ')}"` : 'expected a subcommand', 'berth git identity set|show, berth git key add|list|remove (see berth git --help)');
}

function report(ctx: CliContext, json: boolean | undefined, key: { name: string; type: string; fingerprint: string }): number {
  if (json) return ctx.out(JSON.stringify(key)), 0;
  ctx.out(`Added git key ${key.name} (${key.type} ${key.fingerprint}).`);
  return 0;
}
