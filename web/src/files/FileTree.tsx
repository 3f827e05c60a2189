import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { href } from '../use-hash-route.ts';
import { deleteFile, FILE_DRAG_TYPE, listFiles, moveFile, stepsUsing, writeFile, type FileEntry, type UpdatedStep } from './project-files.ts';

const name = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const depth = (path: string) => path.split('/').length - 1;

/**
 * The project's files beside the graph: create, rename, upload and delete them; drag a file onto
 * the canvas to make a step of it (or, from the keyboard, its "+" button); a pipeline file opens in the editor. Every path goes through the
 * project file API (which keeps it inside the project).
 */
export function FileTree({ project, current, onChanged, onMakeStep, onRenamed }: { project: string; current: string; onChanged?: () => void; onMakeStep?: (path: string) => void; onRenamed?: (updated: UpdatedStep[]) => void }) {
  const [files, setFiles] = useState<FileEntry[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [busy, setBusy] = useState('');
  const upload = useRef<HTMLInputElement>(null);
  const reload = useCallback(async () => {
    const r = await listFiles(project);
    if (typeof r === 'string') return setError(r);
    setFiles(r.files);
    setTruncated(r.truncated);
  }, [project]);
  useEffect(() => {
    void reload();
  }, [reload]);
  /** Runs a file operation, shows its error (or clears the last one) and lists the files again. */
  const act = async (what: string, op: () => Promise<string | null>): Promise<boolean> => {
    setBusy(what);
    const failed = await op();
    setBusy('');
    setError(failed ? `${what}: ${failed}` : '');
    await reload();
    if (!failed) onChanged?.();
    return !failed;
  };
  const exists = (path: string) => files?.some((f) => f.path === path) ?? false;

  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const path = String(new FormData(e.currentTarget).get('path') ?? '').trim();
    if (!path) return setError('New file: give a path, e.g. "steps/clean.py"');
    if (await act(`New file ${path}`, () => writeFile(project, path, new Blob([]), false))) setCreating(false);
  };
  const rename = async (e: FormEvent<HTMLFormElement>, from: string) => {
    e.preventDefault();
    const to = String(new FormData(e.currentTarget).get('to') ?? '').trim();
    if (!to || to === from) return setRenaming(null);
    let updated: UpdatedStep[] = [];
    const ok = await act(`Rename ${from}`, async () => {
      const r = await moveFile(project, from, to);
      if ('error' in r) return r.error;
      updated = r.updated;
      return null;
    });
    if (!ok) return;
    setRenaming(null);
    // The server rewrote the steps' file_path on disk: the open pipeline follows (its autosave then keeps it).
    if (updated.length > 0) onRenamed?.(updated);
  };
  const remove = async (f: FileEntry) => {
    const users = f.type === 'link' ? [] : await stepsUsing(project, f.path);
    if (typeof users === 'string') return setError(`Delete ${f.path}: ${users}`);
    const what = f.type === 'folder' ? `Delete the folder ${f.path} and everything in it?` : `Delete ${f.path}?`;
    const used = users.length === 0 ? '' : `\n\nUsed by ${users.length === 1 ? 'step' : `${users.length} steps`}: ${users.map((u) => `"${u.title}" (${u.pipeline})`).join(', ')}. ${users.length === 1 ? 'It' : 'They'} will not run until pointed at another file.`;
    if (!window.confirm(`${what}${used}`)) return;
    await act(`Delete ${f.path}`, () => deleteFile(project, f.path, f.type === 'folder', users.length > 0));
  };
  const uploadFiles = async (list: FileList | null) => {
    for (const file of Array.from(list ?? [])) {
      const replace = exists(file.name);
      if (replace && !window.confirm(`Replace ${file.name} with the uploaded file?`)) continue;
      if (!(await act(`Upload ${file.name}`, () => writeFile(project, file.name, file, replace)))) break;
    }
    if (upload.current) upload.current.value = '';
  };

  return (
    <nav className="file-tree" aria-label="Project files">
      <div className="file-tree-head">
        <h2>Files</h2>
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>New file</button>
        <button type="button" onClick={() => upload.current?.click()}>Upload</button>
        <input ref={upload} type="file" multiple hidden aria-label="Upload files" onChange={(e) => void uploadFiles(e.target.files)} />
      </div>
      {creating && (
        <form className="file-form" onSubmit={(e) => void create(e)}>
          <input name="path" aria-label="New file path" placeholder="steps/clean.py" autoFocus />
          <button type="submit">Create</button>
        </form>
      )}
      {error && <p role="alert" className="error small">{error}</p>}
      {busy && <p role="status" className="muted small">{busy}…</p>}
      {files && files.length === 0 && <p className="empty small">No files yet: create one, or upload files from your computer.</p>}
      {files && files.length > 0 && (
        <ul role="tree" aria-label="files" className="tree">
          {files.map((f) => (
            <li
              key={f.path}
              role="treeitem"
              aria-label={f.path}
              aria-level={depth(f.path) + 1}
              aria-selected={f.path === current}
              className={`tree-item ${f.type}`}
              style={{ paddingLeft: `${depth(f.path) * 0.9 + 0.25}rem` }}
              draggable={f.type === 'file'}
              onDragStart={(e) => {
                e.dataTransfer.setData(FILE_DRAG_TYPE, f.path);
                e.dataTransfer.setData('text/plain', f.path);
                e.dataTransfer.effectAllowed = 'copy';
              }}
              title={f.type === 'file' ? `${f.path} — drag onto the graph to make a step` : f.path}
            >
              {renaming === f.path ? (
                <form className="file-form" onSubmit={(e) => void rename(e, f.path)}>
                  <input name="to" aria-label={`New path for ${f.path}`} defaultValue={f.path} autoFocus onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)} />
                  <button type="submit">Rename</button>
                </form>
              ) : (
                <>
                  <span className="tree-name">
                    {f.type === 'folder' ? '▸ ' : ''}
                    {f.type === 'file' && f.path.endsWith('.orchest') ? <a href={href('projects', project, 'pipelines', ...f.path.split('/'))}>{name(f.path)}</a> : name(f.path)}
                    {f.type === 'link' ? ' ↪' : ''}
                  </span>
                  <span className="tree-actions">
                    {onMakeStep && f.type === 'file' && !f.path.endsWith('.orchest') && <button type="button" className="icon" aria-label={`Make a step of ${f.path}`} title="Make a step of this file" onClick={() => onMakeStep(f.path)}>＋</button>}
                    <button type="button" className="icon" aria-label={`Rename ${f.path}`} title="Rename" onClick={() => setRenaming(f.path)}>✎</button>
                    <button type="button" className="icon danger" aria-label={`Delete ${f.path}`} title="Delete" onClick={() => void remove(f)}>✕</button>
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {truncated && <p className="muted small">Only the first {files?.length} entries are shown.</p>}
    </nav>
  );
}
