#!/usr/bin/env node
// prebuildify knows only node-gyp; it runs this in its place (`--node-gyp`) with node-gyp's arguments.
// Node-API binaries don't depend on the Node version, so only --debug/--release matter here; cmake-js
// leaves build/Release/crossrank.node where prebuildify collects it.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const debug = process.argv.includes('--debug');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const root = path.join(__dirname, '..');
const args = [cmakeJs, 'rebuild', '--directory', root];
if (debug) args.push('--debug');
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
