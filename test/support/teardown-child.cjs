// Runs in its own process (an abort must fail the test, not kill the runner): starts workers that load
// crossrank and end in the way named by each mode while calls are in flight, scoring on the main thread
// meanwhile, and prints "survived" when the main thread's scores never changed and the workers left no
// native object behind.
//   node teardown-child.cjs PACKAGE_ROOT MODEL_DIR WORKERS MODE[,MODE...]
'use strict';

const { Worker } = require('node:worker_threads');

const [root, model, count, modeList] = process.argv.slice(2);
const modes = modeList.split(',');

// The worker's side. Each mode leaves work in flight when the worker ends:
//   terminate: large rerank() calls queued and being submitted, then worker.terminate() from the main thread
//   exit:      the same calls, then process.exit() inside the worker
//   throw:     the same calls, then an uncaught exception inside the worker
//   load:      worker.terminate() while Reranker.load() is running
//   close:     close() in flight with a call pending, then worker.terminate()
//   normal:    every call awaited and close()d: the worker ends on its own
const workerCode = `
  const { parentPort, workerData } = require('node:worker_threads');
  const { Reranker } = require(workerData.root);
  const docs = Array.from({ length: 64 }, (_, i) => 'document number ' + i + ' words');
  const big = docs.concat(docs, docs, docs);
  (async () => {
    const mode = workerData.mode;
    if (mode === 'load') {
      const loading = Reranker.load(workerData.model);
      parentPort.postMessage('ready');
      await loading;
      return;
    }
    const r = await Reranker.load(workerData.model);
    await r.rerank('query', docs);
    if (mode === 'close') {
      r.rerank('q', big).catch(() => {});
      r.close();
      parentPort.postMessage('ready');
      return;
    }
    // Calls already inside the engine, then more submitted while the end arrives (terminate() lands
    // while the JS thread is copying their strings).
    const calls = Array.from({ length: 4 }, () => r.rerank('q', big).catch(() => {}));
    parentPort.postMessage('ready');
    for (let k = 0; k < 4; k++) calls.push(r.rerank('q', big).catch(() => {}));
    if (mode === 'exit') process.exit(3);
    if (mode === 'throw') setImmediate(() => { throw new Error('uncaught in worker'); });
    if (mode === 'normal') { await Promise.all(calls); await r.close(); }
  })();`;

const TERMINATED = new Set(['terminate', 'load', 'close']);

(async () => {
  const { Reranker } = require(root);
  const main = await Reranker.load(model);
  const pairs = Array.from({ length: 32 }, (_, i) => ['query', 'main thread document ' + i]);
  const expected = await main.score(pairs);
  for (let i = 0; i < Number(count); i++) {
    const mode = modes[i % modes.length];
    const worker = new Worker(workerCode, { eval: true, workerData: { root, model, mode } });
    worker.on('error', (error) => {
      if (mode !== 'throw') throw error;
    });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await new Promise((resolve) => worker.once('message', resolve));
    const during = main.score(pairs);
    if (TERMINATED.has(mode)) await worker.terminate();
    await exited;
    const got = await during;
    for (let k = 0; k < expected.length; k++) {
      if (got[k] !== expected[k]) throw new Error(`main-thread score ${k} changed after a '${mode}' worker ended`);
    }
  }
  const after = await main.score(pairs);
  if (after.some((score, k) => score !== expected[k])) throw new Error('main-thread scores changed at the end');
  // Every worker's rerankers, engines, sessions and calls are gone: only the main thread's remain.
  const live = require('node-gyp-build')(root).liveObjects();
  const leaked = ['engines', 'sessions', 'rerankers'].filter((kind) => live[kind] !== 1);
  if (leaked.length || live.requests !== 0) throw new Error('native objects left behind: ' + JSON.stringify(live));
  await main.close();
  console.log('survived');
})();
