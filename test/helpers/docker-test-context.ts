import { test } from 'node:test';
import Docker from 'dockerode';
import { loadConfig, type DockerConnection } from '../../src/config/config.ts';

/** The images scripts/build-test-images.sh builds from local files (no registry). */
export const BUSYBOX_IMAGE = 'berth-test/busybox:1';
export const PYTHON_IMAGE = 'berth-test/python:1';
/** Jupyter Server, and Orchest's python base stand-in (with ipykernel) for environments: sessions' Jupyter on Docker. */
export const JUPYTER_IMAGE = 'berth-test/jupyter:1';
export const KERNEL_BASE_IMAGE = 'berth-test/orchest-base-kernel-py:2';
/** Orchest's R base stand-in: R with IRkernel and reticulate, and python3 for Berth's kernel host. */
export const R_KERNEL_IMAGE = 'berth-test/orchest-base-kernel-r:1';
/** Orchest's JavaScript base stand-in: Node.js with tslab's kernel, and python3 for Berth's kernel host. */
export const JS_KERNEL_IMAGE = 'berth-test/orchest-base-kernel-javascript:1';

export type DockerTestContext = { available: true; connection: DockerConnection; docker: Docker } | { available: false };

/**
 * Whether Docker tests can run: the engine answers and the test images exist. When not, registers a
 * test that fails under CI (CI=true: Docker is part of CI's contract) and is skipped, visibly, elsewhere.
 */
export async function dockerTestContext(suite: string): Promise<DockerTestContext> {
  const config = loadConfig();
  const { socketPath, host, port, protocol } = config.docker;
  const docker = new Docker(socketPath ? { socketPath } : { host, port, protocol });
  let problem: string | null = null;
  try {
    await docker.ping();
    for (const image of [BUSYBOX_IMAGE, PYTHON_IMAGE]) {
      await docker.getImage(image).inspect().catch(() => {
        problem ??= `test image ${image} is missing (run scripts/build-test-images.sh)`;
      });
    }
  } catch (e) {
    problem = `no Docker engine answers at ${config.docker.address} (${e instanceof Error ? e.message : String(e)}); start one with scripts/start-docker.sh`;
  }
  if (problem === null) return { available: true, connection: config.docker, docker };
  const message = `${suite}: ${problem}`;
  if (config.ci) {
    test(`${suite} needs Docker`, () => {
      throw new Error(`${message} — CI must provide Docker (.ci/run starts it)`);
    });
  } else {
    process.stderr.write(`NOTICE: skipping ${message}\n`);
    test(`${suite} (needs Docker)`, { skip: problem }, () => {});
  }
  return { available: false };
}

/** A suite's `skip`: false when the engine has every one of `images`, else which are missing and how to build them. */
export async function skipWithoutImages(ctx: DockerTestContext, images: string[]): Promise<string | false> {
  if (!ctx.available) return 'no Docker';
  const missing = (await Promise.all(images.map(async (i) => ((await ctx.docker.getImage(i).inspect().then(() => true, () => false)) ? null : i)))).filter((i) => i !== null);
  return missing.length ? `missing ${missing.join(', ')} (run scripts/build-test-images.sh)` : false;
}
