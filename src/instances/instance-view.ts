import type { InstanceRow } from '../store/instance-repository.ts';

/** Apptainer's `instance list --json` entry, field for field. */
export interface InstanceInfo {
  instance: string;
  pid: number;
  img: string;
  ip: string;
  logErrPath: string;
  logOutPath: string;
}

/** What Berth adds beyond Apptainer (text list's STATUS column, the server and UI). */
export interface InstanceView extends InstanceInfo {
  owner: string;
  runtime: string;
  status: string;
  health: string;
  restarts: number;
  restartPolicy: string;
  command: string[];
  createdAt: string;
}

export function instanceView(row: InstanceRow): InstanceView {
  const handle = row.handle_json === null ? undefined : (JSON.parse(row.handle_json) as { state?: Record<string, unknown> });
  const ip = handle?.state?.ip;
  return {
    instance: row.name,
    pid: row.keeper_pid,
    img: row.image,
    ip: typeof ip === 'string' ? ip : '',
    logErrPath: row.log_err_path,
    logOutPath: row.log_out_path,
    owner: row.owner,
    runtime: row.runtime,
    status: row.status,
    health: row.health,
    restarts: row.restarts,
    restartPolicy: row.restart_policy,
    command: JSON.parse(row.command_json) as string[],
    createdAt: row.created_at,
  };
}

/** Only Apptainer's six fields, in its order. */
export function instanceInfo(view: InstanceView): InstanceInfo {
  return { instance: view.instance, pid: view.pid, img: view.img, ip: view.ip, logErrPath: view.logErrPath, logOutPath: view.logOutPath };
}
