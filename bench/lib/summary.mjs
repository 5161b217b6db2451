// From a bench/run.mjs result (the JSON it writes) to the rows, ratios and target checks it
// prints, and to the Markdown tables of Performance.md (bench/report.mjs). No I/O.
import { median, percentile } from './stats.mjs';
import { SYSTEMS as SYSTEM_ORDER } from './systems.mjs';

export const SUBJECT = 'crossrank';
/** Targets of issue 12, checked per row of one run. */
export const TARGETS = Object.freeze({
  vsBestPeer: 1.0,
  vsBestPeerOn: Object.freeze({ rag: 1.15, concurrent: 1.15 }),
  loopOverFloorMs: 2,
  multiModelEfficiency: 0.95,
  multiModelP99Ratio: 2,
  underLoadP99OverAloneP50: 3,
});

/** Position of v in xs for sorting; unknown values last. */
const rankIn = (xs, v) => (xs.includes(v) ? xs.indexOf(v) : xs.length);
const min = (xs) => (xs.length ? Math.min(...xs) : null);
const max = (xs) => (xs.length ? Math.max(...xs) : null);

/**
 * One target check: `higher` says which side of `required` passes; margin (measured - required,
 * sign flipped where lower passes: positive = met) in `unit`.
 */
export function check(target, where, measured, required, { higher, unit }) {
  if (measured == null || required == null || !Number.isFinite(measured)) return { target, where, unit, measured, required, met: null, margin: null };
  const margin = higher ? measured - required : required - measured;
  return { target, where, unit, measured, required, met: margin >= 0, margin };
}
const RATIO = { higher: true, unit: '×' };
const AT_MOST_MS = { higher: false, unit: 'ms' };
const AT_MOST_X = { higher: false, unit: '×' };

/** The GEMM ceiling per precision: the best run of any shape, row count and variant, over all rounds. */
export function ceilings(ceilingRuns) {
  const out = {};
  for (const [precision, runs] of Object.entries(ceilingRuns ?? {})) {
    if (!runs.length) continue;
    const best = runs.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    // per shape/variant/rows: best over rounds, for the JSON and the printed line
    const byKey = {};
    for (const r of runs) {
      const k = `${r.variant} ${r.shape} ${r.rows}`;
      if (!byKey[k] || r.gflops > byKey[k].gflops) byKey[k] = r;
    }
    out[precision] = { gflops: best.gflops, best: { variant: best.variant, shape: best.shape, rows: best.rows }, byShape: Object.values(byKey) };
  }
  return out;
}

/**
 * Throughput rows: one per (precision, workload, system), from its repetitions over all rounds.
 * pairs/s from the best repetition; ort-tuned: the budget whose best repetition is best (the
 * oracle), swept in every round.
 */
