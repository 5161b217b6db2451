#!/usr/bin/env node
// crossrank benchmark: crossrank vs onnxruntime-node + HF tokenizers (naive and tuned) vs
// transformers.js, on the same MiniLM-L6-shaped model and the same texts, each system in its own
// child process. Per workload the systems are loaded once, then run interleaved over rounds in
// rotated order; each row keeps its best repetition. See Performance.md.
//
//   node bench/run.mjs [--quick] [--workloads rag,fixed128,latency,...] [--systems crossrank,ort-naive,...]
//                      [--precision fp32,int8] [--threads N] [--rounds R] [--reps N] [--seconds S]
//                      [--crossrank-budget N] [--no-gemm] [--wait-idle S] [--json FILE]
//
//   --workloads   rag,fixed32,fixed128,fixed256,concurrent (throughput), latency, multimodel (default: all;
//                 --quick: rag,fixed128,latency,multimodel)
//   --systems     crossrank,ort-naive,ort-tuned,transformersjs (default: all)
//   --precision   fp32, int8 or both (default both; latency and multimodel run in the first one only)
//   --threads N   ORT intra-op threads of the peers (default: the physical cores). crossrank uses its
//                 process-wide shared pool unless --threads is given, then a pool of N of its own.
//   --rounds R    interleaved rounds per workload (default 2, --quick 1)
//   --reps N      minimum repetitions per system and round (default 1); --seconds S: and at least
//                 S s of them (default 2, --quick 0); at most 5 (--quick 1)
//   --crossrank-budget N   crossrank's maxBatchTokens (default: crossrank's own choice)
//   --no-gemm     skip the GEMM ceiling
//   --wait-idle S before each measurement wait (up to 30 s each, S s in all; default 120, --quick 20)
//                 until other processes use less than 0.3 cores
//   --json FILE   where to write the results (default bench/results/<timestamp>.json)
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { buildWorkloads, WORKLOADS, THROUGHPUT_WORKLOADS } from './lib/corpus.mjs';
import { ensureModels, modelDims, pairFlops, gemmParams, REPO_ROOT, SECOND_MODEL_NAME } from './lib/models.mjs';
import { SYSTEMS, TUNED_BUDGETS } from './lib/systems.mjs';
import { summarize, render, throughputRows } from './lib/summary.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(REPO_ROOT, 'package.json'));

const QUICK_WORKLOADS = ['rag', 'fixed128', 'latency', 'multimodel'];
/** ort-tuned's budgets on `concurrent`: the best of these many from its `rag` sweep (800 pairs a repetition). */
const CONCURRENT_BUDGETS = 2;
const CEILING_ROWS = { full: [256, 512, 1024, 2048, 4096], quick: [512, 2048] };

// ------------------------------------------------------------------ args

function physicalCores() {
  try {
    const txt = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set(txt.split('\n\n').filter(Boolean).map((b) => `${b.match(/^physical id\s*:\s*(\d+)/m)?.[1]}:${b.match(/^core id\s*:\s*(\d+)/m)?.[1]}`));
    if (cores.size > 0 && ![...cores].some((c) => c.includes('undefined'))) return cores.size;
  } catch {
    // not Linux: fall through
  }
  return os.cpus().length;
}

function parseArgs(argv) {
  const o = { quick: false, systems: SYSTEMS, precision: ['fp32', 'int8'], gemm: true };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (name) => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
      return v;
    };
    const key = a.split('=')[0];
    if (key === '--quick') o.quick = true;
    else if (key === '--workloads' || key === '--workload') o.workloads = list(val());
    else if (key === '--systems' || key === '--system') o.systems = list(val());
    else if (key === '--precision') o.precision = list(val());
    else if (key === '--threads') o.threads = num(key);
    else if (key === '--rounds') o.rounds = Math.max(1, num(key));
    else if (key === '--reps') o.reps = Math.max(1, num(key));
    else if (key === '--seconds') o.seconds = num(key);
    else if (key === '--crossrank-budget') o.crossrankBudget = num(key);
    else if (key === '--no-gemm') o.gemm = false;
    else if (key === '--wait-idle') o.waitIdle = num(key);
    else if (key === '--json') o.json = val();
    else if (key === '--help' || key === '-h') {
      const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
      console.log(lines.slice(1, lines.findIndex((l) => l.startsWith('import'))).join('\n').replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  o.workloads ??= o.quick ? QUICK_WORKLOADS : WORKLOADS;
  o.rounds ??= o.quick ? 1 : 2;
  o.perRound = { minReps: o.reps ?? 1, maxReps: Math.max(o.reps ?? 1, o.quick ? 1 : 5), minSeconds: o.seconds ?? (o.quick ? 0 : 2) };
  o.waitIdle ??= o.quick ? 20 : 120;
  o.peerThreads = o.threads ?? physicalCores();
  for (const w of o.workloads) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w} (have: ${WORKLOADS.join(', ')})`);
  for (const s of o.systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (have: ${SYSTEMS.join(', ')})`);
  for (const p of o.precision) if (!['fp32', 'int8'].includes(p)) throw new Error(`unknown precision ${p} (have: fp32, int8)`);
  return o;
}

