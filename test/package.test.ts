import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');
const PREBUILDS = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);

function node(script: string, env: NodeJS.ProcessEnv = {}, type: 'commonjs' | 'module' = 'commonjs') {
  const args = type === 'module' ? ['--input-type=module', '-e', script] : ['-e', script];
  return spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('the installed package', () => {
  it('is importable with require() and import, with types', () => {
    const tokenizerPath = JSON.stringify(path.join(fixture('tiny'), 'tokenizer.json'));
    const cjs = node(
      `const c = require('crossrank'); const t = c.Tokenizer.fromFile(${tokenizerPath});` +
        `console.log(typeof c.Reranker.load, t.encode('hello').ids.length > 0, new c.CrossrankError('CLOSED', 'x').code)`,
    );
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('function true CLOSED');
    const esm = node(
      `import { Reranker, Tokenizer, CrossrankError } from 'crossrank'; ` +
        `console.log(typeof Reranker.load, typeof Tokenizer.fromFile, typeof CrossrankError)`,
      {},
      'module',
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function function function');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(fs.existsSync(path.join(ROOT, pkg.types))).toBe(true);
    expect(fs.readFileSync(path.join(ROOT, pkg.types), 'utf8')).toMatch(/Reranker/);
  });

  it("tells onnxruntime-node's postinstall to skip its CUDA download (.npmrc)", () => {
    const value = execFileSync('npm', ['config', 'get', 'onnxruntime-node-install'], { cwd: ROOT, encoding: 'utf8' });
    expect(value.trim()).toBe('skip');
  });

  it('loads the prebuilt binary from prebuilds/ without build/', () => {
    const binaries = fs.existsSync(PREBUILDS) ? fs.readdirSync(PREBUILDS).filter((f) => f.endsWith('.node')) : [];
    expect(binaries.length, `no prebuilt binary in ${PREBUILDS}; npm install makes one (npm run prebuild)`).toBeGreaterThan(0);
    // PREBUILDS_ONLY makes node-gyp-build ignore build/Release, so this can only load the prebuild.
    const tokenizerPath = JSON.stringify(path.join(fixture('tiny'), 'tokenizer.json'));
    const probe = node(
      `const b = require('node-gyp-build')(${JSON.stringify(ROOT)});` +
        `const t = b.NativeTokenizer.fromFile(${tokenizerPath});` +
        `console.log(require('node-gyp-build').resolve(${JSON.stringify(ROOT)}), t.encode('hello world', null, {}).ids.length)`,
      { PREBUILDS_ONLY: '1' },
    );
    expect(probe.stderr).toBe('');
    const [loaded, count] = probe.stdout.trim().split(' ');
    expect(path.dirname(loaded)).toBe(PREBUILDS);
    expect(Number(count)).toBeGreaterThan(2);
  });
});