export function throughputRows(run, ceiling) {
  const groups = new Map();
  for (const x of run.throughput ?? []) {
    const k = `${x.precision}|${x.workload}|${x.system}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(x);
  }
  const rows = [];
  for (const [k, xs] of groups) {
    const [precision, workload, system] = k.split('|');
    const wl = run.workloads[workload];
    const opened = (run.opened ?? []).find((o) => o.system === system && o.precision === precision && o.workload === workload);
    const errors = xs.filter((x) => x.error);
    const ok = xs.filter((x) => !x.error);
    if (!ok.length) {
      rows.push({ system, precision, workload, error: (errors[0] ?? opened)?.error ?? 'no repetitions' });
      continue;
    }
    const byBudget = {};
    for (const x of ok) for (const [b, ms] of Object.entries(x.perBudget)) (byBudget[b] ??= []).push(...ms);
    const rate = (ms) => wl.pairs / (ms / 1000);
    const sweep = Object.entries(byBudget).map(([b, ms]) => ({ budget: b === 'null' ? null : Number(b), pairsPerSec: rate(min(ms)), pairsPerSecMedian: rate(median(ms)), reps: ms.length }));
    const chosen = sweep.reduce((a, b) => (b.pairsPerSec > a.pairsPerSec ? b : a));
    const gflops = (wl.flopsPerPair * chosen.pairsPerSec) / 1e9;
    const noise = ok.map((x) => x.contention?.otherCores).filter((v) => v != null);
    rows.push({
      system,
      precision,
      workload,
      name: chosen.budget != null ? `${system}@${chosen.budget}` : system,
      budget: chosen.budget,
      sweep: sweep.length > 1 ? sweep : null,
      pairsPerSec: chosen.pairsPerSec,
      pairsPerSecMedian: chosen.pairsPerSecMedian,
      reps: chosen.reps,
      rounds: ok.length,
      gflops,
      pctCeiling: ceiling[precision] ? (100 * gflops) / ceiling[precision].gflops : null,
      loopMaxMs: max(ok.map((x) => x.loopMaxMs)),
      loopP99Ms: max(ok.map((x) => x.loopP99Ms)),
      rssMB: opened?.rssMB ?? null,
      loadMs: opened?.loadMs ?? null,
      paddedTokensPerRep: ok[0].paddedTokensPerRep,
      noise: noise.length ? max(noise) : null,
      deltaLogit: deltaLogit(run, opened),
      errors: errors.length ? errors.map((e) => e.error) : undefined,
    });
  }
  // ratio vs the best peer of the same precision and workload in this run (a peer's own row counts
  // for it: the best peer reads 1.00×)
  for (const r of rows) {
    if (r.error) continue;
    const peers = rows.filter((p) => !p.error && p.precision === r.precision && p.workload === r.workload && p.system !== SUBJECT);
    const best = peers.reduce((a, b) => (a == null || b.pairsPerSec > a.pairsPerSec ? b : a), null);
    r.bestPeer = best ? { name: best.name, pairsPerSec: best.pairsPerSec } : null;
    r.vsBestPeer = best ? r.pairsPerSec / best.pairsPerSec : null;
  }
  const order = (key) => [...new Set((run.throughput ?? []).map((x) => x[key]))];
  const [precisions, workloads] = [order('precision'), order('workload')];
  return rows.sort((a, b) => rankIn(precisions, a.precision) - rankIn(precisions, b.precision) || rankIn(workloads, a.workload) - rankIn(workloads, b.workload) || rankIn(SYSTEM_ORDER, a.system) - rankIn(SYSTEM_ORDER, b.system));
}

/** Largest |logit - ort-naive's| over the first call's scores (same ORT, same file). */
function deltaLogit(run, opened) {
  const ref = (run.opened ?? []).find((o) => o.system === 'ort-naive' && o.precision === opened?.precision && o.workload === opened?.workload);
  if (!opened?.scores || !ref?.scores) return null;
  return Math.max(...opened.scores.map((s, i) => Math.abs(s - ref.scores[i])));
}

/** Entries grouped by (precision, system): one row each from `build(entries without errors)`. */
function perSystem(entries = [], build) {
  const groups = new Map();
  for (const x of entries) {
    const k = `${x.precision}|${x.system}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(x);
  }
  return [...groups]
    .map(([k, xs]) => {
      const [precision, system] = k.split('|');
      const ok = xs.filter((x) => !x.error);
      return ok.length ? { system, precision, rounds: ok.length, ...build(ok) } : { system, precision, error: xs[0].error };
    })
    .sort((a, b) => rankIn(SYSTEM_ORDER, a.system) - rankIn(SYSTEM_ORDER, b.system));
}

const loopOf = (xs, part) => max(xs.map((x) => x[part]?.loopMaxMs).filter((v) => v != null));

