// bench/lib/summary.mjs: the rows, ratios and target checks `npm run bench` prints, from a
// synthetic run (no timing is measured here).
import { describe, expect, it } from 'vitest';

import { summarize, check } from '../bench/lib/summary.mjs';

const wl = { pairs: 100, flopsPerPair: 1e9 };
const rep = (system: string, round: number, perBudget: Record<string, number[]>, loopMaxMs = 1) => ({
  system, precision: 'fp32', workload: 'rag', round, perBudget, loopMaxMs, loopP99Ms: 1, contention: { otherCores: 0.1 },
});

function run(extra: Record<string, unknown> = {}) {
  return {
    workloads: { rag: wl },
    ceiling: { fp32: [{ variant: 'fp32', shape: 'ffn-up', rows: 1024, gflops: 150 }, { variant: 'fp32', shape: 'ffn-up', rows: 1024, gflops: 200 }] },
    idle: [{ loopMaxMs: 5 }, { loopMaxMs: 7 }],
    opened: [],
    throughput: [
      rep('crossrank', 0, { null: [1000] }, 8.5),
      rep('crossrank', 1, { null: [900, 950] }, 3),
      rep('ort-naive', 0, { null: [2000] }),
      rep('ort-tuned', 0, { 512: [1200], 1024: [990] }),
      rep('ort-tuned', 1, { 1024: [1000], 512: [950] }),
    ],
    latency: [],
    multimodel: [],
    ...extra,
  };
}

describe('bench summary', () => {
  it('keeps the best repetition over rounds, picks ort-tuned’s best budget, and compares with the best peer', () => {
    const s = summarize(run());
    const cr = s.rows.find((r: { system: string }) => r.system === 'crossrank');
    const tuned = s.rows.find((r: { system: string }) => r.system === 'ort-tuned');
    expect(cr.pairsPerSec).toBeCloseTo(100 / 0.9, 6);
    expect(cr.pairsPerSecMedian).toBeCloseTo(100 / 0.95, 6);
    expect(cr.loopMaxMs).toBe(8.5);
    // 512's best (950 ms, round 2) beats 1024's best (990 ms)
    expect(tuned.name).toBe('ort-tuned@512');
    expect(tuned.pairsPerSec).toBeCloseTo(100 / 0.95, 6);
    expect(tuned.vsBestPeer).toBeCloseTo(1, 9);
    expect(cr.bestPeer.name).toBe('ort-tuned@512');
    expect(cr.vsBestPeer).toBeCloseTo(0.95 / 0.9, 6);
    // the ceiling is the best of its runs
    expect(s.ceiling.fp32.gflops).toBe(200);
    expect(cr.pctCeiling).toBeCloseTo((100 * (100 / 0.9)) / 200, 6);
  });

  it('checks rag against 1.15x and the loop against the worst idle sample + 2 ms, with margins', () => {
    const s = summarize(run());
    const ratio = s.checks.find((c: { target: string }) => c.target.includes('best peer'));
    expect(ratio.required).toBe(1.15);
    expect(ratio.met).toBe(false);
    expect(ratio.margin).toBeCloseTo(0.95 / 0.9 - 1.15, 6);
    const loop = s.checks.find((c: { target: string }) => c.target.startsWith('loop'));
    expect(loop.required).toBe(9);
    expect(loop.met).toBe(true);
    expect(loop.margin).toBeCloseTo(0.5, 9);
  });

  it('measures two models against each alone, and small calls under load against their p50 alone', () => {
    const phase = (wallMs: number, ...models: { pairs: number; latMs: number[] }[]) => ({ wallMs, models, loopMaxMs: 2 });
    const s = summarize(run({
      multimodel: [{
        system: 'crossrank', precision: 'fp32', round: 0,
        aloneA: phase(1000, { pairs: 100, latMs: [10, 20] }),
        aloneB: phase(1000, { pairs: 200, latMs: [5, 10] }),
        // at full load A alone does more (its rate counts), B less (its half-load rate counts)
        fullA: phase(1000, { pairs: 125, latMs: [30] }),
        fullB: phase(1000, { pairs: 150, latMs: [30] }),
        // 50/125 + 100/200 of a second's work alone, done in one second: 0.9; A's p99 doubles, B's triples
        both: phase(1000, { pairs: 50, latMs: [40] }, { pairs: 100, latMs: [30] }),
      }],
      latency: [{
        system: 'crossrank', precision: 'fp32', round: 0,
        smallMs: [90, 100, 110], largeMs: [500], underLoadMs: [200, 350], backgroundMs: 5000,
        alone: { loopMaxMs: 3 }, loaded: { loopMaxMs: 4 },
      }],
    }));
    const m = s.multimodel[0];
    expect(m.rateA).toBeCloseTo(125, 9);
    expect(m.rateB).toBeCloseTo(200, 9);
    expect(m.efficiency).toBeCloseTo(0.9, 9);
    expect(m.aggregate).toBeCloseTo(150, 9);
    expect(m.p99RatioA).toBeCloseTo(2, 9);
    expect(m.p99RatioB).toBeCloseTo(3, 9);
    const byTarget = (t: string) => s.checks.find((c: { target: string }) => c.target.startsWith(t));
    expect(byTarget('two models').met).toBe(false);
    expect(byTarget('two models').margin).toBeCloseTo(-0.05, 9);
    expect(byTarget('model A p99').met).toBe(true);
    expect(byTarget('model B p99').met).toBe(false);
    const under = byTarget('small-call p99');
    expect(under.required).toBe(300);
    expect(under.measured).toBe(350);
    expect(under.margin).toBe(-50);
    expect(s.latency[0].smallP50Ms).toBe(100);
  });

  it('reports a target it could not measure as such, not as met', () => {
    expect(check('x', 'y', null, 1, { higher: true, unit: '×' }).met).toBeNull();
    expect(check('x', 'y', 2, null, { higher: false, unit: 'ms' }).met).toBeNull();
  });
});
