import { checkInstanceName } from '../../core/instance-name.ts';
import type { InstanceStartOptions } from '../../instances/instance-spec.ts';
import { instanceWorkloadSpec } from '../../instances/instance-spec.ts';
import { KUBE_CAPABILITIES } from '../../runtimes/kubernetes/kubernetes-driver.ts';
import { kubeYaml } from '../../runtimes/kubernetes/kube-yaml.ts';
import type { CliContext } from '../cli-context.ts';
import { DryRunObjects } from './kube-service-objects.ts';

/** Stands for the instance's id (made when it starts); its supervisor's first start is attempt 1. */
const INSTANCE = 'dry-run';

/**
 * `berth instance start|run --runtime kubernetes --dry-run … IMAGE NAME [ARGS]`: the objects of the
 * instance's workload as the kubernetes runtime would create them (the spec InstanceService hands
 * its supervisor, the runtime's builders) — without a cluster, a supervisor or a claimed name.
 */
export async function kubeInstanceDryRun(ctx: CliContext, opts: InstanceStartOptions): Promise<number> {
  const { config } = ctx;
  const name = checkInstanceName(opts.name);
  const logs = (await ctx.instances()).logPaths(name);
  const spec = instanceWorkloadSpec(opts, { name: 'kubernetes', capabilities: KUBE_CAPABILITIES }, { name, baseEnv: config.baseEnv, logs });
  const objects = new DryRunObjects();
  objects.add(config, { ...spec, id: `${INSTANCE}-1` });
  ctx.out(
    kubeYaml(objects.all(), [
      `berth instance start --runtime kubernetes --dry-run: instance "${name}", ${objects.count} object(s) in namespace ${config.kubernetes.settings.namespace}; nothing was created.`,
      `"${INSTANCE}" stands for the instance's id; its supervisor (on this host) applies --restart ${opts.restart} by starting the Job again, as attempt 2, 3, …`,
    ]).trimEnd(),
  );
  return 0;
}
