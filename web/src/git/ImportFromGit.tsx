import { useRef, useState, type FormEvent } from 'react';
import { api, errorText } from '../api/client.ts';

/**
 * "Import from git" (admin): a dialog that clones a repository into a new project with the signed-in
 * token's stored SSH keys (POST /api/projects/import). `onImported` gets the new project's name.
 */
export function ImportFromGit({ onImported }: { onImported: (name: string) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // The form exists only while the dialog is open (its fields are not the page's otherwise).
  const [open, setOpen] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const res = await api.POST('/api/projects/import', { body: { url: url.trim(), name: name.trim() || null } });
    setBusy(false);
    if (res.error) return setError(errorText(res.error));
    setError('');
    setUrl('');
    setName('');
    dialog.current?.close();
    onImported(res.data.name);
  };
  return (
    <>
      <button type="button" onClick={() => (setOpen(true), dialog.current?.showModal())}>Import from git</button>
      <dialog ref={dialog} className="dialog" aria-labelledby="import-git-title" onClose={() => setOpen(false)}>
        <div className="dialog-head">
          <h2 id="import-git-title">Import from git</h2>
          <button type="button" onClick={() => dialog.current?.close()} aria-label="Close the import dialog">Close</button>
        </div>
        {open && <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <label>Repository URL <input name="url" required placeholder="git@github.com:owner/repo.git" value={url} onChange={(e) => setUrl(e.target.value)} /></label>
          <label>Project name (optional) <input name="name" placeholder="the repository's name" value={name} onChange={(e) => setName(e.target.value)} /></label>
          <p className="muted">Cloned with your SSH keys (Settings → Git) into the server's projects folder.</p>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Importing…' : 'Import'}</button>
          {error && <p role="alert" className="error">{error}</p>}
        </form>}
      </dialog>
    </>
  );
}
