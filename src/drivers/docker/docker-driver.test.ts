import { BUSYBOX_IMAGE, dockerTestContext } from '../../../test/helpers/docker-test-context.ts';
import { runDriverConformance } from '../conformance/driver-conformance.ts';
import { DockerDriver } from './docker-driver.ts';

const ctx = await dockerTestContext('docker driver');
if (ctx.available) runDriverConformance('docker', () => new DockerDriver({ connection: ctx.connection }), { image: BUSYBOX_IMAGE });
