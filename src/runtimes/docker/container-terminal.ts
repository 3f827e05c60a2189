import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Mount, OwnerLabels } from '../driver.ts';
import { outputRelay, type Terminal } from '../terminal.ts';
import { MANAGED_LABEL, ownerLabels } from './docker-labels.ts';

/** Marks shell containers (they are not workloads: no id label, so reconcile never adopts them). */
export const SHELL_LABEL = 'berth.shell';

export interface ContainerTerminalSpec {
  image: string;
  /** Tried in order inside the image: the first shell it has (bash, else sh). */
  command: string[];
  cwd: string;
  env: Record<string, string>;
  mounts: Mount[];
  /** uid:gid the shell runs as. */
  user?: string;
  owner: OwnerLabels;
  cols: number;
  rows: number;
  /** A Docker network to join (default: the engine's bridge). */
  network?: string;
}

/**
 * A shell in a fresh container of `image` with a TTY (`docker run --rm -it`): created with
 * AutoRemove, attached before it starts so no output is lost, resized through the Engine API. `close`
 * removes it (forced), so nothing is left when the client leaves.
 */
export async function startContainerTerminal(docker: Docker, spec: ContainerTerminalSpec): Promise<Terminal> {
  const container = await docker.createContainer({
    Image: spec.image,
    Cmd: spec.command,
    WorkingDir: spec.cwd,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Tty: true,
    OpenStdin: true,
    // The shell's input ends when the client's attachment does (a Berth that died): it exits and is removed.
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    ...(spec.user ? { User: spec.user } : {}),
    Labels: { [MANAGED_LABEL]: 'true', [SHELL_LABEL]: 'true', ...ownerLabels(spec.owner) },
    HostConfig: {
      AutoRemove: true,
      Binds: spec.mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`),
      ...(spec.network ? { NetworkMode: spec.network } : {}),
    },
  });
  let stream: Duplex;
  try {
    stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
    await container.start();
  } catch (e) {
    await container.remove({ force: true }).catch(() => undefined);
    throw e;
  }
  await container.resize({ h: spec.rows, w: spec.cols }).catch(() => undefined);
  const output = outputRelay();
  stream.on('data', output.emit);
  stream.on('error', () => undefined);
  const exited = container.wait().then(
    (r: { StatusCode?: number }) => r.StatusCode ?? null,
    () => null,
  );
  let closing: Promise<void> | undefined;
  return {
    containerId: container.id,
    onData: output.onData,
    write(data) {
      if (!stream.destroyed) stream.write(data);
    },
    resize(cols, rows) {
      void container.resize({ h: rows, w: cols }).catch(() => undefined);
    },
    exited,
    close() {
      closing ??= (async () => {
        stream.destroy();
        await container.remove({ force: true }).catch(() => undefined);
        await exited;
      })();
      return closing;
    },
  };
}
