import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');

/** A fresh process: ONNX Runtime's environment and thread pools are per process. */
function run(script: string) {
  const prelude =
    `const fs = require('fs'); const { Reranker } = require(${JSON.stringify(ROOT)});` +
    `const threads = () => fs.readdirSync('/proc/self/task').length;` +
    `const tiny = ${JSON.stringify(fixture('tiny'))}, other = ${JSON.stringify(fixture('tiny-3-labels'))};`;
  const result = spawnSync(process.execPath, ['-e', prelude + script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

// Each reranker has two threads of its own (a tokenizer thread and one inference lane); ORT's
// intra-op workers are what a shared pool must not multiply.
const ENGINE_THREADS = 2;

describe.runIf(process.platform === 'linux')('one ONNX Runtime thread pool for every model', () => {
  it('a second model adds only its engine threads; an explicit `threads` gets a pool of its own', () => {
    const out = run(
      `(async () => { const a = await Reranker.load(tiny); await a.score([['q', 'd']]); const t1 = threads();` +
        ` const b = await Reranker.load(other); await b.score([['q', 'd']]); const t2 = threads();` +
        ` const c = await Reranker.load(tiny, { threads: 2 }); await c.score([['q', 'd']]); const t3 = threads();` +
        ` console.log(JSON.stringify({ second: t2 - t1, own: t3 - t2, pools: [a, b, c].map(r => r.info.threadPool) }));` +
        ` await Promise.all([a.close(), b.close(), c.close()]); })();`,
    );
    expect(out.pools).toEqual(['shared', 'shared', 'session']);
    expect(out.second).toBe(ENGINE_THREADS);
    expect(out.own).toBe(ENGINE_THREADS + 1); // a 2-thread pool: the caller plus one worker
  });

  it("works after onnxruntime-node's JS API created the process's ORT environment (own pools then)", () => {
    const out = run(
      `(async () => { const ort = require('onnxruntime-node');` +
        ` const session = await ort.InferenceSession.create(tiny + '/onnx/model.onnx');` +
        ` const r = await Reranker.load(tiny); const scores = await r.score([['query', 'a document']]);` +
        ` const values = { input_ids: [2n, 3n], attention_mask: [1n, 1n], token_type_ids: [0n, 0n] };` +
        ` const feeds = {}; for (const name of session.inputNames) feeds[name] = new ort.Tensor('int64', BigInt64Array.from(values[name]), [1, 2]);` +
        ` await session.run(feeds);` +
        ` console.log(JSON.stringify({ pool: r.info.threadPool, score: scores[0] })); await r.close(); })();`,
    );
    expect(out.pool).toBe('session');
    expect(out.score).toBeGreaterThan(0);
    expect(out.score).toBeLessThan(1);
  });
});
