import { describe, expect, it } from 'vitest';

import type { NativeCostModel } from '../binding';
import { native } from '../lib/binding';

// The real planner (native/engine/batch_planner.cc) on synthetic cost models, through the addon's
// internal planBatches export: no session, no timing.

type Batch = Array<[number, number]>;

const predict = (m: NativeCostModel, rows: number, length: number): number =>
  m.perBatchMs + m.perRowMs * rows + m.perTokenMs * rows * length + m.perAttentionMs * rows * length * length;

/** Every batch's rows and longest pair, and the total time the model predicts for them. */
function shapes(batches: Batch[], calls: number[][]): Array<{ rows: number; longest: number; lengths: number[] }> {
  return batches.map((batch) => {
    const lengths = batch.map(([call, index]) => calls[call][index]);
    return { rows: batch.length, longest: Math.max(...lengths), lengths: [...lengths].sort((a, b) => a - b) };
  });
}

function predictedTotal(model: NativeCostModel, batches: Batch[], calls: number[][]): number {
  return shapes(batches, calls).reduce((sum, s) => sum + predict(model, s.rows, s.longest), 0);
}

/** Each pair of each call is in exactly one batch. */
function expectEveryPairOnce(batches: Batch[], calls: number[][]): void {
  const seen = batches.flat().map(([call, index]) => `${call}:${index}`);
  const expected = calls.flatMap((lengths, call) => lengths.map((_, index) => `${call}:${index}`));
  expect([...seen].sort()).toEqual([...expected].sort());
}

/** The least predicted time over every split of the sorted lengths into consecutive batches of at most maxRows. */
function bruteForceBest(model: NativeCostModel, lengths: number[], maxRows: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  const best = (start: number): number => {
    if (start === sorted.length) return 0;
    let least = Infinity;
    for (let rows = 1; rows <= maxRows && start + rows <= sorted.length; rows++) {
      least = Math.min(least, predict(model, rows, sorted[start + rows - 1]) + best(start + rows));
    }
    return least;
  };
  return best(0);
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('planner with a cost model', () => {
  // A large per-batch cost, so that the knee is the row limit and the split is the only question.
  const heavyBatches: NativeCostModel = { perBatchMs: 50, perRowMs: 0.1, perTokenMs: 0.05, perAttentionMs: 1e-4 };

  it('picks the split of a call that minimises predicted time (exhaustive check)', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 20; trial++) {
      const lengths = Array.from({ length: 9 }, () => 10 + Math.floor(random() * 290));
      const calls = [lengths];
      const batches = native().planBatches(calls, { maxBatchTokens: 1 << 20, maxBatchSize: 4, costModel: heavyBatches });
      expectEveryPairOnce(batches, calls);
      expect(predictedTotal(heavyBatches, batches, calls)).toBeCloseTo(bruteForceBest(heavyBatches, lengths, 4), 9);
    }
  });

  it('does not pad short pairs into a batch of long ones when a batch of their own costs less', () => {
    const calls = [[10, 10, 10, 10, 10, 300, 300, 300, 300]];
    const planned = shapes(native().planBatches(calls, { maxBatchTokens: 1 << 20, maxBatchSize: 4, costModel: heavyBatches }), calls);
    expect(planned.map((s) => s.lengths).sort((a, b) => a[0] - b[0] || a.length - b.length)).toEqual([
      [10],
      [10, 10, 10, 10],
      [300, 300, 300, 300],
    ]);
    // Packing greedily, as without a model, pads a short pair to 300 tokens and costs more.
    const greedy = native().planBatches(calls, { maxBatchTokens: 1 << 20, maxBatchSize: 4 });
    expect(shapes(greedy, calls).map((s) => s.lengths)).toEqual([[10, 10, 10, 10], [10, 300, 300, 300], [300]]);
    expect(predictedTotal(heavyBatches, greedy, calls)).toBeGreaterThan(
      predictedTotal(heavyBatches, native().planBatches(calls, { maxBatchTokens: 1 << 20, maxBatchSize: 4, costModel: heavyBatches }), calls),
    );
  });

  it('sizes batches at the knee: many short pairs per batch, few long ones', () => {
    // Per pair: 2/rows + 0.1·length ms. Within 2% of the best the limits allow: 26 rows at 32 tokens,
    // 4 rows at 256 tokens (see kKneeTolerance).
    const model: NativeCostModel = { perBatchMs: 2, perRowMs: 0, perTokenMs: 0.1, perAttentionMs: 0 };
    for (const [length, knee] of [
      [32, 26],
      [256, 4],
    ]) {
      // 104 pairs: 4 batches of 26 (26 batches of 4) only if the knee is exactly that.
      const calls = [Array.from({ length: 104 }, () => length)];
      const planned = shapes(native().planBatches(calls, { maxBatchTokens: 4096, maxBatchSize: 128, costModel: model }), calls);
      expect(planned.map((s) => s.rows)).toEqual(Array.from({ length: 104 / knee }, () => knee));
    }
  });

  it('respects explicit limits whatever the model prefers', () => {
    const model: NativeCostModel = { perBatchMs: 1000, perRowMs: 0, perTokenMs: 0.001, perAttentionMs: 0 };
    const random = seeded(3);
    const calls = [Array.from({ length: 200 }, () => 5 + Math.floor(random() * 200)).concat([600]), [40, 50, 60]];
    const batches = native().planBatches(calls, { maxBatchTokens: 500, maxBatchSize: 3, costModel: model });
    expectEveryPairOnce(batches, calls);
    for (const s of shapes(batches, calls)) {
      expect(s.rows).toBeLessThanOrEqual(3);
      if (s.rows > 1) expect(s.rows * s.longest).toBeLessThanOrEqual(500);
    }
    // The pair longer than the budget still runs, alone.
    expect(shapes(batches, calls).find((s) => s.longest === 600)?.rows).toBe(1);
  });

  it('keeps round-robin anchors: a small call behind a large one gets every other batch until it is done', () => {
    const model: NativeCostModel = { perBatchMs: 5, perRowMs: 0.1, perTokenMs: 0.1, perAttentionMs: 1e-4 };
    const random = seeded(11);
    const large = Array.from({ length: 400 }, () => 30 + Math.floor(random() * 300));
    const small = [120, 80, 200];
    const calls = [large, small];
    const batches = native().planBatches(calls, { maxBatchTokens: 4096, maxBatchSize: 128, costModel: model });
    expectEveryPairOnce(batches, calls);
    const withSmall = batches.flatMap((batch, i) => (batch.some(([call]) => call === 1) ? [i] : []));
    // The model may split the small call's 80–200 tokens in two; each of its batches is its own turn.
    expect(withSmall.length).toBeGreaterThanOrEqual(1);
    expect(withSmall).toEqual(withSmall.map((_, k) => 2 * k + 1));
  });

  it('lets another call ride along only when that is cheaper than a batch of its own', () => {
    const calls = [[300, 300], [20], [290]];
    const model: NativeCostModel = { perBatchMs: 10, perRowMs: 0.1, perTokenMs: 0.05, perAttentionMs: 1e-4 };
    const planned = shapes(native().planBatches(calls, { maxBatchTokens: 4096, maxBatchSize: 128, costModel: model }), calls);
    // The 290-token pair joins the 300s (10 tokens of padding); the 20-token one would carry 280.
    expect(planned.map((s) => s.lengths)).toEqual([[290, 300, 300], [20]]);
    // Without a model, whatever fits rides along.
    const greedy = shapes(native().planBatches(calls, { maxBatchTokens: 4096, maxBatchSize: 128 }), calls);
    expect(greedy.map((s) => s.lengths)).toEqual([[20, 290, 300, 300]]);
  });
});