/** Latency rows: per system, each statistic from its best round (the least disturbed). */
export function latencyRows(run) {
  return perSystem(run.latency, (ok) => {
    const best = (f) => min(ok.map(f).filter((v) => v != null));
    return {
      smallP50Ms: best((x) => percentile(x.smallMs, 50)),
      smallP99Ms: best((x) => percentile(x.smallMs, 99)),
      largeP50Ms: best((x) => percentile(x.largeMs, 50)),
      largeP99Ms: best((x) => percentile(x.largeMs, 99)),
      underLoadP50Ms: best((x) => percentile(x.underLoadMs, 50)),
      underLoadP99Ms: best((x) => percentile(x.underLoadMs, 99)),
      underLoadCalls: min(ok.map((x) => x.underLoadMs.length)),
      backgroundMs: best((x) => x.backgroundMs),
      loopMaxMs: max([loopOf(ok, 'alone'), loopOf(ok, 'loaded')].filter((v) => v != null)),
    };
  });
}

/**
 * Multi-model rows: per system and round, each model's rate alone (the better of its half- and
 * full-load phases), then both at once:
 * efficiency = (pairs of A / A's rate alone + pairs of B / B's rate alone) / wall time, i.e. the
 * share of "one model at a time" throughput that running both at once keeps (1.0 = no loss);
 * p99 ratio = a model's call p99 with both running / alone with its own callers (half the load).
 * Each column from the best round.
 */
export function multiModelRows(run) {
  return perSystem(run.multimodel, (ok) => {
    const per = ok.map((x) => {
      const rate = (p) => (p ? p.models[0].pairs / (p.wallMs / 1000) : 0);
      // a model's rate alone: the better of half and full load, so that the joint phase is held
      // against the most the model does by itself
      const rA = Math.max(rate(x.aloneA), rate(x.fullA));
      const rB = Math.max(rate(x.aloneB), rate(x.fullB));
      const [a, b] = x.both.models;
      const wall = x.both.wallMs / 1000;
      return {
        rateA: rA,
        rateB: rB,
        aggregate: (a.pairs + b.pairs) / wall,
        efficiency: (a.pairs / rA + b.pairs / rB) / wall,
        p99AloneA: percentile(x.aloneA.models[0].latMs, 99),
        p99AloneB: percentile(x.aloneB.models[0].latMs, 99),
        p99BothA: percentile(a.latMs, 99),
        p99BothB: percentile(b.latMs, 99),
        loopMaxMs: max([x.aloneA, x.aloneB, x.fullA, x.fullB, x.both].filter(Boolean).map((p) => p.loopMaxMs)),
        // other processes' cores in the joint phase minus the least in a phase alone: above ~0.2 the
        // machine got quieter just for the joint phase, and the efficiency reads high
        noiseShift: x.both.contention && x.aloneA.contention
          ? Math.min(...[x.aloneA, x.aloneB, x.fullA, x.fullB].filter((p) => p?.contention).map((p) => p.contention.otherCores)) - x.both.contention.otherCores
          : null,
      };
    });
    const best = (f, pick = max) => pick(per.map(f));
    return {
      rateA: best((p) => p.rateA),
      rateB: best((p) => p.rateB),
      aggregate: best((p) => p.aggregate),
      efficiency: best((p) => p.efficiency),
      p99AloneA: best((p) => p.p99AloneA, min),
      p99AloneB: best((p) => p.p99AloneB, min),
      p99BothA: best((p) => p.p99BothA, min),
      p99BothB: best((p) => p.p99BothB, min),
      p99RatioA: best((p) => p.p99BothA / p.p99AloneA, min),
      p99RatioB: best((p) => p.p99BothB / p.p99AloneB, min),
      loopMaxMs: max(per.map((p) => p.loopMaxMs)),
      noiseShift: max(per.map((p) => p.noiseShift).filter((v) => v != null)),
    };
  });
}

