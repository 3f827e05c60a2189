/** Table types. Timestamps are ISO-8601 strings (UTC, milliseconds) so SQLite and PostgreSQL agree. */
export interface ProjectsTable {
  uuid: string;
  name: string;
  path: string;
  created_at: string;
}

export interface PipelinesTable {
  project_uuid: string;
  uuid: string;
  path: string;
  name: string;
  updated_at: string;
}

export interface RunsTable {
  uuid: string;
  project_uuid: string;
  pipeline_uuid: string;
  pipeline_path: string;
  pipeline_name: string;
  run_type: string;
  /** 'interactive' runs of one pipeline queue one at a time; 'job' runs are isolated. */
  kind: string;
  status: string;
  fail_fast: number;
  parameters_json: string;
  runtime: string;
  run_dir: string;
  reason: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface StepRunsTable {
  run_uuid: string;
  step_uuid: string;
  title: string;
  file_path: string;
  position: number;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  reason: string | null;
  log_path: string;
  handle_json: string | null;
}

/** API tokens: only the SHA-256 of the secret is stored. */
export interface TokensTable {
  id: string;
  name: string;
  /** 'admin' or 'project'. */
  scope: string;
  project_uuid: string | null;
  hash: string;
  /** The project service this token was made for (revoked with it), if any. */
  service: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Long-lived project services (ML Lab style). */
export interface ServicesTable {
  project_uuid: string;
  name: string;
  definition_json: string;
  handle_json: string | null;
  token_id: string | null;
  log_path: string;
  created_at: string;
}

export interface Database {
  projects: ProjectsTable;
  pipelines: PipelinesTable;
  runs: RunsTable;
  step_runs: StepRunsTable;
  tokens: TokensTable;
  services: ServicesTable;
}
