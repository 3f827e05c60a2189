import { useEffect, useRef, useState } from 'react';

/**
 * A log streamed from one of the API's follow=1 routes (Server-Sent Events: one JSON string per
 * message, then `end`). The cookie authenticates the EventSource.
 */
export function LogPanel({ title, url, onClose }: { title: string; url: string; onClose?: () => void }) {
  const [text, setText] = useState('');
  const [state, setState] = useState<'streaming' | 'ended' | 'failed'>('streaming');
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const source = new EventSource(url);
    source.onmessage = (e) => setText((t) => t + (JSON.parse(e.data as string) as string));
    source.addEventListener('end', () => (setState('ended'), source.close()));
    source.onerror = () => (setState((s) => (s === 'ended' ? s : 'failed')), source.close());
    return () => source.close();
  }, [url]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  return (
    <section className="log-panel" aria-label={`Log: ${title}`}>
      <header>
        <h2>{title}</h2>
        <span className="log-state" aria-live="polite">{state === 'streaming' ? 'live' : state}</span>
        {onClose && <button type="button" onClick={onClose} aria-label="Close the log">Close</button>}
      </header>
      <pre ref={pre} tabIndex={0} data-testid="log-text">{text || (state === 'streaming' ? 'Waiting for output…' : '(empty)')}</pre>
    </section>
  );
}
