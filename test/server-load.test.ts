import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import net from 'node:net';
import { once } from 'node:events';

import { Reranker } from '../lib';
import type { CrossrankServer } from '../lib/server';
import { fixture } from './support/fixtures';
import { metric, post, testServer } from './support/server';

// Passages long enough that a request takes the medium model a while on two cores.
const passage = (i: number) => Array.from({ length: 120 }, (_, w) => `word${(i * 7 + w) % 97}`).join(' ');
const QUERY = 'which passage is most relevant';
const TEXTS = Array.from({ length: 8 }, (_, i) => passage(i));

let reference: Reranker;
beforeAll(async () => {
  reference = await Reranker.load(fixture('medium'), { threads: 1 });
});
afterAll(() => reference?.close());

const scrape = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe('overload', () => {
  let server: CrossrankServer;
  let url: string;
  beforeAll(async () => {
    ({ server, url } = await testServer({ models: [{ id: fixture('medium'), options: { threads: 1 } }], maxConcurrentRequests: 16 }));
  });
  afterAll(() => server?.shutdown());

  it('a burst far beyond --max-concurrent-requests gets 429s with Retry-After; every admitted request is right; /metrics counts both', async () => {
    const expected = (await reference.rerank(QUERY, TEXTS)).map((r) => r.index);
    const burst = await Promise.all(Array.from({ length: 40 }, () => post(`${url}/rerank`, { query: QUERY, texts: TEXTS })));
    const refused = burst.filter((r) => r.status === 429);
    const admitted = burst.filter((r) => r.status === 200);
    expect(refused.length + admitted.length).toBe(burst.length);
    expect(refused.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.json).toEqual({ error: expect.stringMatching(/Model is overloaded/), error_type: 'Overloaded' });
    }
    for (const r of admitted) expect(r.json.map((x: { index: number }) => x.index)).toEqual(expected);
    const text = await scrape(url);
    expect(metric(text, 'te_request_failure{err="overloaded"}')).toBe(refused.length);
    expect(metric(text, 'te_request_success{method="batch"}')).toBe(admitted.length);
    expect(metric(text, 'crossrank_pairs_in_flight')).toBe(0);
  });
});

describe("the engine's QUEUE_FULL", () => {
  it('is a 429 too', async () => {
    const { server, url } = await testServer({ models: [{ id: fixture('tiny'), options: { maxQueuedPairs: 4 } }] });
    try {
      const res = await post(`${url}/v2/rerank`, { model: 'm', query: QUERY, documents: TEXTS });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.json.message).toMatch(/overloaded/);
    } finally {
      await server.shutdown();
    }
  });
});

describe('a client that disconnects mid-request', () => {
  it('has its queued pairs dropped: the queue returns to 0 long before its texts could have been scored', async () => {
    const { server, url } = await testServer({ models: [{ id: fixture('medium'), options: { threads: 1 } }] });
    try {
      const texts = Array.from({ length: 1000 }, (_, i) => passage(i));
      const controller = new AbortController();
      const request = fetch(`${url}/rerank`, {
        method: 'POST',
        body: JSON.stringify({ query: QUERY, texts }),
        signal: controller.signal,
      }).catch((error: Error) => error);
      await vi.waitFor(async () => expect(metric(await scrape(url), 'te_queue_size')).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
      controller.abort();
      expect(await request).toBeInstanceOf(Error);
      await vi.waitFor(async () => expect(metric(await scrape(url), 'te_queue_size')).toBe(0), { timeout: 30_000, interval: 20 });
      const text = await scrape(url);
      const model = `{model="${fixture('medium')}"}`;
      expect(metric(text, `crossrank_pairs_scored_total${model}`)).toBeLessThan(texts.length);
      expect(metric(text, `crossrank_calls_aborted_total${model}`)).toBe(1);
      await vi.waitFor(async () => expect(metric(await scrape(url), 'te_request_failure{err="dropped"}')).toBe(1));
      expect(metric(text, 'crossrank_pairs_in_flight')).toBe(0);
      // The server carries on.
      expect((await post(`${url}/rerank`, { query: QUERY, texts: TEXTS.slice(0, 2) })).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });
});

describe('shutdown', () => {
  it('drains: a request in flight completes with Connection: close, /health answers 503 draining, new connections are refused', async () => {
    const { server, url } = await testServer({ models: [{ id: fixture('medium'), options: { threads: 1 } }] });
    const texts = Array.from({ length: 128 }, (_, i) => passage(i));
    const inFlight = post(`${url}/rerank`, { query: QUERY, texts });
    await vi.waitFor(async () => expect(metric(await scrape(url), 'te_queue_size')).toBeGreaterThan(0), { timeout: 30_000, interval: 20 });
    // A probe whose request has started but not ended when the drain begins: its connection is not idle,
    // so it stays open, and the request is answered by a draining server.
    const { hostname, port, host } = new URL(url);
    const probe = net.connect(Number(port), hostname);
    await once(probe, 'connect');
    probe.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\n`);
    let answer = '';
    probe.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const probeClosed = once(probe, 'close');

    const stopped = server.shutdown();
    expect(server.state).toBe('draining');
    probe.write('\r\n');
    await probeClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toMatch(/draining/);
    await expect(fetch(`${url}/health`)).rejects.toThrow();

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.json).toHaveLength(texts.length);
    await stopped;
  }, 60_000);
});
