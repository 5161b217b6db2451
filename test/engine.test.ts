import { getEventListeners } from 'node:events';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker } from '../lib/index';
import { fixture } from './support/fixtures';

// Deterministic text of varied lengths, so batches mix short and long pairs.
function documents(count: number, seed: number): string[] {
  const words = ['rerank', 'query', 'passage', 'vector', 'search', 'model', 'token', 'score', 'node', 'fast', 'the', 'of'];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => {
    const length = 5 + Math.floor(next() * 150);
    return Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(' ');
  });
}

describe('concurrency', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('tiny'), { activation: 'none' });
  });
  afterAll(() => reranker.close());

  it('50 concurrent score() calls give the same results as sequential ones', async () => {
    const calls = Array.from({ length: 50 }, (_, i) => documents(1 + (i % 7) * 3, i).map((d) => [`query ${i}`, d] as [string, string]));
    const sequential: Float32Array[] = [];
    for (const pairs of calls) sequential.push(await reranker.score(pairs));
    const concurrent = await Promise.all(calls.map((pairs) => reranker.score(pairs)));
    for (let i = 0; i < calls.length; i++) {
      expect(concurrent[i].length).toBe(calls[i].length);
      for (let j = 0; j < calls[i].length; j++) expect(Math.abs(concurrent[i][j] - sequential[i][j])).toBeLessThan(1e-5);
    }
  });

  it('a bad call among concurrent good ones fails alone', async () => {
    const good = documents(20, 99).map((d) => ['q', d] as [string, string]);
    const expected = await reranker.score(good);
    const results = await Promise.allSettled([
      reranker.score(good),
      reranker.score([['q', 42]] as never),
      reranker.score(good),
    ]);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'INVALID_ARGUMENT' } });
    for (const i of [0, 2]) {
      const r = results[i] as PromiseFulfilledResult<Float32Array>;
      expect(r.status).toBe('fulfilled');
      expect(Array.from(r.value)).toEqual(Array.from(expected));
    }
  });

  it('an aborted call rejects with the signal reason and leaves others intact', async () => {
    // The medium model and many pairs: the calls cannot finish before abort() runs.
    const slow = await Reranker.load(fixture('medium'), { activation: 'none', maxLength: 128 });
    try {
      const pairs = documents(300, 7).map((d) => ['q', d] as [string, string]);
      const few = pairs.slice(0, 12);
      const expected = await slow.score(few);
      const controller = new AbortController();
      const aborted = slow.score(pairs, { signal: controller.signal }).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      const other = slow.score(few);
      controller.abort();
      const outcome = await aborted;
      expect(outcome).toBeInstanceOf(DOMException);
      expect((outcome as DOMException).name).toBe('AbortError');
      for (const [i, score] of (await other).entries()) expect(Math.abs(score - expected[i])).toBeLessThan(1e-5);
      expect(slow.stats().callsAborted).toBe(1);

      // Many queued calls aborted at once, one kept: only the kept one resolves.
      const controllers = Array.from({ length: 20 }, () => new AbortController());
      const calls = controllers.map((c) => slow.score(pairs.slice(0, 40), { signal: c.signal }).then(() => 'resolved', (e: Error) => e.name));
      const kept = slow.score(few);
      controllers.forEach((c) => c.abort());
      expect(await Promise.all(calls)).toEqual(Array(20).fill('AbortError'));
      for (const [i, score] of (await kept).entries()) expect(Math.abs(score - expected[i])).toBeLessThan(1e-5);
      expect(slow.stats()).toMatchObject({ callsAborted: 21, queuedPairs: 0, activeCalls: 0 });
    } finally {
      await slow.close();
    }
    const already = new AbortController();
    already.abort(new Error('gave up'));
    await expect(reranker.score([['q', 'd']], { signal: already.signal })).rejects.toThrow('gave up');
  });
});

