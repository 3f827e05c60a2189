import { useEffect, useState } from 'react';
import { api, errorText, type Ok } from '../api/client.ts';
import { LogPanel } from '../runs/LogPanel.tsx';
import { serviceOpenUrl } from '../services/service-link.ts';

type Service = Ok<'/api/projects/{project}/services', 'get'>['services'][number];

/** The project's services: status, links that open them on their own origins (new tab, noopener), logs. */
export function ServicesList({ project }: { project: string }) {
  const [services, setServices] = useState<Service[] | null>(null);
  const [error, setError] = useState('');
  const [logsOf, setLogsOf] = useState<string | null>(null);
  useEffect(() => {
    void api.GET('/api/projects/{project}/services', { params: { path: { project } } }).then((r) => (r.data ? setServices(r.data.services) : setError(errorText(r.error))));
  }, [project]);
  if (error) return <p role="alert" className="error">{error}</p>;
  if (!services) return <p className="loading">Loading…</p>;
  return (
    <>
      {services.length === 0 ? <p>No services. Deploy one with <code>berth service deploy</code>.</p> : (
        <table>
          <thead><tr><th scope="col">Service</th><th scope="col">Status</th><th scope="col">Open</th><th scope="col">Logs</th></tr></thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td><span className={`status status-${s.status.toLowerCase()}`}>{s.status}</span></td>
                <td>{Object.keys(s.urls).map((port) => (
                  <a key={port} href={serviceOpenUrl(project, s.name, port)} target="_blank" rel="noopener noreferrer" className="service-link">{s.name} :{port}</a>
                ))}</td>
                <td><button type="button" onClick={() => setLogsOf(s.name)}>Logs of {s.name}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logsOf && (
        <LogPanel key={logsOf} title={`Service ${logsOf}`} url={`/api/projects/${encodeURIComponent(project)}/services/${encodeURIComponent(logsOf)}/logs?follow=1`} onClose={() => setLogsOf(null)} />
      )}
    </>
  );
}
