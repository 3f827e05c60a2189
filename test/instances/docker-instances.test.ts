import { PYTHON_IMAGE, dockerTestContext } from '../helpers/docker-test-context.ts';
import { instanceConformance } from './instance-conformance.ts';

const ECHO = `import socketserver, sys
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
print("listening on", sys.argv[1], flush=True)
socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[1])), Echo).serve_forever()`;

const ctx = await dockerTestContext('instances on the docker runtime');
if (ctx.available) {
  instanceConformance({
    runtime: 'docker',
    // An image with sh and python3 (scripts/build-test-images.sh).
    image: PYTHON_IMAGE,
    echoServer: (_box, port) => ['python3', '-c', ECHO, String(port)],
    shell: (script) => ['/bin/sh', '-c', script, 'sh'],
    binds: true,
    hostPids: false,
    sandboxFlags: (box) => ['--bind', box.root],
  });
}
