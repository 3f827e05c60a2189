import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Python SDK's folder (holds the `orchest` and `berth` packages). */
export const SDK_PYTHON_DIR = fileURLToPath(new URL('../sdk/python', import.meta.url));
/** `node --import` this URL and `import … from 'berth'` resolves to the JS/TS SDK. */
export const SDK_NODE_IMPORT = new URL('../sdk/js/register.ts', import.meta.url).href;

/**
 * The variables that give a step the SDK on the process runtime: the outputs folder, the Python
 * SDK first on PYTHONPATH (kept: the step's own PYTHONPATH after it), and the Node hook's URL for
 * scripts that start node themselves. Container runtimes mount the same folders and set the same
 * variables to the mount points. Contract: pure.
 */
export function stepSdkEnvironment(outputsDir: string, stepEnv: Record<string, string>): Record<string, string> {
  const pythonPath = stepEnv.PYTHONPATH ? `${SDK_PYTHON_DIR}${delimiter}${stepEnv.PYTHONPATH}` : SDK_PYTHON_DIR;
  return { BERTH_OUTPUTS_DIR: outputsDir, PYTHONPATH: pythonPath, BERTH_SDK_NODE_IMPORT: SDK_NODE_IMPORT };
}
