import { useState } from 'react';
import type { Pipeline } from './pipeline-graph.ts';

/** The keyboard way to connect and disconnect: a step's incoming connections as a list plus an "add from" picker. */
export function IncomingConnections({ pipeline, uuid, onConnect, onDisconnect }: { pipeline: Pipeline; uuid: string; onConnect: (from: string) => void; onDisconnect: (from: string) => void }) {
  const [pick, setPick] = useState('');
  const step = pipeline.steps[uuid]!;
  const candidates = Object.values(pipeline.steps).filter((s) => s.uuid !== uuid && !step.incoming_connections.includes(s.uuid));
  return (
    <fieldset className="field">
      <legend>Incoming connections</legend>
      <ul className="connections">
        {step.incoming_connections.map((from) => (
          <li key={from}>
            {pipeline.steps[from]?.title ?? from}{' '}
            <button type="button" onClick={() => onDisconnect(from)} aria-label={`Disconnect ${pipeline.steps[from]?.title ?? from}`}>Disconnect</button>
          </li>
        ))}
      </ul>
      <div className="actions">
        <select aria-label="Connect from step" value={pick} onChange={(e) => setPick(e.target.value)}>
          <option value="">Connect from…</option>
          {candidates.map((s) => <option key={s.uuid} value={s.uuid}>{s.title}</option>)}
        </select>
        <button type="button" disabled={!pick} onClick={() => (onConnect(pick), setPick(''))}>Connect</button>
      </div>
    </fieldset>
  );
}
