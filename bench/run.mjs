#!/usr/bin/env node
// crossrank benchmark: crossrank vs onnxruntime-node + HF tokenizers (naive and tuned) vs
// transformers.js, on the same MiniLM-L6-shaped model and the same texts, each system in its own
// child process, one after the other. See Performance.md.
//
//   node bench/run.mjs [--quick] [--workloads rag,fixed128] [--systems crossrank,ort-naive,...]
//                      [--precision fp32,int8] [--threads 2] [--reps N] [--seconds S] [--no-gemm]
//                      [--crossrank-budget N] [--wait-idle S] [--json FILE]
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { buildWorkloads, WORKLOADS } from './lib/corpus.mjs';
import { ensureModels, modelDims, pairFlops, gemmParams, REPO_ROOT } from './lib/models.mjs';
import { SYSTEMS } from './lib/systems.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(REPO_ROOT, 'package.json'));

// ------------------------------------------------------------------ args

function parseArgs(argv) {
  const o = { quick: false, workloads: WORKLOADS, systems: SYSTEMS, precision: ['fp32', 'int8'], threads: 2, gemm: true, waitIdle: 120 };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const key = a.split('=')[0];
    if (key === '--quick') o.quick = true;
    else if (key === '--workloads' || key === '--workload') o.workloads = list(val());
    else if (key === '--systems' || key === '--system') o.systems = list(val());
    else if (key === '--precision') o.precision = list(val());
    else if (key === '--threads') o.threads = Number(val());
    else if (key === '--reps') o.reps = Number(val());
    else if (key === '--seconds') o.seconds = Number(val());
    else if (key === '--crossrank-budget') o.crossrankBudget = Number(val());
    else if (key === '--no-gemm') o.gemm = false;
    else if (key === '--wait-idle') o.waitIdle = Number(val());
    else if (key === '--json') o.json = val();
    else if (key === '--help' || key === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 8).join('\n').replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const w of o.workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w} (have: ${WORKLOADS.join(', ')})`);
  for (const s of o.systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (have: ${SYSTEMS.join(', ')})`);
  for (const p of o.precision) if (!['fp32', 'int8'].includes(p)) throw new Error(`unknown precision ${p} (have: fp32, int8)`);
  return o;
}

// ------------------------------------------------------------------ child processes

function runChild(task, timeoutMs) {
  return new Promise((resolve) => {
    const child = fork(path.join(HERE, 'worker.mjs'), [], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let msg = null;
    const timer = setTimeout(() => {
      msg = { ok: false, error: `timed out after ${timeoutMs / 1000} s` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (m) => (msg ??= m));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!msg) msg = { ok: false, error: `worker exited (code ${code}, signal ${signal}) ${stderr.trim().split('\n').slice(-5).join(' | ')}` };
      resolve(msg);
    });
    child.send({ task });
  });
}

// ------------------------------------------------------------------ a quiet machine

function busyCores(ms) {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
    } catch {
      return null;
    }
  };
  const a = read();
  const t = performance.now();
  return new Promise((resolve) =>
    setTimeout(() => {
      const b = read();
      resolve(a == null || b == null ? 0 : (b - a) / 100 / ((performance.now() - t) / 1000));
    }, ms),
  );
}

/**
 * Wait until other processes keep less than `threshold` cores busy: at most 30 s per call and
 * `totalSeconds` over the whole run (on a machine that is never quiet, the run goes on and the
 * "noise" column says how loaded it was).
 */
