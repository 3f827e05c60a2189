import { useState } from 'react';
import { api, errorText } from '../api/client.ts';
import type { paths } from '../api/schema';

type CreateBody = paths['/api/webhooks']['post']['requestBody']['content']['application/json'];
type EventType = CreateBody['subscriptions'][number]['event_type'];
/** The subscriptions offered in the form (the API takes any of its event types; `*` is every event). */
const EVENT_CHOICES: ReadonlyArray<{ label: string; type: EventType }> = [
  { label: 'Every event', type: '*' },
  { label: 'Pipeline runs failed', type: 'project:pipeline:interactive-session:pipeline-run:failed' },
  { label: 'Cron job runs failed', type: 'project:cron-job:run:failed' },
  { label: 'One-off jobs failed', type: 'project:one-off-job:failed' },
  { label: 'Projects created', type: 'project:created' },
];

/** Add a webhook (admin): name, URL, format and one subscription; a generated secret is shown once. */
export function WebhookForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [format, setFormat] = useState<NonNullable<CreateBody['format']>>('auto');
  const [event, setEvent] = useState<EventType>('*');
  const [error, setError] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const submit = async () => {
    const r = await api.POST('/api/webhooks', { body: { name: name.trim(), url: url.trim(), format, subscriptions: [{ event_type: event }] } });
    if (!r.data) return setError(`Webhook not added: ${errorText(r.error)}`);
    setError('');
    setSecret(r.data.generated_secret);
    setName('');
    setUrl('');
    onAdded();
  };
  return (
    <form className="job-form" aria-label="new webhook" onSubmit={(e) => (e.preventDefault(), void submit())}>
      <h2>Add a webhook</h2>
      <label>Webhook name <input value={name} onChange={(e) => setName(e.target.value)} required /></label>
      <label>URL <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/berth" required /></label>
      <label>Format <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
        {(['auto', 'generic', 'slack', 'teams', 'discord'] as const).map((f) => <option key={f} value={f}>{f}</option>)}
      </select></label>
      <label>Events <select value={event} onChange={(e) => setEvent(e.target.value as EventType)}>
        {EVENT_CHOICES.map((c) => <option key={c.type} value={c.type}>{c.label}</option>)}
      </select></label>
      <div><button type="submit">Add webhook</button></div>
      {error && <p role="alert" className="error">{error}</p>}
      {secret && <p className="notice" data-testid="generated-secret">Signing secret (shown once; copy it now): <code>{secret}</code></p>}
    </form>
  );
}
