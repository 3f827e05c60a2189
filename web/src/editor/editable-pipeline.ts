import type { PipelineStep } from '../../../src/core/pipeline-types.ts';
import type { Pipeline } from './pipeline-graph.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/**
 * A pipeline document as read from a file, valid or not, in the shape the editor draws: every step
 * has a title, a file, a list of incoming connections (unknown ones kept, so they can be shown and
 * removed) and a position. Fields the editor does not draw are kept as they are.
 */
export function editablePipeline(doc: Record<string, unknown>): Pipeline {
  const steps: Record<string, PipelineStep> = {};
  for (const [key, raw] of Object.entries(isObject(doc.steps) ? doc.steps : {})) {
    const s = isObject(raw) ? raw : {};
    const meta = isObject(s.meta_data) ? s.meta_data : {};
    const position = Array.isArray(meta.position) && meta.position.length === 2 && meta.position.every((n) => typeof n === 'number') ? (meta.position as [number, number]) : undefined;
    steps[key] = {
      ...s,
      uuid: text(s.uuid, key),
      title: text(s.title),
      file_path: text(s.file_path),
      incoming_connections: Array.isArray(s.incoming_connections) ? s.incoming_connections.filter((c): c is string => typeof c === 'string') : [],
      environment: text(s.environment),
      parameters: isObject(s.parameters) ? s.parameters : {},
      kernel: isObject(s.kernel) ? (s.kernel as PipelineStep['kernel']) : { name: 'python', display_name: 'Python 3' },
      meta_data: { ...meta, hidden: meta.hidden === true, ...(position ? { position } : {}) },
    } as PipelineStep;
  }
  return {
    ...doc,
    name: text(doc.name),
    uuid: text(doc.uuid),
    version: text(doc.version, '1.2.3'),
    parameters: isObject(doc.parameters) ? doc.parameters : {},
    settings: isObject(doc.settings) ? doc.settings : {},
    steps,
  } as Pipeline;
}