let waitLeft = null;
async function waitIdle(totalSeconds, threshold = 0.3) {
  waitLeft ??= totalSeconds * 1000;
  if (waitLeft <= 0) return null;
  const t0 = performance.now();
  let busy = await busyCores(300);
  let told = false;
  while (busy > threshold && performance.now() - t0 < Math.min(30_000, waitLeft)) {
    if (!told) process.stdout.write(`  (waiting for a quiet machine: ${busy.toFixed(2)} cores busy elsewhere) `);
    told = true;
    busy = await busyCores(1000);
  }
  waitLeft -= performance.now() - t0;
  if (told) process.stdout.write(`${busy <= threshold ? 'ok' : 'gave up'} after ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  return busy;
}

// ------------------------------------------------------------------ formatting

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const ratio = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
function table(rows, header) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 3 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function cpuInfo() {
  const txt = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((txt.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(/\s+/));
  return {
    model: os.cpus()[0]?.model,
    logicalCpus: os.cpus().length,
    avx2: flags.has('avx2'),
    avx512f: flags.has('avx512f'),
    avx512_vnni: flags.has('avx512_vnni'),
    avx_vnni: flags.has('avx_vnni'),
    amx_int8: flags.has('amx_int8'),
  };
}

// ------------------------------------------------------------------ main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const reps = o.quick ? { minReps: 1, maxReps: 1, minSeconds: 0 } : { minReps: 3, maxReps: 10, minSeconds: 3 };
  if (o.reps) Object.assign(reps, { minReps: o.reps, maxReps: Math.max(o.reps, reps.maxReps) });
  if (o.seconds != null) reps.minSeconds = o.seconds;
  const started = new Date();
  const cpu = cpuInfo();
  console.log(`crossrank bench — ${cpu.model}, ${cpu.logicalCpus} logical CPUs, threads=${o.threads}, node ${process.version}${o.quick ? ', --quick' : ''}`);

  const models = await ensureModels({ wantInt8: o.precision.includes('int8') });
  if (models.int8Note) console.log(`note: ${models.int8Note}`);
  const precisions = o.precision.filter((p) => p !== 'int8' || models.int8);
  const dims = modelDims(models.dir);

  // Workloads are built once, here, and handed to every child through one file.
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(path.join(models.dir, 'tokenizer.json'));
  const workloads = await buildWorkloads(tok, o.workloads);
  tok.setTruncation(512);
  const wlInfo = {};
  for (const [name, wl] of Object.entries(workloads)) {
    let tokens = 0;
    let flops = 0;
    let pairs = 0;
    let min = Infinity;
    let max = 0;
    for (const call of wl.calls) {
      for (const [q, d] of call) {
        const t = (await tok.encode(q, d)).getIds().length;
        tokens += t;
        flops += pairFlops(dims, t);
        pairs++;
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    }
    wlInfo[name] = { pairs, calls: wl.calls.length, realTokens: tokens, meanTokens: tokens / pairs, minTokens: min, maxTokens: max, flops, flopsPerPair: flops / pairs };
  }
  const workloadsFile = path.join(os.tmpdir(), `crossrank-bench-workloads-${process.pid}.json`);
  fs.writeFileSync(workloadsFile, JSON.stringify(workloads));
  for (const [n, w] of Object.entries(wlInfo)) {
    console.log(`workload ${n}: ${w.calls} call(s) × ${w.pairs / w.calls} pairs, ${w.minTokens}–${w.maxTokens} tokens/pair (mean ${w.meanTokens.toFixed(0)}), ${(w.flopsPerPair / 1e9).toFixed(2)} GFLOP/pair`);
  }

  // GEMM ceiling through the same ORT, same thread count
  const ceiling = {};
  if (o.gemm) {
    for (const p of precisions) {
      await waitIdle(o.waitIdle);
      const r = await runChild({ kind: 'gemm', precision: p, sizes: o.quick ? [1024] : [1024, 2048], threads: o.threads, minSeconds: o.quick ? 1 : 2 }, 300_000);
      if (r.ok) {
        ceiling[p] = r.result;
        console.log(`GEMM ceiling ${p}: ${r.result.sizes.map((s) => `${s.n}³ ${s.gflops.toFixed(1)} GFLOP/s (other procs ${fmt(s.contention?.otherCores, 2)} cores)`).join(', ')}`);
      } else console.log(`GEMM ceiling ${p}: failed: ${r.error}`);
    }
  }

  const results = [];
  const bestBudget = {};
  for (const precision of precisions) {
    for (const system of o.systems) {
      for (const workload of o.workloads) {
        const task = {
          kind: 'bench', system, precision, workload, workloadsFile, modelDir: models.dir, threads: o.threads, ...reps,
          budget: system === 'ort-tuned' && workload === 'concurrent' ? bestBudget[precision] ?? 512 : undefined,
          crossrank: o.crossrankBudget ? { maxBatchTokens: o.crossrankBudget } : undefined,
        };
        // one repetition of `concurrent` is 800 pairs: one or two are enough
        if (workload === 'concurrent') Object.assign(task, { minReps: 1, maxReps: Math.min(reps.maxReps, 2), minSeconds: Math.min(reps.minSeconds, 10) });
        await waitIdle(o.waitIdle);
        const t0 = performance.now();
        const r = await runChild(task, 600_000);
        const wall = ((performance.now() - t0) / 1000).toFixed(1);
        if (r.ok) {
          const x = r.result;
          if (system === 'ort-tuned' && workload === 'rag') bestBudget[precision] = x.info.budget;
          // The table uses the best repetition (least disturbed by other processes); JSON keeps both.
          x.pairsPerSecMedian = x.pairsPerSec;
          x.pairsPerSec = x.pairsPerRep / (Math.min(...x.repMs) / 1000);
          x.gflops = (wlInfo[workload].flopsPerPair * x.pairsPerSec) / 1e9;
          x.pctCeiling = ceiling[precision] ? (100 * x.gflops) / ceiling[precision].gflops : null;
          results.push(x);
          const extra = x.sweep ? ` (budget ${x.info.budget}; sweep ${x.sweep.map((s) => `${s.budget}:${s.pairsPerSec.toFixed(0)}`).join(' ')})` : '';
          console.log(`  ${precision} ${system.padEnd(14)} ${workload.padEnd(10)} ${fmt(x.pairsPerSec)} pairs/s (median ${fmt(x.pairsPerSecMedian)}, ${x.reps} reps), loop max ${fmt(x.loopMaxMs)} ms, RSS ${fmt(x.rssMB, 0)} MB, load ${fmt(x.loadMs, 0)} ms, other procs ${fmt(x.contention?.otherCores, 2)} cores [${wall} s]${extra}`);
        } else {
          results.push({ system, precision, workload, error: r.error });
          console.log(`  ${precision} ${system.padEnd(14)} ${workload.padEnd(10)} FAILED: ${r.error.split('\n')[0]} [${wall} s]`);
        }
      }
    }
  }
  fs.rmSync(workloadsFile, { force: true });

  // score agreement with ort-naive (same ORT, same file): max |logit difference|
  for (const x of results) {
    const ref = results.find((r) => r.system === 'ort-naive' && r.precision === x.precision && r.workload === x.workload && r.scores);
    if (ref && x.scores) x.maxAbsDiffVsOrtNaive = Math.max(...x.scores.map((s, i) => Math.abs(s - ref.scores[i])));
  }

  // table
  const get = (s, p, w) => results.find((r) => r.system === s && r.precision === p && r.workload === w && !r.error);
  const header = ['system', 'prec', 'workload', 'pairs/s', '×tjs', '×naive', '×tuned', 'GFLOP/s', '%ceil', 'loop max ms', 'loop p99 ms', 'RSS MB', 'load ms', 'Δlogit', 'noise'];
  const rows = [];
  for (const p of precisions) {
    for (const w of o.workloads) {
      for (const s of o.systems) {
        const x = results.find((r) => r.system === s && r.precision === p && r.workload === w);
        if (!x) continue;
        if (x.error) {
          rows.push([s, p, w, 'error', '', '', '', '', '', '', '', '', '', '', '']);
          continue;
        }
        const name = s === 'ort-tuned' ? `${s}@${x.info.budget}` : s;
        rows.push([
          name, p, w, fmt(x.pairsPerSec),
          ratio(x.pairsPerSec, get('transformersjs', p, w)?.pairsPerSec),
          ratio(x.pairsPerSec, get('ort-naive', p, w)?.pairsPerSec),
          ratio(x.pairsPerSec, get('ort-tuned', p, w)?.pairsPerSec),
          fmt(x.gflops), x.pctCeiling == null ? '—' : `${x.pctCeiling.toFixed(0)}%`,
          fmt(x.loopMaxMs), fmt(x.loopP99Ms), fmt(x.rssMB, 0), fmt(x.loadMs, 0),
          x.maxAbsDiffVsOrtNaive == null ? '—' : x.maxAbsDiffVsOrtNaive.toExponential(0),
          fmt(x.contention?.otherCores, 2),
        ]);
      }
    }
  }
  console.log('');
  console.log(table(rows, header));
  const noisy = results.filter((r) => r.contention?.otherCores > 0.25);
  if (noisy.length) console.log(`warning: other processes kept >0.25 cores busy during ${noisy.length} row(s) (column "noise"): those numbers are low; rerun on an idle machine`);
  const errs = results.filter((r) => r.error);
  for (const e of errs) console.log(`error ${e.precision} ${e.system} ${e.workload}: ${e.error.split('\n').slice(0, 3).join(' | ')}`);

  const out = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    args: process.argv.slice(2),
    host: { ...cpu, node: process.version, platform: `${os.platform()} ${os.release()}`, totalMemMB: Math.round(os.totalmem() / 2 ** 20) },
    versions: {
      onnxruntimeNode: require('onnxruntime-node/package.json').version,
      tokenizers: require('tokenizers/package.json').version,
      transformersjs: (() => {
        try {
          return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', '@huggingface', 'transformers', 'package.json'), 'utf8')).version;
        } catch {
          return null;
        }
      })(),
      crossrank: require(path.join(REPO_ROOT, 'package.json')).version,
    },
    threads: o.threads,
    reps,
    model: { dir: path.relative(REPO_ROOT, models.dir), dims, gemmParams: gemmParams(dims), parameterCount: models.parameterCount, int8: models.int8 ? path.relative(REPO_ROOT, models.int8) : null, int8Note: models.int8Note },
    workloads: wlInfo,
    ceiling,
    results: results.map(({ scores, ...r }) => r),
  };
  const file = o.json ?? path.join(REPO_ROOT, 'bench', 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
