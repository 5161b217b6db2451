// Load run of `crossrank serve`: autocannon posts the same TEI /rerank request over 1, 8 and 64
// connections for a bounded time each, then the in-process library does the same work with as many
// concurrent rerank() loops. Both use the MiniLM-L6-shaped model and the same threads.
//   node bench/serve.mjs [--seconds 8] [--docs 20] [--connections 1,8,64] [--threads 2] [--model DIR] [--json FILE]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import autocannon from 'autocannon';

import { ragSet } from './lib/corpus.mjs';
import { ensureModels, REPO_ROOT } from './lib/models.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    docs: { type: 'string', default: '20' },
    connections: { type: 'string', default: '1,8,64' },
    threads: { type: 'string', default: '2' },
    model: { type: 'string' },
    json: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const connections = values.connections.split(',').map(Number);
const threads = Number(values.threads);
const model = values.model ?? (await ensureModels()).dir;
// 20 passages of 30-120 words: a RAG rerank of the first page of candidates.
const { query, docs } = ragSet(7, Number(values.docs), 30, 120);
const body = JSON.stringify({ query, texts: docs });

async function startServer() {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'crossrank.js'), 'serve', '--model', model, '--port', '0', '--host', '127.0.0.1',
      '--threads', String(threads), '--max-concurrent-requests', '100000', '--json-output'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      for (const line of stderr.split('\n')) {
        if (line.startsWith('{') && JSON.parse(line).msg === 'ready') resolve(JSON.parse(line).url);
      }
    });
    child.on('exit', (code) => reject(new Error(`crossrank serve exited (${code}):\n${stderr}`)));
  });
  child.stderr.removeAllListeners('data');
  child.stderr.resume();
  return { child, url };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function httpRow(url, c) {
  const result = await autocannon({
    url: `${url}/rerank`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: c,
    duration: seconds,
    // At 64 connections one round of requests can take longer than autocannon's 10 s default.
    timeout: 300,
  });
  if (result.non2xx > 0 || result.errors > 0) console.error(`${result.non2xx} non-2xx answers, ${result.errors} errors at ${c} connections`);
  const rps = result.requests.total / (result.duration || seconds);
  const done = result.requests.total > 0;
  return { system: 'http', concurrency: c, rps, p50: done ? result.latency.p50 : undefined, p99: done ? result.latency.p99 : undefined, pairsPerS: rps * docs.length };
}

async function libraryRow(reranker, c) {
  const latencies = [];
  // Like autocannon: the row ends at `seconds`; calls still pending then are aborted, not counted.
  const stop = AbortSignal.timeout(seconds * 1000);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (!stop.aborted) {
        const t = performance.now();
        try {
          await reranker.rerank(query, docs, { signal: stop });
        } catch (error) {
          if (stop.aborted) return;
          throw error;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const rps = latencies.length / elapsed;
  return { system: 'library', concurrency: c, rps, p50: percentile(latencies, 50), p99: percentile(latencies, 99), pairsPerS: rps * docs.length };
}

const rows = [];
const { child, url } = await startServer();
try {
  await fetch(`${url}/rerank`, { method: 'POST', body }); // warm-up
  for (const c of connections) {
    rows.push(await httpRow(url, c));
    console.error(`http c=${c} done`);
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
}

const { Reranker } = await import(path.join(REPO_ROOT, 'dist', 'index.js'));
const reranker = await Reranker.load(model, { threads });
try {
  await reranker.rerank(query, docs); // warm-up
  for (const c of connections) {
    rows.push(await libraryRow(reranker, c));
    console.error(`library c=${c} done`);
  }
} finally {
  await reranker.close();
}

// A row where no request finished in time has no latency to report.
const f = (n, d = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));
console.log(`\n${docs.length} passages of 30-120 words per request, ${seconds} s per row, ${threads} ORT threads\n`);
console.log('| system | concurrency | requests/s | p50 ms | p99 ms | pairs/s |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.system} | ${r.concurrency} | ${f(r.rps)} | ${f(r.p50, 0)} | ${f(r.p99, 0)} | ${f(r.pairsPerS, 0)} |`);
if (values.json) fs.writeFileSync(values.json, JSON.stringify({ seconds, docs: docs.length, threads, rows }, null, 2));
