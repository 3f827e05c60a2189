import { createHmac } from 'node:crypto';

export const WEBHOOK_FORMATS = ['generic', 'slack', 'teams', 'discord'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

/** The chat format a URL implies (Slack, Teams and Discord incoming webhooks), else generic. */
export function formatForUrl(url: string): WebhookFormat {
  const host = new URL(url).hostname;
  if (host === 'hooks.slack.com') return 'slack';
  if (host.endsWith('.webhook.office.com') || host === 'outlook.office.com') return 'teams';
  if ((host === 'discord.com' || host === 'discordapp.com') && new URL(url).pathname.startsWith('/api/webhooks')) return 'discord';
  return 'generic';
}

/** `sha256=<hex HMAC-SHA256 of the raw body>` (GitHub's X-Hub-Signature-256 form). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Builds one delivery's HTTP request from its stored payload `{delivered_for, event}`: the body
 * in the subscriber's content type and chat format, and Berth's headers. Pure: same input, same bytes.
 */
export function webhookRequest(opts: {
  deliveryUuid: string;
  eventType: string;
  payloadJson: string;
  contentType: string;
  format: string;
  secret: string | null;
}): WebhookRequest {
  const payload = JSON.parse(opts.payloadJson) as Record<string, unknown>;
  const pretty = JSON.stringify(payload.event ?? payload, null, 2);
  if (opts.format === 'slack' || opts.format === 'teams') payload.text = pretty;
  if (opts.format === 'discord') payload.content = pretty.length > 2000 ? `${pretty.slice(0, 1997)}...` : pretty;
  let body: string;
  if (opts.contentType === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(payload)) form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    body = form.toString();
  } else {
    body = JSON.stringify(payload);
  }
  const headers: Record<string, string> = {
    'content-type': opts.contentType,
    'user-agent': 'Berth',
    'x-berth-event': opts.eventType,
    'x-berth-delivery': opts.deliveryUuid,
  };
  if (opts.secret) headers['x-berth-signature-256'] = signBody(opts.secret, body);
  return { body, headers };
}
