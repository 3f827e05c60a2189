import { instanceConformance } from './instance-conformance.ts';

instanceConformance({
  runtime: 'process',
  image: 'host',
  echoServer: (box, port) => [process.execPath, `${box.root}/project/echo-server.mjs`, String(port)],
  shell: (script) => ['/bin/sh', '-c', script, 'sh'],
  binds: false,
  hostPids: true,
  sandboxFlags: () => [],
});