/** Everything the run prints and the report renders. */
export function summarize(run) {
  const ceiling = ceilings(run.ceiling);
  const idle = (run.idle ?? []).filter((x) => !x.error);
  const floorMs = max(idle.map((x) => x.loopMaxMs));
  const floor = { loopMaxMs: floorMs, loopP99Ms: max(idle.map((x) => x.loopP99Ms)), samples: idle.length };
  const rows = throughputRows(run, ceiling);
  const latency = latencyRows(run);
  const multimodel = multiModelRows(run);
  const checks = [];
  const loopLimit = floorMs == null ? null : floorMs + TARGETS.loopOverFloorMs;
  for (const r of rows.filter((x) => x.system === SUBJECT && !x.error)) {
    const where = `${r.precision} ${r.workload}`;
    const required = TARGETS.vsBestPeerOn[r.workload] ?? TARGETS.vsBestPeer;
    checks.push(check(`≥ ${required.toFixed(2)}× best peer`, where, r.vsBestPeer, required, RATIO));
    checks.push(check('loop max ≤ idle floor + 2 ms', where, r.loopMaxMs, loopLimit, AT_MOST_MS));
  }
  for (const r of latency.filter((x) => x.system === SUBJECT && !x.error)) {
    const limit = r.smallP50Ms * TARGETS.underLoadP99OverAloneP50;
    checks.push(check('small-call p99 under a 1,000-doc call ≤ 3× its p50 alone', `${r.precision} latency`, r.underLoadP99Ms, limit, AT_MOST_MS));
    checks.push(check('loop max ≤ idle floor + 2 ms', `${r.precision} latency`, r.loopMaxMs, loopLimit, AT_MOST_MS));
  }
  for (const r of multimodel.filter((x) => x.system === SUBJECT && !x.error)) {
    const where = `${r.precision} multimodel`;
    checks.push(check('two models: aggregate ≥ 0.95× one model alone', where, r.efficiency, TARGETS.multiModelEfficiency, RATIO));
    checks.push(check('model A p99 ≤ 2× alone at half load', where, r.p99RatioA, TARGETS.multiModelP99Ratio, AT_MOST_X));
    checks.push(check('model B p99 ≤ 2× alone at half load', where, r.p99RatioB, TARGETS.multiModelP99Ratio, AT_MOST_X));
    checks.push(check('loop max ≤ idle floor + 2 ms', where, r.loopMaxMs, loopLimit, AT_MOST_MS));
  }
  return { ceiling, floor, rows, latency, multimodel, checks };
}

// ------------------------------------------------------------------ rendering

const fmt = (v, d = 1) => (v == null || !Number.isFinite(v) ? '—' : v.toFixed(d));
const times = (v) => (v == null ? '—' : `${v.toFixed(2)}×`);

