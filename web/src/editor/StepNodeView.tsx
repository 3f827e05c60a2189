import { Handle, Position, type NodeProps } from '@xyflow/react';
import { duration } from '../runs/duration.ts';
import type { StepNode } from './pipeline-graph.ts';

/** A step on the canvas: title, file, live run status and its duration; inputs left, outputs right. */
export function StepNodeView({ data }: NodeProps<StepNode>) {
  const status = data.status?.status;
  return (
    <div className={`step-node ${status ? `status-${status.toLowerCase()}` : ''} ${data.problems ? 'has-problems' : ''}`} data-status={status ?? 'NONE'} data-title={data.title}>
      <Handle type="target" position={Position.Left} aria-label={`input of ${data.title}`} />
      <div className="step-title">{data.title}</div>
      <div className="step-file">{data.file || 'no file'}</div>
      {status && (
        <div className="step-status">
          {status}
          {data.status?.started_at && data.status.finished_at ? ` · ${duration(data.status.started_at, data.status.finished_at)}` : ''}
        </div>
      )}
      <Handle type="source" position={Position.Right} aria-label={`output of ${data.title}`} />
    </div>
  );
}
