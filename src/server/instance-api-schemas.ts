import { Type } from 'typebox';
import { RESTART_POLICIES } from '../core/restart-policy.ts';
import { INSTANCE_RUNTIMES } from '../instances/instance-service.ts';

/** The schemas of the instance routes (validation and OpenAPI from the same objects). */

export const InstanceView = Type.Object({
  instance: Type.String({ description: 'the name' }),
  pid: Type.Integer({ description: "the supervisor's pid (the instance's main process)" }),
  img: Type.String({ description: '"host" on the process runtime, else the image' }),
  ip: Type.String(),
  logErrPath: Type.String(),
  logOutPath: Type.String(),
  owner: Type.String({ description: 'the OS user the instance runs as' }),
  runtime: Type.String(),
  status: Type.String({ description: 'starting, running, restarting, stopping, exited' }),
  health: Type.String({ description: 'none, starting, healthy or unhealthy' }),
  restarts: Type.Integer(),
  restartPolicy: Type.String(),
  command: Type.Array(Type.String()),
  createdAt: Type.String(),
});

export const InstanceParams = Type.Object({
  instance: Type.String({ minLength: 1, maxLength: 128, pattern: '^[a-zA-Z0-9._-]+$', description: 'the instance name (letters, digits, ".", "_", "-")' }),
});

export const StartInstanceBody = Type.Object(
  {
    name: InstanceParams.properties.instance,
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: '"host" (default) on the process runtime; an image on container runtimes' })),
    args: Type.Optional(Type.Array(Type.String(), { description: 'the command (process runtime), or the command replacing the image\'s (container runtimes; empty: the image\'s default)' })),
    runtime: Type.Optional(Type.Union(INSTANCE_RUNTIMES.map((r) => Type.Literal(r)), { description: "default: the server's runtime" })),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: "absolute working directory on the host (process runtime; default the server's BERTH_HOME)" })),
    env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String())),
    ports: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), { description: 'ports the instance listens on; container runtimes publish them on 127.0.0.1' })),
    restart: Type.Optional(Type.Union(RESTART_POLICIES.map((r) => Type.Literal(r)), { description: 'restart policy (default no)' })),
  },
  { additionalProperties: false },
);

export const StopInstanceBody = Type.Object(
  {
    signal: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'signal name or number sent first (default SIGINT, as Apptainer)' })),
    grace_seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: "seconds before SIGKILL (default the server's BERTH_STOP_GRACE_SECONDS)" })),
  },
  { additionalProperties: false },
);