function table(header, rows, markdown, leftCols = 3) {
  if (markdown) {
    const sep = header.map((_, i) => (i < leftCols ? '---' : '--:'));
    return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < leftCols ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

function checkCell(c) {
  if (c.met == null) return 'not measured';
  const [d, u] = c.unit === '×' ? [2, '×'] : [1, ' ms'];
  return `${c.met ? 'met' : 'MISSED'}: ${fmt(c.measured, d)}${u} vs ${fmt(c.required, d)}${u}, margin ${c.margin >= 0 ? '+' : ''}${fmt(c.margin, d)}${u}`;
}

/** Text (or Markdown) tables of a summarize() result. */
export function render(s, { markdown = false } = {}) {
  const out = [];
  const bold = (v, on) => (markdown && on ? `**${v}**` : v);
  for (const [p, c] of Object.entries(s.ceiling)) {
    const bestBy = (key) => {
      const m = {};
      for (const r of c.byShape) if (!m[r[key]] || r.gflops > m[r[key]].gflops) m[r[key]] = r;
      return Object.values(m).map((r) => `${r[key]} ${r.gflops.toFixed(0)}`).join(', ');
    };
    const variants = new Set(c.byShape.map((r) => r.variant)).size > 1 ? `; per variant: ${bestBy('variant')}` : '';
    out.push(`GEMM ceiling ${p}: ${c.gflops.toFixed(1)} GFLOP/s (${c.best.variant} ${c.best.shape} at ${c.best.rows} rows); per shape: ${bestBy('shape')}${variants}`);
  }
  out.push(`Idle floor (an idle node process, event-loop delay, worst of ${s.floor.samples} sample(s) of 1–2 s, one per workload): max ${fmt(s.floor.loopMaxMs)} ms, p99 ${fmt(s.floor.loopP99Ms)} ms`);
  out.push('');
  const header = ['system', 'prec', 'workload', 'pairs/s', 'median', '×best peer', 'GFLOP/s', '%ceil', 'loop max ms', 'loop p99 ms', 'RSS MB', 'load ms', 'Δlogit', 'reps', 'noise'];
  const rows = s.rows.map((r) =>
    r.error
      ? [r.system, r.precision, r.workload, 'error', '', '', '', '', '', '', '', '', '', '', '']
      : [
          bold(r.name, r.system === SUBJECT), r.precision, r.workload, bold(fmt(r.pairsPerSec), r.system === SUBJECT), fmt(r.pairsPerSecMedian),
          times(r.vsBestPeer), fmt(r.gflops), r.pctCeiling == null ? '—' : `${r.pctCeiling.toFixed(0)}%`,
          fmt(r.loopMaxMs), fmt(r.loopP99Ms), fmt(r.rssMB, 0), fmt(r.loadMs, 0),
          r.deltaLogit == null ? '—' : r.deltaLogit.toExponential(0), `${r.reps}/${r.rounds}`, fmt(r.noise, 2),
        ],
  );
  if (rows.length) out.push(table(header, rows, markdown), '');
  const sweeps = s.rows.filter((r) => r.sweep);
  for (const r of sweeps) out.push(`${markdown ? '- ' : ''}ort-tuned sweep ${r.precision} ${r.workload}: ${r.sweep.map((b) => `${b.budget}:${b.pairsPerSec.toFixed(1)}`).join(' ')} (best repetition, pairs/s)`);
  if (sweeps.length) out.push('');
  if (s.latency.length) {
    const lh = ['system', 'prec', '×20 p50 ms', '×20 p99 ms', '×100 p50 ms', '×100 p99 ms', 'under load p50 ms', 'under load p99 ms', 'calls under load', '1,000-doc call ms', 'loop max ms'];
    const lr = s.latency.map((r) =>
      r.error
        ? [r.system, r.precision, 'error', '', '', '', '', '', '', '', '']
        : [bold(r.system, r.system === SUBJECT), r.precision, fmt(r.smallP50Ms, 0), fmt(r.smallP99Ms, 0), fmt(r.largeP50Ms, 0), fmt(r.largeP99Ms, 0), fmt(r.underLoadP50Ms, 0), fmt(r.underLoadP99Ms, 0), r.underLoadCalls, fmt(r.backgroundMs, 0), fmt(r.loopMaxMs)],
    );
    out.push(table(lh, lr, markdown, 2), '');
  }
  if (s.multimodel.length) {
    const mh = ['system', 'prec', 'A alone pairs/s', 'B alone pairs/s', 'both pairs/s', 'efficiency', 'A p99 alone/both ms', 'B p99 alone/both ms', 'A p99 ×', 'B p99 ×', 'loop max ms', 'noise shift'];
    const mr = s.multimodel.map((r) =>
      r.error
        ? [r.system, r.precision, 'error', '', '', '', '', '', '', '', '', '']
        : [bold(r.system, r.system === SUBJECT), r.precision, fmt(r.rateA), fmt(r.rateB), fmt(r.aggregate), times(r.efficiency), `${fmt(r.p99AloneA, 0)} / ${fmt(r.p99BothA, 0)}`, `${fmt(r.p99AloneB, 0)} / ${fmt(r.p99BothB, 0)}`, times(r.p99RatioA), times(r.p99RatioB), fmt(r.loopMaxMs), fmt(r.noiseShift, 2)],
    );
    out.push(table(mh, mr, markdown, 2), '');
  }
  if (s.checks.length) {
    out.push(table(['target', 'row', 'result'], s.checks.map((c) => [c.target, c.where, checkCell(c)]), markdown, 3));
    const missed = s.checks.filter((c) => c.met === false).length;
    out.push('', `${s.checks.filter((c) => c.met).length} of ${s.checks.length} target checks met, ${missed} missed${s.checks.some((c) => c.met == null) ? ', some not measured' : ''}.`);
  }
  return out.join('\n');
}
