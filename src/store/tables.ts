import type { Status } from '../core/statuses.ts';
import type { JobStatus } from '../core/job-status.ts';
import type { Generated } from 'kysely';

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
  status: Status;
  fail_fast: number;
  parameters_json: string;
  runtime: string;
  run_dir: string;
  reason: string | null;
  owner_pid: number | null;
  owner_host: string | null;
  /** /proc start time of owner_pid (null: not recorded). */
  owner_start: number | null;
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
  status: Status;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  reason: string | null;
  log_path: string;
  handle_json: string | null;
}

/** A named background instance; `keeper_*` is the live process that answers for it (its supervisor). */
export interface InstancesTable {
  id: string;
  name: string;
  owner: string;
  owner_uid: number;
  host: string;
  runtime: string;
  image: string;
  command_json: string;
  /** no | on-failure | always */
  restart_policy: string;
  health_cmd: string | null;
  health_port: number | null;
  health_interval_ms: number;
  /** none | starting | healthy | unhealthy */
  health: string;
  /** starting | running | restarting | stopping | exited */
  status: string;
  keeper_pid: number;
  /** /proc start time of keeper_pid, so a reused pid is not mistaken for the keeper. */
  keeper_start: number;
  handle_json: string | null;
  log_out_path: string;
  log_err_path: string;
  restarts: number;
  exit_code: number | null;
  reason: string | null;
  stop_signal: string | null;
  stop_grace_ms: number | null;
  created_at: string;
  started_at: string | null;
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
  /** The host (config.hostId) the service runs on; other hosts forward its requests there. Null: written before (adopted by the next host that starts). */
  host: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  uuid: string;
  /** Orchest's event type name, e.g. `project:cron-job:run:pipeline-run:failed`. */
  type: string;
  project_uuid: string | null;
  job_uuid: string | null;
  run_uuid: string | null;
  /** The event as built when it happened (survives deletion of what it names). */
  payload_json: string;
  created_at: string;
}

export interface SubscribersTable {
  uuid: string;
  /** 'webhook' | 'analytics' */
  kind: string;
  name: string;
  url: string;
  /** The signing secret, sealed with the install key (never stored or listed in clear). */
  secret_sealed: string | null;
  content_type: string;
  /** 'generic' | 'slack' | 'teams' | 'discord' */
  format: string;
  verify_ssl: number;
  created_at: string;
}

export interface SubscriptionsTable {
  subscriber_uuid: string;
  /** An event type, or '*' for every type. */
  event_type: string;
  /** '' = any project / job. */
  project_uuid: string;
  job_uuid: string;
}

export interface DeliveriesTable {
  /** X-Berth-Delivery: stable across retries. */
  uuid: string;
  event_uuid: string;
  event_type: string;
  subscriber_uuid: string;
  /** SCHEDULED | RESCHEDULED | DELIVERING | DELIVERED | DEAD */
  status: string;
  attempts: number;
  scheduled_at: string;
  claimed_by: string | null;
  lease_until: string | null;
  payload_json: string;
  last_error: string | null;
  last_status_code: number | null;
  created_at: string;
  delivered_at: string | null;
}

export interface JobsTable {
  uuid: string;
  name: string;
  project_uuid: string;
  pipeline_uuid: string;
  pipeline_name: string;
  /** The pipeline file's path inside the snapshot. */
  pipeline_path: string;
  /** Cron expression; null for a one-off job. */
  schedule: string | null;
  timezone: string;
  scheduled_start: string | null;
  next_scheduled_time: string | null;
  last_scheduled_time: string | null;
  status: JobStatus;
  /** One entry per run of a batch: {pipeline_parameters, <step uuid>: {...}}. */
  parameters_json: string;
  grid_json: string;
  env_json: string;
  max_retained_pipeline_runs: number;
  snapshot_dir: string;
  total_scheduled_executions: number;
  total_scheduled_pipeline_runs: number;
  created_at: string;
  updated_at: string;
}

export interface JobRunsTable {
  run_uuid: string;
  job_uuid: string;
  /** The batch (scheduled execution) this run belongs to, from 0. */
  job_run_index: number;
  /** The run's position in its batch, from 0. */
  job_run_pipeline_run_index: number;
  /** The run's position among all the job's runs, from 0. */
  pipeline_run_index: number;
  batch_size: number;
  parameters_json: string;
  work_dir: string;
}

/** An interactive session of a pipeline: its services run until it is stopped. */
export interface SessionsTable {
  uuid: string;
  project_uuid: string;
  pipeline_uuid: string;
  /** Absolute path of the pipeline file the session was started from. */
  pipeline_file: string;
  runtime: string;
  /** STARTING | RUNNING | STOPPING | STOPPED | FAILED */
  status: string;
  reason: string | null;
  /** The Berth process starting or stopping it (a dead one leaves the session to reconcile). */
  owner_pid: number | null;
  owner_host: string | null;
  /** /proc start time of owner_pid (null: not recorded). */
  owner_start: number | null;
  created_at: string;
  updated_at: string;
}

