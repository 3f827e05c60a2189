#!/usr/bin/env node
// `node bin/berth.ts` keeps working; the `berth` command (package.json "bin") is berth.js, which
// starts faster (see there).
import './berth.js';
