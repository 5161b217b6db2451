import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');

/** Runs a script against the package in a fresh process: lifetimes at exit can only be seen from outside. */
function run(script: string, args: string[] = []) {
  const prelude =
    `const { Reranker } = require(${JSON.stringify(ROOT)});` +
    `const model = ${JSON.stringify(fixture('medium'))};` +
    `const docs = Array.from({ length: 100 }, (_, i) => 'passage ' + i + ' about node and search '.repeat(1 + (i % 20)));`;
  return spawnSync(process.execPath, [...args, '-e', prelude + script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('process and object lifetimes', () => {
  it('survives the reranker being garbage collected while close() is in flight', () => {
    const result = run(
      // cycle() returns while close() is in flight and nothing references the reranker any more.
      `async function cycle() { const r = await Reranker.load(model);` +
        `  await r.score(docs.slice(0, 5).map(d => ['q', d])); return r.close(); }` +
        `(async () => { for (let i = 0; i < 15; i++) { const closing = cycle(); global.gc(); await closing; global.gc(); }` +
        `  console.log('ok'); })();`,
      ['--expose-gc'],
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('ok');
  });

  it('survives a reranker dropped without close() and collected', () => {
    const result = run(
      `(async () => { for (let i = 0; i < 10; i++) { let r = await Reranker.load(model);` +
        `  await r.score(docs.slice(0, 10).map(d => ['q', d])); r = null; global.gc(); await new Promise(s => setTimeout(s, 10)); }` +
        `  console.log('ok'); })();`,
      ['--expose-gc'],
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('ok');
  });

  it('keeps the process alive until pending calls settle, then lets it exit without close()', () => {
    const result = run(`Reranker.load(model).then(r => r.rerank('q', docs)).then(res => console.log(res.length));`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('100');
  });

  it('exits cleanly when process.exit() interrupts a call in flight', () => {
    const result = run(
      `Reranker.load(model).then(r => { r.rerank('q', docs).catch(() => {}); setTimeout(() => process.exit(7), 50); });`,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(7);
  });

  it('an idle loaded reranker does not keep the process alive', () => {
    const result = run(`Reranker.load(model).then(() => console.log('loaded'));`);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('loaded');
  });
});
