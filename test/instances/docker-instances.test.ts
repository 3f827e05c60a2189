import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { INSTANCE_RUNTIMES } from '../../src/engine/instances/instance-service.ts';
import { instanceConformance } from './instance-conformance.ts';

/** An image with sh and python3 (built by the Docker driver's tests). */
const IMAGE = 'berth-test/python:1';

const ECHO = `import socketserver, sys
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
print("listening on", sys.argv[1], flush=True)
socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[1])), Echo).serve_forever()`;

function skipReason(): string | false {
  if (!INSTANCE_RUNTIMES.includes('docker')) return 'instances do not run on the docker runtime yet (INSTANCE_RUNTIMES in src/engine/instances/instance-service.ts)';
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 20_000 });
    return false;
  } catch {
    return `Docker or the image ${IMAGE} is not available`;
  }
}

const skip = skipReason();
if (skip) {
  describe('instances on the docker runtime', () => it('runs the instance conformance suite', { skip }, () => {}));
} else {
  instanceConformance({
    runtime: 'docker',
    image: IMAGE,
    echoServer: (_box, port) => ['python3', '-c', ECHO, String(port)],
    shell: (script) => ['/bin/sh', '-c', script, 'sh'],
    binds: true,
    hostPids: false,
  });
}
