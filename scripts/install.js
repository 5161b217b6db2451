#!/usr/bin/env node
// npm's install step: use a prebuilt binary when one loads on this machine, otherwise compile the
// addon with cmake-js. Set CROSSRANK_BUILD_FROM_SOURCE=1 to always compile.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function prebuildLoads() {
  // A child process, so a broken binary cannot take the installer down with it.
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
    env: { ...process.env, PREBUILDS_ONLY: '1' },
    stdio: 'ignore',
  });
  return probe.status === 0;
}

if (process.env.CROSSRANK_BUILD_FROM_SOURCE !== '1' && prebuildLoads()) {
  console.log('crossrank: using the prebuilt binary for', `${process.platform}-${process.arch}`);
  process.exit(0);
}

console.log('crossrank: no usable prebuilt binary; building from source (needs cmake >= 3.15 and a C++17 compiler)');

function resolveOptional(request) {
  try {
    return require.resolve(request, { paths: [root] });
  } catch {
    return undefined;
  }
}

// In a development checkout prebuildify is installed: build through it, so the one compile leaves both
// build/Release and the prebuilds/ binary that `npm run prebuild` would make. Installed as a dependency,
// compile in place with cmake-js.
const prebuildify = resolveOptional('prebuildify/bin.js');
let args;
if (process.env.CROSSRANK_SANITIZE === '1') {
  args = [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--directory', root, '--debug', '--CDCROSSRANK_SANITIZE=ON'];
} else if (prebuildify) {
  args = [prebuildify, '--napi', '--strip', '--node-gyp', path.join(__dirname, 'prebuildify-cmake.js')];
} else {
  args = [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--directory', root];
}
const build = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
if (build.status !== 0) {
  console.error(
    'crossrank: the native build failed. Install cmake and g++ (Debian: apt-get install cmake g++), or set ' +
      'ORT_INCLUDE_DIR to ONNX Runtime headers if they could not be fetched. See README.md, "Install".',
  );
  process.exit(build.status ?? 1);
}
