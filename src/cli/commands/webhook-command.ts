import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const webhookHelp = `Usage: berth webhook add NAME URL [--event TYPE]... [options]
       berth webhook list [--json]
       berth webhook update NAME [--url URL] [--rename NEW] [--event TYPE]... [--secret S] [--form|--json-body] [--format F] [--insecure|--verify]
       berth webhook rm NAME
       berth webhook ping NAME [--json]
       berth webhook deliveries [--webhook NAME] [--status S] [--limit N] [--json]
       berth webhook redeliver DELIVERY

Webhooks receive Berth's events (Orchest's type names, see \`berth events types\`) as signed POSTs:
X-Berth-Event, X-Berth-Delivery (stable across retries), X-Berth-Signature-256: sha256=<hex
HMAC-SHA256 of the raw body>, User-Agent: Berth. \`berth scheduler\` or \`berth server\` sends them,
retrying with exponential backoff and jitter up to BERTH_WEBHOOK_MAX_ATTEMPTS (10), then DEAD.
With BERTH_ENDPOINT the commands manage the server's webhooks (an admin token is needed).

add options:
  --event TYPE        an event type to send, or "*" for all (repeatable; default "*")
  --project UUID      only events of this project; --job UUID: only events of this job
  --secret S          the signing secret (16+ characters). Without it Berth generates one and
                      prints it once; it is stored sealed and never listed.
  --form              send application/x-www-form-urlencoded (delivered_for, event as JSON strings)
  --format F          auto (default: from the URL), generic, slack, teams (add "text") or discord
                      (add "content")
  --insecure          do not verify the receiver's TLS certificate`;

export async function webhookCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('webhook', args, {
    event: { type: 'string', multiple: true },
    project: { type: 'string' },
    job: { type: 'string' },
    secret: { type: 'string' },
    form: { type: 'boolean' },
    format: { type: 'string' },
    insecure: { type: 'boolean' },
    verify: { type: 'boolean' },
    url: { type: 'string' },
    rename: { type: 'string' },
    'json-body': { type: 'boolean' },
    webhook: { type: 'string' },
    status: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) return ctx.out(webhookHelp), sub === undefined && !values.help ? 2 : 0;
  const json = values.json ?? false;
  const service = await (await ctx.backend()).webhooks();
  const one = (what: string) => {
    if (rest.length !== 1) throw usageError(`webhook ${sub}`, `expected one ${what}`, `berth webhook ${sub} alerts`);
    return rest[0]!;
  };
  switch (sub) {
    case 'add': {
      if (rest.length !== 2) throw usageError('webhook add', 'expected NAME and URL', 'berth webhook add alerts https://example.com/hook --event "*"');
      const { webhook, generated_secret } = await service.add({
        name: rest[0]!,
        url: rest[1]!,
        secret: values.secret,
        content_type: values.form ? 'application/x-www-form-urlencoded' : 'application/json',
        format: values.format,
        verify_ssl: !values.insecure,
        subscriptions: (values.event ?? ['*']).map((event_type) => ({ event_type, project_uuid: values.project, job_uuid: values.job })),
      });
      if (json) return ctx.out(JSON.stringify({ webhook, generated_secret })), 0;
      ctx.out(`Webhook "${webhook.name}" added (${webhook.uuid}): ${webhook.subscriptions.map((s) => s.event_type).join(', ')} → ${webhook.url}`);
      if (generated_secret) ctx.out(`Signing secret (shown only now; Berth keeps it sealed): ${generated_secret}`);
      return 0;
    }
    case 'update': {
      const hook = await service.update(one('NAME'), {
        name: values.rename,
        url: values.url,
        secret: values.secret,
        content_type: values.form ? 'application/x-www-form-urlencoded' : values['json-body'] ? 'application/json' : undefined,
        format: values.format,
        verify_ssl: values.insecure ? false : values.verify ? true : undefined,
        subscriptions: values.event?.map((event_type) => ({ event_type, project_uuid: values.project, job_uuid: values.job })),
      });
      return json ? ctx.out(JSON.stringify({ webhook: hook })) : ctx.out(`Webhook "${hook.name}" updated: ${hook.subscriptions.map((s) => s.event_type).join(', ')} → ${hook.url}`), 0;
    }
    case 'list': {
      const hooks = await service.list();
      if (json) return ctx.out(JSON.stringify({ webhooks: hooks })), 0;
      if (hooks.length === 0) return ctx.out('No webhooks. Add one with: berth webhook add NAME URL'), 0;
      ctx.out(table(['NAME', 'URL', 'EVENTS', 'FORMAT', 'SECRET'], hooks.map((h) => [h.name, h.url, h.subscriptions.map((s) => s.event_type).join(','), `${h.format} ${h.content_type === 'application/json' ? 'json' : 'form'}`, h.has_secret ? 'set' : '-'])));
      return 0;
    }
    case 'rm': {
      const hook = await service.remove(one('NAME'));
      return json ? ctx.out(JSON.stringify({ webhook: hook })) : ctx.out(`Webhook "${hook.name}" removed`), 0;
    }
    case 'ping': {
      const res = await service.ping(one('NAME'));
      if (json) ctx.out(JSON.stringify(res));
      else ctx.out(res.ok ? `Ping delivered (HTTP ${res.status}, delivery ${res.delivery})` : `Ping failed: ${res.error}`);
      return res.ok ? 0 : 1;
    }
    case 'deliveries': {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) throw usageError('webhook deliveries', `--limit ${values.limit} is not a positive integer`, 'e.g. --limit 20');
      const rows = await service.deliveries({ webhook: values.webhook, status: values.status, limit });
      if (json) return ctx.out(JSON.stringify({ deliveries: rows })), 0;
      if (rows.length === 0) return ctx.out('No deliveries.'), 0;
      ctx.out(table(['DELIVERY', 'WEBHOOK', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST ERROR'], rows.map((d) => [d.uuid.slice(0, 8), d.webhook, d.event_type, d.status, String(d.attempts), d.last_error ?? ''])));
      return 0;
    }
    case 'redeliver': {
      const d = await service.redeliver(one('DELIVERY'));
      return json ? ctx.out(JSON.stringify({ delivery: d })) : ctx.out(`Delivery ${d.uuid} scheduled again (the scheduler sends it)`), 0;
    }
    default:
      throw usageError('webhook', `unknown subcommand "${sub}"`, 'use add, update, list, rm, ping, deliveries or redeliver');
  }
}