// ------------------------------------------------------------------ child processes

/** A forked bench/worker.mjs, answering one request at a time. */
class Worker {
  constructor() {
    this.child = fork(path.join(HERE, 'worker.mjs'), [], {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4' },
    });
    this.stderr = '';
    this.child.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.pending = null;
    this.exited = false;
    this.child.on('message', (m) => this.pending?.resolve(m));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.pending?.resolve({ ok: false, error: `worker exited (code ${code}, signal ${signal}) ${this.stderr.trim().split('\n').slice(-5).join(' | ')}` });
    });
  }

  /** Resolves to the worker's result; rejects with its error (and then the worker is gone). */
  request(msg, timeoutMs = 600_000) {
    if (this.exited) return Promise.reject(new Error('worker already exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        this.pending?.resolve({ ok: false, error: `timed out after ${timeoutMs / 1000} s` });
      }, timeoutMs);
      this.pending = {
        resolve: (m) => {
          clearTimeout(timer);
          this.pending = null;
          if (m.ok) resolve(m.result);
          else reject(new Error(m.error));
        },
      };
      this.child.send(msg);
    });
  }

  kill() {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** One request in a fresh process that exits after answering. */
const oneShot = (msg, timeoutMs) => new Worker().request(msg, timeoutMs);

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
  if (waitLeft <= 0) return;
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
}

// ------------------------------------------------------------------ host

function cpuInfo() {
  const txt = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = new Set((txt.match(/^flags\s*:\s*(.*)$/m)?.[1] ?? '').split(/\s+/));
  return {
    model: os.cpus()[0]?.model,
    logicalCpus: os.cpus().length,
    physicalCores: physicalCores(),
    avx2: flags.has('avx2'),
    avx512f: flags.has('avx512f'),
    avx512_vnni: flags.has('avx512_vnni'),
    avx_vnni: flags.has('avx_vnni'),
    amx_int8: flags.has('amx_int8'),
  };
}

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const secs = (t0) => ((performance.now() - t0) / 1000).toFixed(1);

