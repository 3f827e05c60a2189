/** A small readable page for the proxy's own errors (the service is down or slow). */
export function errorPage(status: number, message: string): string {
  const title = status === 504 ? 'The service is not answering' : 'The service is not reachable';
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${status} ${title}</title></head><body style="font-family:sans-serif;max-width:40em;margin:4em auto"><h1>${status} — ${title}</h1><p>${esc}</p><p>Check the service's log (<code>berth service logs</code> or <code>GET …/services/{name}/logs</code>) and try again.</p></body></html>`;
}
