import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker } from '../lib/index';
import { fixture } from './support/fixtures';

function documents(count: number, seed: number): string[] {
  const words = ['alpha', 'beta', 'gamma', 'retrieval', 'ranking', 'passage', 'the', 'a', 'of', 'node', 'graph', 'tensor'];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(next() * 200) }, () => words[Math.floor(next() * words.length)]).join(' '),
  );
}

describe('batching invariance', () => {
  it('any batch composition gives the scores of one pair at a time (within 1e-5)', async () => {
    const pairs = documents(80, 1).map((d, i) => [`query number ${i % 5}`, d] as [string, string]);
    const alone = await Reranker.load(fixture('tiny'), { activation: 'none', maxBatchSize: 1 });
    const budgets = [64, 512, 4096, 1 << 20];
    const expected = await alone.score(pairs);
    await alone.close();
    for (const maxBatchTokens of budgets) {
      const batched = await Reranker.load(fixture('tiny'), { activation: 'none', maxBatchTokens, maxBatchSize: 256 });
      try {
        // Several concurrent calls, so batches also mix pairs of different calls.
        const halves = await Promise.all([batched.score(pairs.slice(0, 40)), batched.score(pairs.slice(40))]);
        const got = [...halves[0], ...halves[1]];
        for (let i = 0; i < pairs.length; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-5);
        const stats = batched.stats();
        expect(stats.pairsScored).toBe(80);
        if (maxBatchTokens >= 4096) expect(stats.batches).toBeLessThan(80);
      } finally {
        await batched.close();
      }
    }
  });
});

describe('scheduling', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('medium'), { maxLength: 128 });
  });
  afterAll(() => reranker.close());

  it('a small call submitted behind a large one finishes first (no starvation)', async () => {
    const order: string[] = [];
    const large = reranker.score(documents(400, 2).map((d) => ['q', d])).then(() => order.push('large'));
    const small = reranker.score(documents(3, 3).map((d) => ['q', d])).then(() => order.push('small'));
    await Promise.all([large, small]);
    expect(order).toEqual(['small', 'large']);
  });

  it('a large call keeps progressing while small calls keep arriving', async () => {
    const large = reranker.scoreDetailed(documents(200, 4).map((d) => ['q', d]));
    let largeDone = false;
    void large.then(() => (largeDone = true));
    let smallCalls = 0;
    // Keep a stream of small calls going until the large one completes; it must complete regardless.
    while (!largeDone && smallCalls < 2000) {
      await reranker.score(documents(2, 100 + smallCalls).map((d) => ['q', d]));
      smallCalls++;
    }
    const { timings } = await large;
    expect(largeDone).toBe(true);
    expect(timings.batches).toBeGreaterThan(1);
  });

  it('reports per-call timings and cumulative stats', async () => {
    const before = reranker.stats();
    const docs = documents(30, 5);
    const { scores, timings } = await reranker.scoreDetailed(docs.map((d) => ['q', d]));
    expect(scores.length).toBe(30);
    expect(timings.batches).toBeGreaterThanOrEqual(1);
    expect(timings.tokens).toBeGreaterThan(30 * 3);
    expect(timings.paddedTokens).toBeGreaterThanOrEqual(timings.tokens);
    expect(timings.paddingRatio).toBeCloseTo(1 - timings.tokens / timings.paddedTokens, 10);
    expect(timings.paddingRatio).toBeLessThan(0.5);
    for (const key of ['tokenizeMs', 'queueMs', 'inferenceMs'] as const) expect(timings[key]).toBeGreaterThanOrEqual(0);
    const after = reranker.stats();
    expect(after.callsCompleted).toBe(before.callsCompleted + 1);
    expect(after.pairsScored).toBe(before.pairsScored + 30);
    expect(after.tokens - before.tokens).toBe(timings.tokens);
    expect(after.queuedPairs).toBe(0);
    expect(after.activeCalls).toBe(0);
  });
});

describe('backpressure', () => {
  it('rejects calls beyond maxQueuedPairs at once with QUEUE_FULL, and recovers', async () => {
    const reranker = await Reranker.load(fixture('medium'), { maxQueuedPairs: 50, maxLength: 128 });
    try {
      const tooBig = await reranker.score(documents(51, 6).map((d) => ['q', d])).catch((e: unknown) => e);
      expect(tooBig).toBeInstanceOf(CrossrankError);
      expect((tooBig as CrossrankError).code).toBe('QUEUE_FULL');
      expect((tooBig as CrossrankError).message).toMatch(/maxQueuedPairs/);

      const first = reranker.score(documents(40, 7).map((d) => ['q', d]));
      const second = await reranker.score(documents(20, 8).map((d) => ['q', d])).catch((e: unknown) => e);
      expect((second as CrossrankError).code).toBe('QUEUE_FULL');
      expect((await first).length).toBe(40);
      expect((await reranker.score(documents(20, 8).map((d) => ['q', d]))).length).toBe(20);
      expect(reranker.stats().callsRejectedQueueFull).toBe(2);
    } finally {
      await reranker.close();
    }
  });
});
