// Stops, with one clear message, when this Node.js is older than Berth needs. Plain CommonJS with
// `var` on purpose: any Node.js runs it, so an old one prints this instead of a syntax or import error.
// Loaded first by bin/berth.js, and run by npm before install's build (prepare) and before `npm test`.
'use strict';
var found = process.versions.node;
if (Number(found.split('.')[0]) < 24) {
  process.stderr.write(
    'Berth needs Node.js 24 or newer, found ' + found + ' (' + process.execPath + ').\n' +
      'Get it from https://nodejs.org/en/download, or with a version manager (nvm install 24, fnm install 24,\n' +
      'volta install node@24); in a clone, `source scripts/ensure-node24.sh` fetches it for this shell.\n',
  );
  process.exit(1);
}
