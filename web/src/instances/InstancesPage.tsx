import { useCallback, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { usePolling } from '../use-polling.ts';
import { InstanceForm } from './InstanceForm.tsx';

type Instance = Ok<'/api/instances', 'get'>['instances'][number];
const POLL_MS = 2000;

/** Named background instances (admin): list with status and health, start, stop, logs streamed in a panel. */
export function InstancesPage() {
  const [instances, setInstances] = useState<Instance[] | null>(null);
  const [error, setError] = useState('');
  const [stopping, setStopping] = useState<string | null>(null);
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await api.GET('/api/instances');
    if (r.data) setInstances(r.data.instances);
    else setError(errorText(r.error));
  }, []);
  usePolling(load, POLL_MS);
  const stop = async (name: string) => {
    setStopping(name);
    const r = await api.POST('/api/instances/{instance}/stop', { params: { path: { instance: name } }, body: {} });
    setStopping(null);
    setError(r.error ? `stop ${name}: ${errorText(r.error)}` : '');
    await load();
  };
  return (
    <section className="page">
      <h1>Instances</h1>
      <InstanceForm onStarted={() => void load()} />
      {error && <p role="alert" className="error">{error}</p>}
      {instances && (instances.length === 0 ? <p>No running instances.</p> : (
        <table aria-label="instances">
          <thead><tr><th scope="col">Instance</th><th scope="col">Status</th><th scope="col">Health</th><th scope="col">Runtime</th><th scope="col">Image</th><th scope="col">Command</th><th scope="col">PID</th><th scope="col">Restarts</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {instances.map((i) => (
              <tr key={`${i.owner}/${i.instance}`}>
                <td>{i.instance}</td>
                <td><span className={`status status-${i.status.toLowerCase()}`} data-testid="instance-status">{i.status}</span></td>
                <td>{i.health}</td>
                <td>{i.runtime}</td>
                <td><code>{i.img}</code></td>
                <td><code>{i.command.join(' ')}</code></td>
                <td>{i.pid}</td>
                <td>{i.restarts}</td>
                <td className="session-actions">
                  <button type="button" onClick={() => setLogsOf(i.instance)}>Logs of {i.instance}</button>
                  <button type="button" className="danger" onClick={() => void stop(i.instance)} disabled={stopping === i.instance}>Stop {i.instance}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {logsOf && <LogPanel key={logsOf} title={`Instance ${logsOf}`} url={`/api/instances/${encodeURIComponent(logsOf)}/logs?follow=1`} onClose={() => setLogsOf(null)} />}
    </section>
  );
}
