import { useState } from 'react';
import { descendants, type Pipeline } from './pipeline-graph.ts';

/**
 * The keyboard way to connect and disconnect: a step's incoming connections (unknown steps shown as
 * such, to remove) plus a "connect from" picker that offers only steps that make no cycle.
 */
export function IncomingConnections({ pipeline, stepKey, onConnect, onDisconnect }: { pipeline: Pipeline; stepKey: string; onConnect: (from: string) => void; onDisconnect: (from: string) => void }) {
  const [pick, setPick] = useState('');
  const step = pipeline.steps[stepKey]!;
  const below = descendants(pipeline, stepKey);
  const candidates = Object.entries(pipeline.steps).filter(([key]) => key !== stepKey && !step.incoming_connections.includes(key) && !below.has(key));
  const outgoing = Object.entries(pipeline.steps).filter(([, s]) => s.incoming_connections.includes(stepKey));
  const name = (from: string) => (pipeline.steps[from] ? pipeline.steps[from].title || from : `unknown step ${from}`);
  return (
    <>
      <fieldset className="field">
        <legend>Incoming connections</legend>
        {step.incoming_connections.length === 0 && <p className="muted">None: this step starts the pipeline.</p>}
        <ul className="connections">
          {step.incoming_connections.map((from) => (
            <li key={from} className={pipeline.steps[from] ? '' : 'error'}>
              {name(from)}{' '}
              <button type="button" onClick={() => onDisconnect(from)} aria-label={`Disconnect ${name(from)}`}>Disconnect</button>
            </li>
          ))}
        </ul>
        <div className="actions">
          <select aria-label="Connect from step" value={pick} onChange={(e) => setPick(e.target.value)}>
            <option value="">Connect from…</option>
            {candidates.map(([key, s]) => <option key={key} value={key}>{s.title || key}</option>)}
          </select>
          <button type="button" disabled={!pick} onClick={() => (onConnect(pick), setPick(''))}>Connect</button>
        </div>
        {below.size > 0 && <p className="help">Steps that run after this one are not offered: connecting from them would make a cycle.</p>}
      </fieldset>
      <fieldset className="field">
        <legend>Outgoing connections</legend>
        {outgoing.length === 0 ? <p className="muted">None.</p> : <ul className="connections">{outgoing.map(([key, s]) => <li key={key}>{s.title || key}</li>)}</ul>}
      </fieldset>
    </>
  );
}
