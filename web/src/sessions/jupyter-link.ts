import type { Ok } from '../api/client.ts';

export type SessionJupyter = NonNullable<Ok<'/api/projects/{project}/pipelines/{pipeline}/session', 'get'>['jupyter']>;

/** A project-relative path as URL path segments (each encoded, the slashes kept). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The project-relative path of a step's file: relative to the pipeline file's folder, as the engine
 * reads it ("." and ".." resolved; never above the project).
 */
export function stepFilePath(pipelinePath: string, filePath: string): string {
  const out: string[] = pipelinePath.split('/').slice(0, -1);
  for (const part of filePath.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

/**
 * Where the browser opens the session's Jupyter (a path route on Berth's server: a navigation there is
 * handed off to the service's own origin with a one-time ticket). JupyterLab: the lab.
 */
export function jupyterHomeUrl(jupyter: SessionJupyter): string {
  return jupyter.app === 'jupyterlab' ? `${jupyter.url}lab` : jupyter.url;
}

/**
 * A notebook in the session's Jupyter: JupyterLab's `lab/tree/<file>`; with Jupyter Server alone (no
 * notebook UI installed) its read-only rendering, `nbconvert/html/<file>`.
 */
export function jupyterFileUrl(jupyter: SessionJupyter, file: string): string {
  return jupyter.app === 'jupyterlab' ? `${jupyter.url}lab/tree/${encodePath(file)}` : `${jupyter.url}nbconvert/html/${encodePath(file)}?download=false`;
}