// ------------------------------------------------------------------ main

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench/run.mjs: ${e.message} (--help lists the options)`);
    process.exit(2);
  }
  const started = new Date();
  const cpu = cpuInfo();
  console.log(`crossrank bench — ${cpu.model}, ${cpu.logicalCpus} logical CPUs (${cpu.physicalCores} cores), peers' threads=${o.peerThreads}, crossrank threads=${o.threads ?? 'shared pool'}, node ${process.version}${o.quick ? ', --quick' : ''}`);
  console.log(`${o.rounds} interleaved round(s) per workload; per system and round ${o.perRound.minReps}–${o.perRound.maxReps} repetition(s), at least ${o.perRound.minSeconds} s`);

  const wantsMulti = o.workloads.includes('multimodel');
  const models = await ensureModels({ second: wantsMulti });
  const precisions = o.precision.filter((p) => p !== 'int8' || models.int8);
  if (precisions.length < o.precision.length) console.log('note: the generator wrote no int8 variant: int8 rows skipped');
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
    const extra = name === 'latency' ? ` (+ ${wl.large.length} calls × ${wl.large[0].length}, background call × ${wl.background.length})` : '';
    console.log(`workload ${name}: ${wl.calls.length} call(s) × ${pairs / wl.calls.length} pairs${extra}, ${min}–${max} tokens/pair (mean ${(tokens / pairs).toFixed(0)}), ${(flops / pairs / 1e9).toFixed(2)} GFLOP/pair`);
  }
  const workloadsFile = path.join(os.tmpdir(), `crossrank-bench-workloads-${process.pid}.json`);
  fs.writeFileSync(workloadsFile, JSON.stringify(workloads));

  const run = {
    started: started.toISOString(),
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
    threads: { peers: o.peerThreads, crossrank: o.threads ?? 'shared' },
    rounds: o.rounds,
    perRound: o.perRound,
    model: {
      dir: path.relative(REPO_ROOT, models.dir), dims, gemmParams: gemmParams(dims), parameterCount: models.parameterCount,
      int8: models.int8 ? path.relative(REPO_ROOT, models.int8) : null,
      second: models.second ? { name: SECOND_MODEL_NAME, dir: path.relative(REPO_ROOT, models.second.dir), dims: modelDims(models.second.dir), parameterCount: models.second.parameterCount } : null,
    },
    workloads: wlInfo,
    ceiling: {},
    idle: [],
    opened: [],
    throughput: [],
    latency: [],
    multimodel: [],
  };

  // Written after every workload too: an interrupted run keeps what it measured (bench/report.mjs reads it).
  const file = o.json ?? path.join(REPO_ROOT, 'bench', 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const save = () => fs.writeFileSync(file, JSON.stringify(run, null, 2) + '\n');

  // -------------------------------------------- GEMM ceiling: half the rounds now, the rest at the end
  const ceilingRound = async (round) => {
    for (const p of precisions) {
      await waitIdle(o.waitIdle);
      const t0 = performance.now();
      try {
        const r = await oneShot({ op: 'gemm', precision: p, dims, rows: o.quick ? CEILING_ROWS.quick : CEILING_ROWS.full, threads: o.peerThreads, minSeconds: o.quick ? 0.2 : 0.5 }, 300_000);
        (run.ceiling[p] ??= []).push(...r.runs.map((x) => ({ ...x, round })));
        const best = r.runs.reduce((a, b) => (b.gflops > a.gflops ? b : a));
        console.log(`GEMM ceiling ${p}, round ${round + 1}: best ${best.gflops.toFixed(1)} GFLOP/s (${best.variant} ${best.shape} × ${best.rows} rows) [${secs(t0)} s]`);
      } catch (e) {
        console.log(`GEMM ceiling ${p}: failed: ${e.message.split('\n')[0]}`);
      }
    }
  };
  const ceilingRounds = o.gemm ? o.rounds : 0;
  for (let r = 0; r < Math.ceil(ceilingRounds / 2); r++) await ceilingRound(r);

  // -------------------------------------------- the workloads, one group (precision, workload) at a time
  const groups = [];
  for (const precision of precisions) for (const workload of o.workloads.filter((w) => THROUGHPUT_WORKLOADS.includes(w))) groups.push({ precision, workload });
  for (const workload of o.workloads.filter((w) => !THROUGHPUT_WORKLOADS.includes(w))) groups.push({ precision: precisions[0], workload });

  const tunedRag = (precision) => throughputRows(run, {}).find((r) => r.system === 'ort-tuned' && r.precision === precision && r.workload === 'rag' && r.sweep);
  const crossrankOptions = o.crossrankBudget ? { maxBatchTokens: o.crossrankBudget } : undefined;

  for (const [gi, { precision, workload }] of groups.entries()) {
    const tag = `${precision} ${workload}`;
    // the floor these rows' event-loop delays are held against, measured next to them
    await waitIdle(o.waitIdle);
    const idle = await oneShot({ op: 'idle', seconds: o.quick ? 1 : 2 }, 60_000).catch((e) => ({ error: e.message }));
    run.idle.push({ precision, workload, ...idle });
    console.log(`${tag}: idle node process: loop max ${fmt(idle.loopMaxMs)} ms, p99 ${fmt(idle.loopP99Ms)} ms`);

    // ort-tuned: every budget where a repetition is cheap; on `concurrent` the best ones from `rag`
    const rag = tunedRag(precision);
    const ranked = rag ? [...rag.sweep].sort((a, b) => b.pairsPerSec - a.pairsPerSec).map((s) => s.budget) : null;
    const tunedBudgets = workload === 'concurrent' ? ranked?.slice(0, CONCURRENT_BUDGETS) ?? TUNED_BUDGETS : TUNED_BUDGETS;
    const fixedTunedBudget = ranked?.[0] ?? 512; // latency, multimodel: one budget, rag's best

    const workers = new Map();
    for (const system of o.systems) {
      const w = new Worker();
      const t0 = performance.now();
      const task = {
        op: 'open', system, precision, workload, workloadsFile, modelDir: models.dir,
        threads: system === 'crossrank' ? o.threads : o.peerThreads,
        crossrank: crossrankOptions,
        secondModelDir: workload === 'multimodel' ? models.second.dir : undefined,
        budget: system === 'ort-tuned' && !THROUGHPUT_WORKLOADS.includes(workload) ? fixedTunedBudget : undefined,
        warmupBudget: system === 'ort-tuned' && THROUGHPUT_WORKLOADS.includes(workload) ? Math.max(...tunedBudgets) : undefined,
      };
      try {
        const r = await w.request(task);
        run.opened.push({ system, precision, workload, ...r });
        workers.set(system, w);
        console.log(`  ${tag} ${system}: loaded in ${fmt(r.loadMs, 0)} ms, warm-up ${fmt(r.warmupMs, 0)} ms [${secs(t0)} s]`);
      } catch (e) {
        run.opened.push({ system, precision, workload, error: e.message });
        console.log(`  ${tag} ${system}: FAILED to load: ${e.message.split('\n')[0]}`);
        w.kill();
      }
    }

    for (let round = 0; round < o.rounds; round++) {
      const order = rotate([...workers.keys()], round + gi);
      for (const system of order) {
        const w = workers.get(system);
        await waitIdle(o.waitIdle);
        const t0 = performance.now();
        const base = { system, precision, workload, round, position: order.indexOf(system) };
        try {
          if (THROUGHPUT_WORKLOADS.includes(workload)) {
            const budgets = system === 'ort-tuned' ? rotate(tunedBudgets, round) : undefined;
            const r = await w.request({ op: 'reps', ...o.perRound, budgets });
            run.throughput.push({ ...base, ...r });
            const perSec = Object.entries(r.perBudget).map(([b, ms]) => `${b === 'null' ? '' : `@${b} `}${fmt(wlInfo[workload].pairs / (Math.min(...ms) / 1000))}`);
            console.log(`  ${tag} round ${round + 1} ${system.padEnd(14)} ${perSec.join(', ')} pairs/s (best of ${Object.values(r.perBudget)[0].length}), loop max ${fmt(r.loopMaxMs)} ms, other procs ${fmt(r.contention?.otherCores, 2)} cores [${secs(t0)} s]`);
          } else if (workload === 'latency') {
            const r = await w.request({ op: 'latency' });
            run.latency.push({ ...base, ...r });
            console.log(`  ${tag} round ${round + 1} ${system.padEnd(14)} ×20 median ${fmt(r.smallMs.slice().sort((a, b) => a - b)[r.smallMs.length >> 1], 0)} ms; under a 1,000-doc call: ${r.underLoadMs.length} calls, max ${fmt(Math.max(...r.underLoadMs), 0)} ms [${secs(t0)} s]`);
          } else {
            const r = await w.request({ op: 'multimodel', callers: 2, seconds: o.quick ? 3 : 6, minCalls: 3, round });
            run.multimodel.push({ ...base, ...r });
            const rate = (p, k = 0) => p.models[k].pairs / (p.wallMs / 1000);
            console.log(`  ${tag} round ${round + 1} ${system.padEnd(14)} A alone ${fmt(rate(r.aloneA))}, B alone ${fmt(rate(r.aloneB))}, both ${fmt(rate(r.both, 0))} + ${fmt(rate(r.both, 1))} pairs/s [${secs(t0)} s]`);
          }
        } catch (e) {
          const entry = { ...base, error: e.message };
          (THROUGHPUT_WORKLOADS.includes(workload) ? run.throughput : workload === 'latency' ? run.latency : run.multimodel).push(entry);
          console.log(`  ${tag} round ${round + 1} ${system}: FAILED: ${e.message.split('\n')[0]}`);
          workers.delete(system);
        }
      }
    }
    for (const [system, w] of workers) {
      const r = await w.request({ op: 'close' }, 60_000).catch((e) => ({ error: e.message }));
      const opened = run.opened.find((x) => x.system === system && x.precision === precision && x.workload === workload);
      opened.rssMB = r.rssMB;
      opened.stats = r.stats;
    }
    save();
  }
  fs.rmSync(workloadsFile, { force: true });
  for (let r = Math.ceil(ceilingRounds / 2); r < ceilingRounds; r++) await ceilingRound(r);
  run.finished = new Date().toISOString();

  save(); // the measurements first, whatever the summary does
  const summary = summarize(run);
  console.log('');
  console.log(render(summary));
  const noisy = summary.rows.filter((r) => r.noise > 0.25);
  if (noisy.length) console.log(`warning: other processes kept >0.25 cores busy during ${noisy.length} row(s) (column "noise"): those numbers are low; rerun on an idle machine`);
  const over = summary.rows.filter((r) => r.pctCeiling > 100);
  if (over.length) console.log(`warning: ${over.length} row(s) read above 100% of the GEMM ceiling: the ceiling is not an upper bound here`);

  fs.writeFileSync(file, JSON.stringify({ ...run, summary }, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file)} [${((Date.now() - started.getTime()) / 60000).toFixed(1)} min]`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
