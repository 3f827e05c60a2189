import type { ServiceDefinition } from './pipeline-types.ts';

export interface ServiceTemplate {
  name: string;
  description: string;
  definition: ServiceDefinition;
}

const BOTH = ['interactive', 'noninteractive'] as ServiceDefinition['scope'];

/**
 * Built-in service definitions: Orchest's templates (tensorboard, streamlit, vscode, redis) as it
 * shipped them, plus jupyterlab, mlflow and postgres — which Orchest dropped because its services
 * lost their data; here it keeps it in a named volume. Files written to binds stay group-writable
 * through `umask 002` (Orchest's documented fix).
 */
export const SERVICE_TEMPLATES: readonly ServiceTemplate[] = [
  {
    name: 'tensorboard',
    description: 'TensorBoard on the logs in /data',
    definition: {
      name: 'tensorboard', image: 'tensorflow/tensorflow', command: 'bash', args: "-c 'umask 002 && tensorboard --logdir /data --host 0.0.0.0'",
      binds: { '/data': '/data' }, ports: [6006], exposed: true, requires_authentication: true, scope: ['interactive'],
    },
  },
  {
    name: 'streamlit',
    description: 'Streamlit serving src/streamlit.py of the project',
    definition: {
      name: 'streamlit', image: 'orchest/streamlit', command: 'bash', args: "-c 'umask 002 && touch /usr/src/app/src/streamlit.py && streamlit run src/streamlit.py'",
      env_variables: { STREAMLIT_SERVER_BASE_URL_PATH: '$BASE_PATH_PREFIX_8501' }, binds: { '/data': '/data', '/project-dir': '/usr/src/app/src' },
      ports: [8501], exposed: true, requires_authentication: true, preserve_base_path: true, scope: BOTH,
    },
  },
  {
    name: 'vscode',
    description: 'VS Code in the browser (code-server) on the project folder',
    definition: {
      name: 'vscode', image: 'codercom/code-server:latest', command: 'bash', args: "-c 'umask 002 && code-server --auth none --bind-addr 0.0.0.0:8080 /home/coder/code-server'",
      binds: { '/project-dir': '/home/coder/code-server' }, ports: [8080], exposed: true, requires_authentication: true, scope: ['interactive'],
    },
  },
  {
    name: 'jupyterlab',
    description: 'JupyterLab on the project folder (Berth authenticates; the lab token is off)',
    definition: {
      name: 'jupyterlab', image: 'quay.io/jupyter/base-notebook', command: 'bash',
      args: "-c 'umask 002 && start-notebook.py --ServerApp.base_url=/$BASE_PATH_PREFIX_8888 --IdentityProvider.token= --ServerApp.root_dir=/home/jovyan/work'",
      binds: { '/project-dir': '/home/jovyan/work', '/data': '/data' }, ports: [8888], exposed: true, requires_authentication: true, preserve_base_path: true, scope: ['interactive'],
    },
  },
  {
    name: 'redis',
    description: 'Redis (reached by steps at its internal hostname, port 6379)',
    definition: { name: 'redis', image: 'redis', ports: [6379], exposed: true, requires_authentication: true, scope: BOTH },
  },
  {
    name: 'postgres',
    description: 'PostgreSQL whose data lives in a named volume (kept across session restarts)',
    definition: {
      name: 'postgres', image: 'postgres:16', env_variables: { POSTGRES_HOST_AUTH_METHOD: 'trust', PGDATA: '/var/lib/postgresql/data/pgdata' },
      berth_volumes: { 'postgres-data': '/var/lib/postgresql/data' }, ports: [5432], exposed: false, requires_authentication: true, scope: BOTH, berth_restart: 'always',
    },
  },
  {
    name: 'mlflow',
    description: 'MLflow tracking server with its runs in a named volume',
    definition: {
      name: 'mlflow', image: 'ghcr.io/mlflow/mlflow', command: 'mlflow',
      args: 'server --host 0.0.0.0 --port 5000 --backend-store-uri /mlflow/mlruns --default-artifact-root /mlflow/artifacts --static-prefix /$BASE_PATH_PREFIX_5000',
      berth_volumes: { 'mlflow-data': '/mlflow' }, ports: [5000], exposed: true, requires_authentication: true, preserve_base_path: true, scope: ['interactive'],
    },
  },
];

export function findServiceTemplate(name: string): ServiceTemplate | undefined {
  return SERVICE_TEMPLATES.find((t) => t.name === name);
}
