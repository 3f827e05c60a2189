import { useState } from 'react';
import { splitShellWords } from '../../../src/core/shell-words.ts';
import { api, errorText } from '../api/client.ts';

const RUNTIMES = ['process', 'docker'] as const;

/** Start a named instance: name, runtime, image ("host" on the process runtime), command line, ports. */
export function InstanceForm({ onStarted }: { onStarted: () => void }) {
  const [name, setName] = useState('');
  const [runtime, setRuntime] = useState<(typeof RUNTIMES)[number]>('process');
  const [image, setImage] = useState('host');
  const [command, setCommand] = useState('');
  const [ports, setPorts] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const words = splitShellWords(command);
    if (!words.ok) return setError(`Command: ${words.reason}`);
    const portList = ports.split(/[\s,]+/).filter(Boolean).map(Number);
    if (portList.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) return setError('Ports: whole numbers 1-65535, separated by commas');
    setBusy(true);
    const r = await api.POST('/api/instances', { body: { name: name.trim(), runtime, image: image.trim() || 'host', args: words.words, ports: portList } });
    setBusy(false);
    if (r.error) return setError(`Instance not started: ${errorText(r.error)}`);
    setError('');
    setName('');
    onStarted();
  };
  return (
    <form className="job-form" aria-label="new instance" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h2>Start an instance</h2>
      <label>Instance name <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[a-zA-Z0-9._\-]+" /></label>
      <label>Runtime
        <select value={runtime} onChange={(e) => { const r = e.target.value as typeof runtime; setRuntime(r); setImage(r === 'process' ? 'host' : ''); }}>
          {RUNTIMES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
      </label>
      <label>Image <input value={image} onChange={(e) => setImage(e.target.value)} placeholder={runtime === 'process' ? 'host' : 'python:3.12'} /></label>
      <label>Command <input value={command} onChange={(e) => setCommand(e.target.value)} placeholder="python3 -m http.server 8000" /></label>
      <label>Ports <input value={ports} onChange={(e) => setPorts(e.target.value)} placeholder="8000" inputMode="numeric" /></label>
      <div className="session-actions"><button type="submit" disabled={busy}>{busy ? 'Starting…' : 'Start instance'}</button></div>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
