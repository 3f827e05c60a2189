import { api, errorText, type Ok } from '../api/client.ts';

export type FileEntry = Ok<'/api/projects/{project}/files', 'get'>['files'][number];

/**
 * A project path as one URL segment ("/" encoded too): the browser would resolve "." and ".."
 * segments (even percent-encoded ones) before sending, so the server could not refuse them.
 */
const urlPath = (path: string) => (path === '.' || path === '..' ? '%2E%2E%2F' : encodeURIComponent(path));
const fileUrl = (project: string, path: string, query = '') => `${window.location.origin}/api/projects/${encodeURIComponent(project)}/files/${urlPath(path)}${query}`;

/** The result of a file operation: nothing, or the server's message (with its fix). */
async function outcome(res: Response): Promise<string | null> {
  if (res.ok) return null;
  try {
    return errorText(await res.json());
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

/** The project's files (the file tree's list). */
export async function listFiles(project: string): Promise<{ files: FileEntry[]; truncated: boolean } | string> {
  const r = await api.GET('/api/projects/{project}/files', { params: { path: { project } } });
  return r.data ?? errorText(r.error);
}

/** Writes `body` to `path` (raw bytes); without `overwrite` an existing file is refused. */
export async function writeFile(project: string, path: string, body: Blob, overwrite: boolean): Promise<string | null> {
  return outcome(await fetch(fileUrl(project, path, `?overwrite=${overwrite ? 1 : 0}`), { method: 'PUT', credentials: 'same-origin', headers: { 'content-type': 'application/octet-stream' }, body }));
}

/** A step whose file_path a rename rewrote (the server did, in every pipeline of the project). */
export type UpdatedStep = Ok<'/api/projects/{project}/files/{*}', 'patch'>['updated_steps'][number];
/** A step that uses a file. */
export type StepUsingFile = Ok<'/api/projects/{project}/file-steps/{*}', 'get'>['steps'][number];

/** Renames a file or folder; the server rewrites the steps that use it and says which. */
export async function moveFile(project: string, from: string, to: string): Promise<{ error: string } | { updated: UpdatedStep[] }> {
  const res = await fetch(fileUrl(project, from), { method: 'PATCH', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
  const failed = await outcome(res);
  if (failed) return { error: failed };
  return { updated: ((await res.json()) as { updated_steps?: UpdatedStep[] }).updated_steps ?? [] };
}

/** The steps of the project's pipelines that use the file (or a file inside the folder). */
export async function stepsUsing(project: string, path: string): Promise<StepUsingFile[] | string> {
  const res = await fetch(`${window.location.origin}/api/projects/${encodeURIComponent(project)}/file-steps/${urlPath(path)}`, { credentials: 'same-origin' });
  const failed = await outcome(res);
  return failed ?? ((await res.json()) as { steps: StepUsingFile[] }).steps;
}

/** Deletes a file or folder; `force`: even though steps use it (the user confirmed). */
export async function deleteFile(project: string, path: string, recursive: boolean, force = false): Promise<string | null> {
  const query = [recursive ? 'recursive=1' : '', force ? 'force=1' : ''].filter(Boolean).join('&');
  return outcome(await fetch(fileUrl(project, path, query ? `?${query}` : ''), { method: 'DELETE', credentials: 'same-origin' }));
}

/** The drag-and-drop type of a project file dragged from the tree onto the canvas. */
export const FILE_DRAG_TYPE = 'application/x-berth-file';

/** A project file's text (UTF-8), or the server's message. */
export async function readFileText(project: string, path: string): Promise<{ text: string } | { error: string }> {
  const res = await fetch(fileUrl(project, path), { credentials: 'same-origin' });
  if (!res.ok) return { error: (await outcome(res)) ?? `${res.status}` };
  return { text: new TextDecoder().decode(await res.arrayBuffer()) };
}
