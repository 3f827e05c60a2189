import { lazy, Suspense, useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { jupyterFileUrl, stepFilePath } from '../sessions/jupyter-link.ts';
import type { PipelineStep } from '../../../src/core/pipeline-types.ts';

/** CodeMirror is loaded when a script is first opened, not with the app. */
const ScriptEditor = lazy(() => import('./ScriptEditor.tsx').then((m) => ({ default: m.ScriptEditor })));

type Environment = Ok<'/api/projects/{project}/environments', 'get'>['environments'][number];

/**
 * Which environment and kernel a step uses; for a notebook "Open in Jupyter": the notebook in the
 * pipeline's session's Jupyter (the session is started first when it is not running); for a script
 * "Edit script": an editor pane (ScriptEditor).
 */
export function StepJupyter({ project, path, pipelineUuid, step }: { project: string; path: string; pipelineUuid: string; step: PipelineStep }) {
  const [envs, setEnvs] = useState<Environment[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    void api.GET('/api/projects/{project}/environments', { params: { path: { project } } }).then((r) => setEnvs(r.data?.environments ?? []));
  }, [project]);
  const env = envs?.find((e) => e.uuid === step.environment);
  const notebook = step.file_path.endsWith('.ipynb');
  const open = async () => {
    setBusy(true);
    setError('');
    setNote('');
    // Opened now (a click), navigated once the session answers: a window opened later would be a blocked popup.
    const tab = window.open('', '_blank');
    if (tab) tab.opener = null;
    const params = { path: { project, pipeline: path } };
    const listed = await api.GET('/api/projects/{project}/sessions', { params: { path: { project } } });
    let session = listed.data?.sessions.find((s) => s.pipeline_uuid === pipelineUuid && s.status === 'RUNNING');
    if (!session) {
      setNote('Starting the session…');
      const started = await api.POST('/api/projects/{project}/pipelines/{pipeline}/session', { params, body: {} });
      if (started.error) {
        tab?.close();
        setBusy(false);
        setNote('');
        return setError(`Session not started: ${errorText(started.error)}`);
      }
      session = started.data;
    }
    setNote('');
    setBusy(false);
    if (!session?.jupyter) {
      tab?.close();
      return setError('This session has no Jupyter server (see the session start output: Jupyter is not installed on the server, or sessions run on a container runtime).');
    }
    const url = jupyterFileUrl(session.jupyter, stepFilePath(path, step.file_path));
    if (tab) tab.location.href = url;
    else window.open(url, '_blank', 'noopener,noreferrer');
    if (session.jupyter.app !== 'jupyterlab') setNote('JupyterLab is not installed on the server: the notebook opens read-only (Jupyter Server renders it); install JupyterLab to edit it there.');
  };
  return (
    <div className="step-jupyter">
      <p data-testid="step-environment">
        Environment: <strong>{step.environment === '' ? 'none (the host interpreter)' : (env?.name ?? (envs ? `unknown (${step.environment})` : '…'))}</strong>
        {' · '}Kernel: <strong>{notebook && step.environment ? `${env?.name ?? step.environment} (orchest-kernel-${step.environment})` : step.kernel.display_name || step.kernel.name}</strong>
      </p>
      {notebook && <button type="button" onClick={() => void open()} disabled={busy}>Open in Jupyter</button>}
      {!notebook && step.file_path !== '' && !editing && <button type="button" onClick={() => setEditing(true)}>Edit script</button>}
      {editing && (
        <Suspense fallback={<p className="muted">Loading the editor…</p>}>
          <ScriptEditor project={project} path={stepFilePath(path, step.file_path)} onClose={() => setEditing(false)} />
        </Suspense>
      )}
      {note && <p className="muted" role="status">{note}</p>}
      {error && <p role="alert" className="error">{error}</p>}
    </div>
  );
}
