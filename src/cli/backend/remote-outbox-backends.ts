import type { EventFilter, EventPage, StoredEvent } from '../../events/event-feed.ts';
import type { DeliveryView, WebhookView } from '../../events/webhook-service.ts';
import { type HttpClient, sseData } from './http-client.ts';
import type { EventBackend, WebhookBackend } from './outbox-backends.ts';

/** `berth webhook` against a server (its webhook routes need an admin token). */
export function remoteWebhooks(http: HttpClient): WebhookBackend {
  const at = (ref: string) => `/api/webhooks/${encodeURIComponent(ref)}`;
  return {
    add: (input) => http.json('POST', '/api/webhooks', input),
    update: async (ref, patch) => (await http.json<{ webhook: WebhookView }>('PUT', at(ref), patch)).webhook,
    list: async () => (await http.json<{ webhooks: WebhookView[] }>('GET', '/api/webhooks')).webhooks,
    remove: async (ref) => (await http.json<{ webhook: WebhookView }>('DELETE', at(ref))).webhook,
    ping: (ref) => http.json('POST', `${at(ref)}/ping`),
    deliveries: async (opts) => {
      const q = query({ status: opts.status, limit: opts.limit });
      return (await http.json<{ deliveries: DeliveryView[] }>('GET', opts.webhook ? `${at(opts.webhook)}/deliveries${q}` : `/api/deliveries${q}`)).deliveries;
    },
    redeliver: async (ref) => (await http.json<{ delivery: DeliveryView }>('POST', `/api/deliveries/${encodeURIComponent(ref)}/redeliver`)).delivery,
  };
}

/** `berth events` against a server: pages from GET /api/events, following over its SSE stream. */
export function remoteEvents(http: HttpClient): EventBackend {
  return {
    list: (filter) => http.json<EventPage>('GET', `/api/events${query({ type: filter.type, project: filter.projectUuid, limit: filter.limit, before: filter.before })}`),
    follow: async function* (filter: EventFilter, signal: AbortSignal): AsyncGenerator<StoredEvent> {
      const res = await http.raw('GET', `/api/events/stream${query({ type: filter.type, project: filter.projectUuid })}`, undefined, {}, signal);
      try {
        for await (const { event, data } of sseData(res)) if (event === 'event') yield data as StoredEvent;
      } catch (e) {
        if (!signal.aborted) throw e;
      }
    },
  };
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
  return q.size ? `?${q}` : '';
}
