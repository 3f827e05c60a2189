import { useCallback, useEffect, useState } from 'react';
import { api, errorText, type Schemas } from '../api/client.ts';
import { usePolling } from '../use-polling.ts';
import { WebhookForm } from './WebhookForm.tsx';

type Webhook = Schemas['Webhook'];
type Delivery = Schemas['Delivery'];
const POLL_MS = 1500;
const when = (t: string | null) => (t ? new Date(t).toLocaleString() : '');

/** Webhooks (admin): add, list, ping (the answer shown at once), remove, and each one's deliveries and failures. */
export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState('');
  const [pinged, setPinged] = useState<Record<string, string>>({});
  const [open, setOpen] = useState<string | null>(null);
  const load = useCallback(async () => {
    const r = await api.GET('/api/webhooks');
    if (r.data) setHooks(r.data.webhooks);
    else setError(errorText(r.error));
  }, []);
  useEffect(() => void load(), [load]);
  const ping = async (h: Webhook) => {
    const r = await api.POST('/api/webhooks/{webhook}/ping', { params: { path: { webhook: h.uuid } } });
    const text = !r.data ? `failed: ${errorText(r.error)}` : r.data.ok ? `answered ${r.data.status}` : `failed: ${r.data.error ?? `HTTP ${r.data.status}`}`;
    setPinged((p) => ({ ...p, [h.uuid]: text }));
  };
  const remove = async (h: Webhook) => {
    if (!window.confirm(`Remove webhook ${h.name}?`)) return;
    const r = await api.DELETE('/api/webhooks/{webhook}', { params: { path: { webhook: h.uuid } } });
    setError(r.error ? `remove ${h.name}: ${errorText(r.error)}` : '');
    if (open === h.uuid) setOpen(null);
    await load();
  };
  return (
    <section className="page">
      <h1>Webhooks</h1>
      <WebhookForm onAdded={() => void load()} />
      {error && <p role="alert" className="error">{error}</p>}
      {hooks && (hooks.length === 0 ? <p>No webhooks.</p> : (
        <table aria-label="webhooks">
          <thead><tr><th scope="col">Webhook</th><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Ping</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {hooks.map((h) => (
              <tr key={h.uuid} aria-selected={open === h.uuid}>
                <td>{h.name}</td>
                <td><code>{h.url}</code></td>
                <td>{h.subscriptions.map((s) => s.event_type).join(', ')}</td>
                <td data-testid="ping-result">{pinged[h.uuid] ?? ''}</td>
                <td className="session-actions">
                  <button type="button" onClick={() => void ping(h)}>Ping {h.name}</button>
                  <button type="button" onClick={() => setOpen(h.uuid)}>Deliveries of {h.name}</button>
                  <button type="button" onClick={() => void remove(h)}>Remove {h.name}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {open && <Deliveries key={open} webhook={open} />}
    </section>
  );
}

function Deliveries({ webhook }: { webhook: string }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    const r = await api.GET('/api/webhooks/{webhook}/deliveries', { params: { path: { webhook } } });
    if (r.data) setDeliveries(r.data.deliveries);
    else setError(errorText(r.error));
  }, [webhook]);
  // Polled while shown: deliveries are attempted (and retried) in the background.
  usePolling(load, POLL_MS);
  const redeliver = async (d: Delivery) => {
    const r = await api.POST('/api/deliveries/{delivery}/redeliver', { params: { path: { delivery: d.uuid } } });
    setError(r.error ? errorText(r.error) : '');
    await load();
  };
  return (
    <section className="run-detail" aria-label="deliveries">
      <h2>Deliveries</h2>
      {error && <p role="alert" className="error">{error}</p>}
      {deliveries && (deliveries.length === 0 ? <p>No deliveries yet.</p> : (
        <table>
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Created</th><th scope="col">Delivered</th><th scope="col"></th></tr></thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.uuid}>
                <td>{d.event_type}</td>
                <td><span className={`status status-${d.status === 'DELIVERED' ? 'success' : d.status === 'DEAD' ? 'failure' : 'pending'}`}>{d.status}</span></td>
                <td>{d.attempts}</td>
                <td>{d.last_error ?? (d.last_status_code ? `HTTP ${d.last_status_code}` : '')}</td>
                <td>{when(d.created_at)}</td>
                <td>{when(d.delivered_at)}</td>
                <td>{(d.status === 'DEAD' || d.status === 'RESCHEDULED') && <button type="button" onClick={() => void redeliver(d)}>Redeliver</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}
