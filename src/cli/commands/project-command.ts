import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const projectHelp = `Usage: berth project list [--json]
       berth project rename PROJECT NEW_NAME [--json]
       berth project move PROJECT FOLDER [--json]
       berth project rm PROJECT [--force] [--json]
       berth project import GIT_URL [NAME] [--json]

Projects are names for folders (PROJECT: a name or uuid). rename changes the name; move points the
project at another folder (nothing is copied or moved). rm unregisters the project: its runs, jobs,
sessions, services, tokens and variables go from Berth's store (the events stay); the folder and its
files are never deleted. rm refuses while runs, sessions, jobs or services are active (exit 2, naming
them) unless --force, which cancels and stops them first. Project services run in a Berth server:
with services, use the server (BERTH_ENDPOINT). With BERTH_ENDPOINT set these go to the server.
import clones GIT_URL (ssh://, user@host:path, https://, file://) into BERTH_HOME/projects/NAME with
your stored SSH keys (\`berth git key add\`) and registers it as project NAME (default: the
repository's name); on a server it needs the admin token.`;

export async function projectCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('project', args, { force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(projectHelp), 0;
  const [verb, ref, arg, ...rest] = positionals;
  if (rest.length > 0) throw usageError('project', `unexpected argument "${rest[0]}"`, 'see berth project --help');
  if (verb === 'import' && ref !== undefined) {
    const project = await (await (await ctx.backend()).git()).importProject(ref, arg);
    if (values.json) return ctx.out(JSON.stringify(project)), 0;
    return ctx.out(`Imported ${ref} as project ${project.name} in ${project.path}.`), 0;
  }
  const projects = await (await ctx.backend()).projects();
  if (verb === 'list' && ref === undefined) {
    const list = await projects.list();
    if (values.json) return ctx.out(JSON.stringify({ projects: list })), 0;
    if (list.length === 0) return ctx.out('No projects.'), 0;
    ctx.out(table(['NAME', 'UUID', 'FOLDER'], list.map((p) => [p.name, p.uuid, p.path])));
    return 0;
  }
  if ((verb === 'rename' || verb === 'move') && ref !== undefined && arg !== undefined) {
    const project = await projects.update(ref, verb === 'rename' ? { name: arg } : { path: arg });
    if (values.json) return ctx.out(JSON.stringify(project)), 0;
    ctx.out(`Project ${project.uuid} is "${project.name}" at ${project.path}.`);
    return 0;
  }
  if (verb === 'rm' && ref !== undefined && arg === undefined) {
    const project = await projects.remove(ref, { force: values.force === true });
    if (values.json) return ctx.out(JSON.stringify(project)), 0;
    ctx.out(`Project "${project.name}" removed from Berth; its folder ${project.path} is untouched.`);
    return 0;
  }
  throw usageError('project', verb ? `unknown or incomplete subcommand "${verb}"` : 'expected a subcommand', 'berth project list|rename|move|rm (see berth project --help)');
}