describe('one AbortSignal shared by many calls', () => {
  it('50 concurrent calls: one listener, no warning, abort rejects exactly the pending calls, none left behind', async () => {
    const slow = await Reranker.load(fixture('medium'), { activation: 'none', maxLength: 128 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const pairs = documents(50, 11).map((d) => ['q', d] as [string, string]);
      const expected = await slow.score(pairs);

      // Settling normally: the signal's one listener goes away with the last call.
      const quiet = new AbortController();
      const all = await Promise.all(pairs.map((pair) => slow.score([pair], { signal: quiet.signal })));
      all.forEach((scores, i) => expect(Math.abs(scores[0] - expected[i])).toBeLessThan(1e-5));
      expect(getEventListeners(quiet.signal, 'abort')).toHaveLength(0);

      // Aborting part-way: exactly the calls not yet settled at that moment reject, with the reason.
      const controller = new AbortController();
      const settled = new Set<number>();
      const calls = pairs.map((pair, i) =>
        slow.score([pair, pair, pair, pair], { signal: controller.signal }).then(
          (scores) => {
            settled.add(i);
            return scores;
          },
          (error: unknown) => {
            settled.add(i);
            throw error;
          },
        ),
      );
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      await calls[0];
      const pendingAtAbort = pairs.map((_, i) => i).filter((i) => !settled.has(i));
      expect(pendingAtAbort.length).toBeGreaterThan(0);
      const reason = new Error('request cancelled');
      controller.abort(reason);
      const outcomes = await Promise.allSettled(calls);
      outcomes.forEach((outcome, i) => {
        if (pendingAtAbort.includes(i)) {
          expect(outcome).toEqual({ status: 'rejected', reason });
        } else {
          expect(outcome.status).toBe('fulfilled');
          expect(Math.abs((outcome as PromiseFulfilledResult<Float32Array>).value[0] - expected[i])).toBeLessThan(1e-5);
        }
      });
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      expect(warnings.map((w) => w.name)).toEqual([]);
      // Cancelled work is gone from the engine, and the reranker still scores correctly.
      await expect.poll(() => slow.stats()).toMatchObject({ queuedPairs: 0, activeCalls: 0 });
      const again = await slow.score(pairs.slice(0, 5));
      for (let i = 0; i < 5; i++) expect(Math.abs(again[i] - expected[i])).toBeLessThan(1e-5);
    } finally {
      process.off('warning', onWarning);
      await slow.close();
    }
  });
});

describe('close()', () => {
  it('rejects pending calls and every later call, and is idempotent', async () => {
    const reranker = await Reranker.load(fixture('medium'));
    const pairs = documents(100, 3).map((d) => ['q', d] as [string, string]);
    // Outcomes are observed at once, so no rejection is ever unhandled.
    const outcomes = [reranker.score(pairs), reranker.rerank('q', documents(50, 4))].map((call) =>
      call.then(
        () => 'resolved' as const,
        (e: unknown) => e,
      ),
    );
    const closing = reranker.close();
    expect(reranker.close()).toBe(closing);
    for (const outcome of await Promise.all(outcomes)) {
      // A call may have finished before close() took effect; any that didn't must say why.
      if (outcome !== 'resolved') {
        expect(outcome).toBeInstanceOf(CrossrankError);
        expect((outcome as CrossrankError).code).toBe('CLOSED');
      }
    }
    await closing;
    await expect(reranker.score([['a', 'b']])).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(reranker.rerank('a', ['b'])).rejects.toMatchObject({ code: 'CLOSED' });
    await reranker.close();
  });

  it('rejects at least the calls still queued behind a long one', async () => {
    const reranker = await Reranker.load(fixture('medium'));
    const pairs = documents(100, 5).map((d) => ['q', d] as [string, string]);
    const calls = Array.from({ length: 6 }, () => reranker.score(pairs).then(() => 'resolved', (e: CrossrankError) => e.code));
    await reranker.close();
    const outcomes = await Promise.all(calls);
    expect(outcomes).toContain('CLOSED');
    for (const o of outcomes) expect(['resolved', 'CLOSED']).toContain(o);
  });
});

describe('the event loop keeps running while a large batch scores', () => {
  it('a 1 ms timer keeps firing during a 100-document rerank', async () => {
    const reranker = await Reranker.load(fixture('medium'), { maxLength: 256 });
    try {
      const docs = documents(100, 11);
      await reranker.rerank('warm up', docs.slice(0, 4));
      let ticks = 0;
      let worstGap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
        ticks++;
      }, 1);
      const started = performance.now();
      const ranked = await reranker.rerank('which passage is about fast vector search?', docs);
      const elapsed = performance.now() - started;
      clearInterval(timer);
      expect(ranked.length).toBe(100);
      // A scorer that blocked the loop would let the timer fire about once. Ticks are counted, not timed;
      // the gap is reported for the record.
      console.log(`rerank of 100 documents: ${elapsed.toFixed(0)} ms, ${ticks} timer ticks, worst gap ${worstGap.toFixed(1)} ms`);
      expect(ticks).toBeGreaterThan(20);
    } finally {
      await reranker.close();
    }
  });
});
