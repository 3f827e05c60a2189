/** The pipeline model as Orchest's 1.2.3 file format defines it (after migration on read). */

export const LATEST_PIPELINE_VERSION = '1.2.3';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const SERVICE_SCOPES = ['interactive', 'noninteractive'] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

export interface PipelineSettings {
  auto_eviction?: boolean;
  data_passing_memory_size?: string;
  /** 0 = unlimited; absent = Berth's default (number of CPUs). */
  max_steps_parallelism?: number;
  [extra: string]: JsonValue | undefined;
}

export interface PipelineStep {
  uuid: string;
  title: string;
  file_path: string;
  incoming_connections: string[];
  environment: string;
  kernel: { name: string; display_name: string };
  parameters: JsonObject;
  meta_data?: { hidden?: boolean; position?: [number, number] };
  [extra: string]: JsonValue | undefined | object;
}

export interface ServiceDefinition {
  name: string;
  image: string;
  command?: string;
  args?: string;
  env_variables?: Record<string, string>;
  env_variables_inherit?: string[];
  binds?: Record<string, string>;
  ports: number[];
  exposed: boolean;
  requires_authentication?: boolean;
  preserve_base_path?: boolean;
  scope: ServiceScope[];
  order?: number;
  /** Berth: named volumes ({name: container path}) that outlive the session. */
  berth_volumes?: Record<string, string>;
  /** Berth: restart policy (default on-failure). */
  berth_restart?: 'no' | 'on-failure' | 'always';
  /** Berth: requests, limits and GPUs (checkWorkloadResources). */
  berth_resources?: JsonObject;
  [extra: string]: JsonValue | undefined | object;
}

export interface PipelineDefinition {
  name: string;
  uuid: string;
  version: string;
  parameters: JsonObject;
  settings: PipelineSettings;
  steps: Record<string, PipelineStep>;
  services?: Record<string, ServiceDefinition>;
  [extra: string]: JsonValue | undefined | object;
}