export interface SessionServicesTable {
  session_uuid: string;
  name: string;
  /** Start order (the services' `order`). */
  position: number;
  definition_json: string;
  handle_json: string | null;
  log_path: string;
  restarts: number;
  /** The host (config.hostId) the service runs on (null until started). */
  host: string | null;
}

/** Project (pipeline_uuid '') and pipeline environment variables: secrets, never printed in clear. */
export interface EnvVarsTable {
  project_uuid: string;
  pipeline_uuid: string;
  name: string;
  /** Sealed with the install key when `sealed` is 1 (every row the engine has opened the store since). */
  value: string;
  sealed: Generated<number>;
  updated_at: string;
}

/** A token holder's git identity (holder: the token id; the in-process CLI: "local"). */
export interface GitIdentitiesTable {
  holder: string;
  name: string;
  email: string;
  updated_at: string;
}

/** A token holder's SSH private key for git, sealed with the install key; its public key and fingerprint in clear. */
export interface GitKeysTable {
  id: string;
  holder: string;
  name: string;
  fingerprint: string;
  public_key: string;
  private_key: string;
  created_at: string;
}

/** A host key a token holder's git over SSH trusts (first seen on an import, or added); `host` as known_hosts writes it. */
export interface GitKnownHostsTable {
  id: string;
  holder: string;
  host: string;
  key_type: string;
  /** The key's base64 blob. */
  public_key: string;
  /** SHA256:<base64>, as ssh-keygen -l prints it. */
  fingerprint: string;
  created_at: string;
}

/** The web UI's sessions: the SHA-256 of the cookie's random id, the token that signed in, expiry (epoch ms). */
export interface WebSessionsTable {
  hash: string;
  token_id: string;
  expires_at: number;
  created_at: string;
}

/** An environment image build: PENDING (waiting for a slot), STARTED (holds one), SUCCESS or FAILURE. */
export interface BuildsTable {
  uuid: string;
  /** The project folder the build is for (null: not known). */
  project_dir: string | null;
  environment_uuid: string;
  environment_name: string;
  image: string;
  status: Status;
  reason: string | null;
  log_path: string;
  /** The Berth process waiting for or running the build (its slot is reclaimed when it is gone). */
  owner_pid: number | null;
  owner_host: string | null;
  /** /proc start time of owner_pid (null: not recorded). */
  owner_start: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface Database {
  projects: ProjectsTable;
  pipelines: PipelinesTable;
  runs: RunsTable;
  step_runs: StepRunsTable;
  instances: InstancesTable;
  tokens: TokensTable;
  services: ServicesTable;
  events: EventsTable;
  subscribers: SubscribersTable;
  subscriptions: SubscriptionsTable;
  deliveries: DeliveriesTable;
  jobs: JobsTable;
  job_runs: JobRunsTable;
  sessions: SessionsTable;
  session_services: SessionServicesTable;
  env_vars: EnvVarsTable;
  git_identities: GitIdentitiesTable;
  git_keys: GitKeysTable;
  git_known_hosts: GitKnownHostsTable;
  service_tickets: ServiceTicketsTable;
  service_sessions: ServiceSessionsTable;
  service_hosts: ServiceHostsTable;
  builds: BuildsTable;
  web_sessions: WebSessionsTable;
  server_leases: ServerLeasesTable;
  leader_leases: LeaderLeasesTable;
}

/** A Berth process serving from this store: alive while its lease is renewed (heartbeat). */
export interface ServerLeasesTable {
  /** `host:pid:start` — unique per process. */
  id: string;
  host: string;
  pid: number;
  started_at: string;
  heartbeat_at: string;
  lease_until: string;
  /** Set when the server stopped cleanly (its lease was ended at once). */
  stopped_at: string | null;
  /** Where other servers reach this one (BERTH_ADVERTISE_URL or its listen address); null for a server without HTTP (`berth scheduler`). */
  url: string | null;
}

/** A role one server holds at a time (e.g. 'scheduler'); `token` grows with every new holder (fencing). */
export interface LeaderLeasesTable {
  name: string;
  holder: string;
  token: number;
  lease_until: string;
}

/** A browser's service session on a service's own origin (hash of the cookie's secret only). */
/** A short host label (`s-<digest>`) for a service whose canonical host label would be too long. */
export interface ServiceHostsTable {
  label: string;
  project_uuid: string;
  /** The service's proxy name (a project service, or `<service>-<session uuid>`). */
  service: string;
  port: number;
  created_at: string;
}

export interface ServiceSessionsTable {
  hash: string;
  project_uuid: string;
  /** The service's proxy name (a project service, or `<service>-<session uuid>`). */
  service: string;
  /** Which start of the service it was opened for (a redeployed or restarted service needs a new one). */
  instance: string;
  /** The user's token that opened it: revoking the token ends it. */
  token_id: string;
  /** Epoch milliseconds. */
  expires_at: number;
  created_at: string;
}

/** A one-time ticket that opens a service session (hash only); `next` is the path to land on. */
export interface ServiceTicketsTable extends ServiceSessionsTable {
  next: string;
}