describe('cost model fit', () => {
  it('recovers the coefficients of noise-free samples', () => {
    const truth: NativeCostModel = { perBatchMs: 1.5, perRowMs: 0.2, perTokenMs: 0.12, perAttentionMs: 3e-5 };
    const samples = [
      [1, 16],
      [8, 16],
      [1, 128],
      [4, 64],
      [1, 256],
    ].map(([rows, length]) => ({ rows, length, ms: predict(truth, rows, length) }));
    const fitted = native().fitCostModel(samples);
    for (const term of Object.keys(truth) as Array<keyof NativeCostModel>) {
      expect(fitted[term]).toBeCloseTo(truth[term], 6);
    }
  });

  it('keeps every coefficient non-negative', () => {
    // Measured times that a negative per-row cost would fit best: more rows, less time.
    const samples = [
      { rows: 1, length: 16, ms: 10 },
      { rows: 8, length: 16, ms: 9 },
      { rows: 1, length: 128, ms: 20 },
      { rows: 4, length: 64, ms: 15 },
      { rows: 1, length: 256, ms: 40 },
    ];
    const fitted = native().fitCostModel(samples);
    for (const value of Object.values(fitted)) expect(value).toBeGreaterThanOrEqual(0);
    for (const s of samples) expect(predict(fitted, s.rows, s.length)).toBeGreaterThan(0);
  });

  it('rejects a malformed cost model with INVALID_ARGUMENT', () => {
    expect(() => native().planBatches([[10]], { costModel: { perBatchMs: -1, perRowMs: 0, perTokenMs: 0, perAttentionMs: 0 } })).toThrow(
      /perBatchMs must be a finite number >= 0/,
    );
  });
});
