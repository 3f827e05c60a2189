import { type ChildProcess, spawn } from 'node:child_process';
import type { FakeKubeApi, KubeObject } from './fake-kube-api.ts';
import { podOf } from './fake-kube-api.ts';

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/**
 * Plays the Job controller and a kubelet for a FakeKubeApi with host processes instead of
 * containers (the image is ignored: commands must exist on this host), reporting pod status the way
 * the Pod lifecycle reference describes it: Pending, then Running once the process started, then
 * Succeeded/Failed with the container's terminated state (exit code, 128+n for a signal, containerd's
 * StartError with exit 128 for a program that cannot be executed). A pod DELETE sends SIGTERM to
 * the main process (PID 1 of a container), SIGKILL to all of its processes after the grace period,
 * and deletes the pod once they ended. Exec runs the command with the container's env and working
 * directory. It is not a cluster: no scheduler, no images, no volumes, no restarts.
 */
export class ProcessKubelet {
  readonly #api: FakeKubeApi;
  readonly #running = new Map<string, ChildProcess>();

  constructor(api: FakeKubeApi) {
    this.#api = api;
    api.onCreate = (resource, object) => {
      if (resource === 'jobs') this.#run(object);
    };
    api.onPodDelete = (pod, grace) => this.#delete(pod, grace);
    api.onPodRemoved = (pod) => this.#kill(pod.metadata!.name!);
    api.onExec = (pod, argv) => this.#exec(pod, argv);
  }

  /** Kills whatever still runs. */
  stop(): void {
    for (const name of [...this.#running.keys()]) this.#kill(name);
  }

  #run(job: KubeObject): void {
    const pod = this.#api.emit('ADDED', podOf(job, Math.random().toString(36).slice(2, 7)));
    const name = pod.metadata!.name!;
    const container = pod.spec.containers[0] as { command?: string[]; args?: string[]; env?: Array<{ name: string; value: string }>; workingDir?: string };
    const argv = [...(container.command ?? []), ...(container.args ?? [])];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: container.workingDir || '/', env: envOf(container), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => this.#api.appendLog(name, d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.#api.appendLog(name, d.toString()));
    child.on('spawn', () => {
      this.#running.set(name, child);
      this.#status(name, 'Running', { running: { startedAt: now() } });
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (this.#running.has(name)) return;
      const message = `failed to create containerd task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0]}": executable file not found in $PATH: unknown`;
      this.#status(name, 'Failed', { terminated: { exitCode: 128, reason: e.code === 'ENOENT' ? 'StartError' : 'ContainerCannotRun', message, startedAt: now(), finishedAt: now() } });
    });
    // PID 1 ended: the container ends, and every process left in it with it.
    child.on('exit', () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // None left.
      }
    });
    // Reported once its output is all read (as the kubelet reports after the runtime's log is flushed).
    child.on('close', (code, signal) => {
      // A process that never started (reported by 'error' above) has no end of its own.
      if (!this.#running.delete(name)) return;
      const exitCode = code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0);
      this.#status(name, exitCode === 0 ? 'Succeeded' : 'Failed', { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now(), finishedAt: now() } });
      const current = this.#api.get('pods', name);
      if (current?.metadata?.deletionTimestamp) this.#api.emit('DELETED', current);
    });
  }

  #status(name: string, phase: string, state: object): void {
    const pod = this.#api.get('pods', name);
    if (!pod) return;
    const status = pod.status.containerStatuses[0];
    this.#api.emit('MODIFIED', { ...pod, status: { ...pod.status, phase, containerStatuses: [{ ...status, ready: phase === 'Running', started: phase === 'Running', state }] } });
  }

  #delete(pod: KubeObject, grace: number): void {
    const name = pod.metadata!.name!;
    const child = this.#running.get(name);
    if (!child) {
      this.#api.emit('DELETED', this.#api.get('pods', name) ?? pod);
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => this.#kill(name), grace * 1000);
    child.once('close', () => clearTimeout(timer));
  }

  /** SIGKILL to every process of the "container" (its process group). */
  #kill(name: string): void {
    const child = this.#running.get(name);
    if (!child?.pid) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  #exec(podName: string, argv: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    const container = this.#api.get('pods', podName)!.spec.containers[0] as { env?: Array<{ name: string; value: string }>; workingDir?: string };
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      const child = spawn(argv[0]!, argv.slice(1), { cwd: container.workingDir || '/', env: envOf(container), stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', () => resolve({ stdout, stderr: `exec: "${argv[0]}": executable file not found in $PATH`, code: 127 }));
      child.on('close', (code) => resolve({ stdout, stderr, code: code ?? 137 }));
    });
  }
}

function envOf(container: { env?: Array<{ name: string; value: string }> }): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
}

function now(): string {
  return new Date().toISOString();
}
