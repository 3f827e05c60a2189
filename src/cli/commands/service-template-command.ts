import { readFileSync, writeFileSync } from 'node:fs';
import { findServiceTemplate, SERVICE_TEMPLATES } from '../../core/service-templates.ts';
import { loadPipeline } from '../../projects/pipeline-loader.ts';
import { BerthError } from '../../errors.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { usageError } from '../parse-flags.ts';

/**
 * `berth service template list [--json]` and `berth service template add TEMPLATE PIPELINE_FILE [--name N]`:
 * adds a built-in definition to the file's "services" (after the others in `order`); the file is
 * checked after the edit and left unchanged when the result would be invalid (e.g. the name is taken).
 */
export async function serviceTemplateCommand(ctx: CliContext, positionals: string[], values: { json?: boolean; name?: string }): Promise<number> {
  const [verb, template, file] = positionals;
  if (verb === 'list') {
    if (values.json) return ctx.out(JSON.stringify({ templates: SERVICE_TEMPLATES })), 0;
    ctx.out(table(['TEMPLATE', 'IMAGE', 'PORTS', 'DESCRIPTION'], SERVICE_TEMPLATES.map((t) => [t.name, t.definition.image, t.definition.ports.join(','), t.description])));
    return 0;
  }
  if (verb !== 'add' || template === undefined || file === undefined) {
    throw usageError('service template', 'expected list, or add TEMPLATE PIPELINE_FILE', 'e.g. berth service template add postgres pipeline.orchest');
  }
  const found = findServiceTemplate(template);
  if (!found) throw usageError('service template', `no template "${template}"`, `use one of: ${SERVICE_TEMPLATES.map((t) => t.name).join(', ')}`);
  const original = readFileSync(loadPipeline(file).file, 'utf8');
  const raw = JSON.parse(original) as { services?: Record<string, Record<string, unknown>> };
  const name = values.name ?? found.definition.name;
  const services = (raw.services ??= {});
  if (services[name]) {
    throw new BerthError('BERTH_E_CONFLICT', `${file} already has a service "${name}"`, { problems: [{ path: `services.${name}`, message: 'taken', fix: 'add it under another name: --name NAME' }] });
  }
  const order = Math.max(-1, ...Object.values(services).map((s) => (typeof s.order === 'number' ? s.order : -1))) + 1;
  services[name] = { ...structuredClone(found.definition), name, order };
  writeFileSync(file, `${JSON.stringify(raw, null, 4)}\n`);
  try {
    loadPipeline(file);
  } catch (e) {
    writeFileSync(file, original);
    throw e;
  }
  if (values.json) return ctx.out(JSON.stringify(services[name])), 0;
  ctx.out(`Added service "${name}" (${found.definition.image}) to ${file}; start it with: berth session start ${file}`);
  return 0;
}
