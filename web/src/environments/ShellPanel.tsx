import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';

type Notice = { type: 'progress'; line: string } | { type: 'ready'; environment: { uuid: string; name: string } } | { type: 'exit'; code: number | null } | { type: 'error'; error: { code: string; message: string } };

/**
 * A terminal (xterm.js) on the environment shell websocket: the session cookie authenticates it (the
 * browser sends it, with this page's Origin). Binary frames are terminal bytes, text frames notices;
 * the window size follows the panel. Closing the panel closes the socket, which ends the shell.
 */
export function ShellPanel({ project, environment, name, onClose }: { project: string; environment: string; name: string; onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [state, setState] = useState('connecting');
  useEffect(() => {
    const term = new Terminal({ convertEol: false, cursorBlink: true, fontSize: 13, scrollback: 5000 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current!);
    fit.fit();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}/shell?cols=${term.cols}&rows=${term.rows}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const encoder = new TextEncoder();
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return term.write(new Uint8Array(e.data as ArrayBuffer));
      const n = JSON.parse(e.data) as Notice;
      if (n.type === 'progress') term.write(`\x1b[2m${n.line}\x1b[0m\r\n`);
      else if (n.type === 'ready') (setState('connected'), term.focus());
      else if (n.type === 'exit') setState(`exited (${n.code ?? 'killed'})`);
      else if (n.type === 'error') (setState('failed'), term.write(`\r\n\x1b[31m${n.error.message}\x1b[0m\r\n`));
    };
    ws.onclose = () => setState((s) => (s === 'connected' || s === 'connecting' ? 'closed' : s));
    const input = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(d)));
    const resized = term.onResize(({ cols, rows }) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'resize', cols, rows })));
    const observer = new ResizeObserver(() => fit.fit());
    observer.observe(box.current!);
    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      ws.close();
      term.dispose();
    };
  }, [project, environment]);
  return (
    <section className="log-panel shell-panel" aria-label={`Shell: ${name}`}>
      <header>
        <h2>Shell in {name}</h2>
        <span className="log-state" aria-live="polite" data-testid="shell-state">{state}</span>
        <button type="button" onClick={onClose} aria-label="Close the shell">Close</button>
      </header>
      <div ref={box} className="terminal-box" data-testid="terminal" />
    </section>
  );
}
