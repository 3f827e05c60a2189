// Checksum (TS): runs with Node's type stripping; outputs bytes (BYTES) and checks the services.
import { createHash } from 'node:crypto';
import { getInputs, getParams, getService, getServices, output, ServiceNotFound, type Inputs } from 'berth';

const inputs: Inputs = getInputs();
const digest: string = createHash('sha256').update(JSON.stringify(inputs.rows)).digest('hex');
const { step, pipeline } = getParams();
console.log('params', step, pipeline);
console.log('services', Object.keys(getServices()), getService('redis').internal_hostname);
try {
  getService('postgres');
} catch (e) {
  if (!(e instanceof ServiceNotFound)) throw e;
  console.log('no postgres service, as expected');
}
output(Buffer.from(digest), 'checksum');
