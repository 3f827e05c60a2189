import { readFileSync } from 'node:fs';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';
import type { GitBackend } from '../backend/git-backend.ts';
import { parseKeyscan } from '../../projects/git-known-hosts.ts';

export const gitHelp = `Usage: berth git identity set NAME EMAIL [--json]
       berth git identity show [--json]
       berth git key add NAME [FILE] [--json]
       berth git key list [--json]
       berth git key remove NAME_OR_ID
       berth git known-hosts list [--json]
       berth git known-hosts add HOST KEY… | berth git known-hosts add [HOST] < ssh-keyscan-output
       berth git known-hosts remove HOST

Your git identity and SSH private keys, as Orchest kept them: \`berth project import GIT_URL\` clones
with the keys, and environment shells (\`berth env shell\`, the web UI's terminal) and the Jupyter
server of the sessions you start get the identity (GIT_AUTHOR_NAME/EMAIL, GIT_COMMITTER_NAME/EMAIL),
your known hosts and the keys through an ssh-agent socket (SSH_AUTH_SOCK) — never as a file in the
project. Keys are sealed in Berth's store and never shown
again: lists give names, types and SHA256 fingerprints. A key must be unencrypted (a deploy key);
\`key add\` reads FILE, or standard input without it. With BERTH_ENDPOINT set these are your token's own
on the server; in-process they are the local user's.

Known hosts: the first import from an SSH host remembers its host key (as ssh's accept-new, but
kept); a later import whose server shows another key is refused until you \`known-hosts remove\` it.
HOST is a name, NAME:PORT or [NAME]:PORT; KEY is "TYPE BASE64" (a line of ssh-keyscan without its
host). Without KEY, \`add\` reads ssh-keyscan output from standard input (e.g.
\`ssh-keyscan -p 2222 git.example.com | berth git known-hosts add\`).

Options:
  --json   print JSON`;

export async function gitCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('git', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(gitHelp), 0;
  const [what, verb, a, b, ...rest] = positionals;
  if (what === 'known-hosts') return knownHostsCommand(ctx, await (await ctx.backend()).git(), values.json === true, positionals.slice(1));
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
  throw usageError('git', what ? `unknown or incomplete subcommand "${[what, verb].filter(Boolean).join(' ')}"` : 'expected a subcommand', 'berth git identity set|show, berth git key add|list|remove, berth git known-hosts list|add|remove (see berth git --help)');
}

function report(ctx: CliContext, json: boolean | undefined, key: { name: string; type: string; fingerprint: string }): number {
  if (json) return ctx.out(JSON.stringify(key)), 0;
  ctx.out(`Added git key ${key.name} (${key.type} ${key.fingerprint}).`);
  return 0;
}

async function knownHostsCommand(ctx: CliContext, git: GitBackend, json: boolean, args: string[]): Promise<number> {
  const [verb, host, ...key] = args;
  if (verb === 'list' && host === undefined) {
    const hosts = await git.knownHosts();
    if (json) return ctx.out(JSON.stringify({ known_hosts: hosts })), 0;
    if (hosts.length === 0) return ctx.out('No known hosts.'), 0;
    ctx.out(table(['HOST', 'TYPE', 'FINGERPRINT', 'ADDED'], hosts.map((h) => [h.host, h.type, h.fingerprint, h.created_at.replace('T', ' ').slice(0, 19)])));
    return 0;
  }
  if (verb === 'add') {
    const lines = key.length > 0 ? [{ host: host!, key: key.join(' ') }] : parseKeyscan(readFileSync(0, 'utf8')).map((l) => ({ host: host ?? l.host, key: l.key }));
    const added = [];
    for (const l of lines) added.push(await git.addKnownHost(l.host, l.key));
    if (json) return ctx.out(JSON.stringify({ known_hosts: added })), 0;
    for (const h of added) ctx.out(`Trusting ${h.host} ${h.type} ${h.fingerprint}.`);
    return 0;
  }
  if ((verb === 'remove' || verb === 'rm') && host !== undefined && key.length === 0) {
    await git.removeKnownHost(host);
    return ctx.out(`Forgot the host keys of ${host}.`), 0;
  }
  throw usageError('git known-hosts', `unknown or incomplete subcommand "${['known-hosts', verb].filter(Boolean).join(' ')}"`, 'berth git known-hosts list | add HOST KEY | remove HOST (see berth git --help)');
}
