import net from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Reranker } from '../lib';
import type { CrossrankServer } from '../lib/server';
import { fixture } from './support/fixtures';
import { metric, post, testServer } from './support/server';

const QUERY = 'how do cross encoders rank passages';
const TEXTS = ['cross encoders read the query and passage together', 'the weather is mild today', 'rank passages by relevance', 'cheese'];
const LONG = Array.from({ length: 700 }, (_, i) => `word${i % 50}`).join(' ');

let server: CrossrankServer;
let url: string;
let logs: string[];
let reference: Reranker;
let raw: Reranker;

beforeAll(async () => {
  // Uncalibrated, so that /info's batch limits are the fixed defaults whatever this machine measures.
  ({ server, url, logs } = await testServer({
    models: [{ id: fixture('tiny'), options: { calibrate: false } }],
    maxClientBatchSize: 8,
    payloadLimit: 20_000,
    bodyTimeoutMs: 300,
  }));
  reference = await Reranker.load(fixture('tiny'));
  raw = await Reranker.load(fixture('tiny'), { activation: 'none' });
});

afterAll(async () => {
  await server?.shutdown();
  await reference?.close();
  await raw?.close();
});

/** Raw bytes over a socket: for bodies fetch cannot send (slow, invalid). */
function rawRequest(head: string, body: Buffer | string, options: { endBody?: boolean } = {}): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(head);
    socket.write(body);
    if (options.endBody !== false) socket.end();
  });
}

describe('TEI POST /rerank', () => {
  it('ranks every text best first with the activated scores Reranker.rerank() gives', async () => {
    const res = await post(`${url}/rerank`, { query: QUERY, texts: TEXTS });
    expect(res.status).toBe(200);
    const expected = await reference.rerank(QUERY, TEXTS);
    expect(res.json.map((r: { index: number }) => r.index)).toEqual(expected.map((r) => r.index));
    res.json.forEach((r: { score: number; text?: string }, i: number) => {
      expect(r.score).toBeCloseTo(expected[i].score, 5);
      expect('text' in r).toBe(false);
    });
  });

  it('return_text adds each text; raw_scores gives the logits', async () => {
    const withText = await post(`${url}/rerank`, { query: QUERY, texts: TEXTS, return_text: true });
    for (const r of withText.json) expect(r.text).toBe(TEXTS[r.index]);
    const logits = await post(`${url}/rerank`, { query: QUERY, texts: TEXTS, raw_scores: true });
    const expected = await raw.rerank(QUERY, TEXTS);
    logits.json.forEach((r: { index: number; score: number }, i: number) => {
      expect(r.index).toBe(expected[i].index);
      expect(r.score).toBeCloseTo(expected[i].score, 5);
    });
  });

  it("answers on TEI's aliases POST / and /invocations, with TEI's timing headers", async () => {
    for (const path of ['/', '/invocations']) {
      const res = await post(`${url}${path}`, { query: QUERY, texts: TEXTS });
      expect(res.status).toBe(200);
      expect(res.json).toHaveLength(TEXTS.length);
      for (const header of ['x-compute-time', 'x-total-time', 'x-tokenization-time', 'x-queue-time', 'x-inference-time', 'x-compute-tokens']) {
        expect(Number(res.headers.get(header)), header).toBeGreaterThanOrEqual(0);
      }
      expect(Number(res.headers.get('x-compute-tokens'))).toBeGreaterThan(TEXTS.length);
    }
  });

  it('truncate: false refuses a text that does not fit (422); true and the default shorten it', async () => {
    const refused = await post(`${url}/rerank`, { query: QUERY, texts: ['short', LONG], truncate: false });
    expect(refused.status).toBe(422);
    expect(refused.json).toEqual({ error: expect.stringMatching(/must have less than 512 tokens.*texts\[1\]/), error_type: 'Validation' });
    expect((await post(`${url}/rerank`, { query: QUERY, texts: ['short', LONG], truncate: true })).status).toBe(200);
    expect((await post(`${url}/rerank`, { query: QUERY, texts: ['short', LONG] })).status).toBe(200);
  });

  it("truncation_direction: 'Right' and 'Left' (either case) truncate as the library does, anything else a 422", async () => {
    const texts = [LONG, `${LONG} tail words that only left truncation keeps`];
    for (const [direction, library] of [['Right', 'right'], ['right', 'right'], ['Left', 'left'], ['left', 'left']] as const) {
      const res = await post(`${url}/rerank`, { query: QUERY, texts, truncation_direction: direction, raw_scores: true });
      expect(res.status).toBe(200);
      const expected = await raw.rerank(QUERY, texts, { truncationDirection: library });
      expect(res.json.map((r: { index: number; score: number }) => [r.index, r.score])).toEqual(
        expected.map((r) => [r.index, expect.closeTo(r.score, 5)]),
      );
    }
    // The two texts differ only at their end: right truncation scores them alike, left does not.
    const right = await raw.score(texts.map((t) => [QUERY, t] as [string, string]));
    const left = await raw.score(texts.map((t) => [QUERY, t] as [string, string]), { truncationDirection: 'left' });
    expect(right[0]).toBeCloseTo(right[1], 6);
    expect(Math.abs(left[0] - left[1])).toBeGreaterThan(1e-6);
    const bad = await post(`${url}/rerank`, { query: QUERY, texts: TEXTS, truncation_direction: 'Up' });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toMatch(/truncation_direction.*'Right' or 'Left'.*"Up"/);
  });

  it("answers TEI's error statuses in TEI's shape", async () => {
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ query: QUERY, texts: [] }, 400, 'Empty', /`texts` cannot be empty/],
      [{ query: QUERY, texts: Array(9).fill('x') }, 422, 'Validation', /batch size 9 > maximum allowed batch size 8/],
      [{ query: 7, texts: TEXTS }, 422, 'Validation', /`query` must be a string, got 7/],
      [{ texts: TEXTS }, 422, 'Validation', /`query` is required/],
      [{ query: QUERY, texts: [1, 2] }, 422, 'Validation', /`texts` must be an array of strings/],
      [{ query: QUERY, texts: TEXTS, raw_scores: 'yes' }, 422, 'Validation', /`raw_scores` must be a boolean/],
      [[1, 2], 400, 'Validation', /must be a JSON object, got an array/],
      ['{"query": ', 400, 'Validation', /not valid JSON/],
      ['', 400, 'Validation', /body is empty/],
      ['x'.repeat(25_000), 413, 'Validation', /larger than the payload limit of 20000 bytes/],
    ];
    for (const [body, status, errorType, message] of cases) {
      const res = await post(`${url}/rerank`, body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.json).toEqual({ error: expect.stringMatching(message), error_type: errorType });
    }
  });

  it('refuses a body that is not UTF-8 (400) and one that arrives too slowly (408), each in its shape', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","texts":["a"]}')]);
    const invalid = await rawRequest(`POST /rerank HTTP/1.1\r\nHost: x\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`, bytes);
    expect(invalid).toMatch(/^HTTP\/1.1 400/);
    expect(invalid).toContain('{"error":"the request body is not valid UTF-8","error_type":"Validation"}');
    const slow = await rawRequest(
      'POST /v2/rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
      '{"model":"m","query":',
      { endBody: false },
    );
    expect(slow).toMatch(/^HTTP\/1.1 408/);
    expect(slow).toContain('{"message":"the request body did not arrive within 300 ms"}');
    // Nothing else was disturbed.
    expect((await post(`${url}/rerank`, { query: QUERY, texts: TEXTS })).status).toBe(200);
    expect(logs.filter((l) => l.includes('not valid UTF-8'))).toHaveLength(1);
  });
});

describe('Cohere POST /v2/rerank', () => {
  it('max_tokens_per_doc cuts each document to that many tokens, as rerank() maxDocumentLength does', async () => {
    const texts = [`${TEXTS[0]} ${LONG}`, `${LONG} ${TEXTS[0]}`, TEXTS[2]];
    for (const maxTokens of [4, 40, 4096]) {
      const res = await post(`${url}/v2/rerank`, { model: 'rerank-v3.5', query: QUERY, documents: texts, max_tokens_per_doc: maxTokens });
      expect(res.status).toBe(200);
      const expected = await reference.rerank(QUERY, texts, { maxDocumentLength: maxTokens });
      expect(res.json.results.map((r: { index: number; relevance_score: number }) => [r.index, r.relevance_score])).toEqual(
        expected.map((r) => [r.index, expect.closeTo(r.score, 5)]),
      );
    }
    // The limit matters: 4 tokens leave the first two documents with different scores than the whole texts do.
    const whole = await reference.score(texts.map((t) => [QUERY, t] as [string, string]));
    const four = await reference.rerank(QUERY, texts, { maxDocumentLength: 4 });
    expect(four.find((r) => r.index === 1)!.score).not.toBeCloseTo(whole[1], 6);
    const bad = await post(`${url}/v2/rerank`, { model: 'm', query: QUERY, documents: texts, max_tokens_per_doc: 0 });
    expect(bad.status).toBe(422);
  });
});

describe('the other routes', () => {
  it('GET /health is 200 with an empty body when ready', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it("GET /info has TEI's fields", async () => {
    const body = await (await fetch(`${url}/info`)).json();
    expect(body).toMatchObject({
      model_id: fixture('tiny'),
      model_sha: null,
      model_dtype: 'float32',
      model_type: { reranker: { id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } } },
      max_concurrent_requests: 512,
      max_input_length: 512,
      max_batch_tokens: 512,
      max_client_batch_size: 8,
      auto_truncate: true,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
  });

  it("GET /metrics has TEI's names and crossrank's own, in Prometheus text", async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'te_request_count', 'te_request_success', 'te_request_failure', 'te_request_duration', 'te_request_queue_duration',
      'te_request_inference_duration', 'te_request_tokenization_duration', 'te_request_input_length', 'te_queue_size',
      'te_batch_next_size', 'crossrank_padding_ratio', 'crossrank_pairs_per_second', 'crossrank_pairs_scored_total',
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(metric(text, 'te_request_count{method="batch"}')).toBeGreaterThan(0);
    expect(metric(text, 'te_request_failure{err="batch_size"}')).toBeGreaterThan(0);
  });

  it('GET /openapi.json describes every route', async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of ['/rerank', '/', '/invocations', '/v1/rerank', '/v2/rerank', '/health', '/info', '/metrics', '/openapi.json']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.paths['/v2/rerank'].post.responses['429']).toBeDefined();
  });

  it('unknown routes are 404 and wrong methods 405, in the shape of their prefix', async () => {
    const missing = await post(`${url}/v3/rerank`, {});
    expect(missing.status).toBe(404);
    const cohere = await post(`${url}/v1/embed`, {});
    expect(cohere.json).toEqual({ message: expect.stringMatching(/no route POST \/v1\/embed/) });
    const wrong = await fetch(`${url}/rerank`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('several models, and --api-key', () => {
  let multi: CrossrankServer;
  let multiUrl: string;
  beforeAll(async () => {
    ({ server: multi, url: multiUrl } = await testServer({
      models: [{ id: fixture('tiny'), servedName: 'first' }, { id: fixture('tiny-3-labels'), servedName: 'three' }],
      apiKey: 'sekret',
    }));
  });
  afterAll(() => multi?.shutdown());
  const auth = { authorization: 'Bearer sekret' };

  it('needs the bearer token on every route but /health and /metrics', async () => {
    for (const [key, status] of [[undefined, 401], ['Bearer wrong', 401], ['Bearer sekret', 200]] as const) {
      const res = await post(`${multiUrl}/rerank`, { query: QUERY, texts: TEXTS }, key ? { authorization: key } : {});
      expect(res.status).toBe(status);
      if (status === 401) expect(res.json.error_type).toBe('Unauthorized');
    }
    expect((await post(`${multiUrl}/v2/rerank`, { model: 'first', query: QUERY, documents: TEXTS })).json).toEqual({
      message: expect.stringMatching(/Authorization: Bearer/),
    });
    expect((await fetch(`${multiUrl}/info`)).status).toBe(401);
    expect((await fetch(`${multiUrl}/health`)).status).toBe(200);
    expect((await fetch(`${multiUrl}/metrics`)).status).toBe(200);
  });

  it('selects the model by served name or id; an unknown name is a 404 naming the served ones; none is the first', async () => {
    const byName = await post(`${multiUrl}/v2/rerank`, { model: 'first', query: QUERY, documents: TEXTS }, auth);
    expect(byName.status).toBe(200);
    const byId = await post(`${multiUrl}/v1/rerank`, { model: fixture('tiny'), query: QUERY, documents: TEXTS }, auth);
    expect(byId.json.results.map((r: { index: number }) => r.index)).toEqual(byName.json.results.map((r: { index: number }) => r.index));
    const unknown = await post(`${multiUrl}/v2/rerank`, { model: 'rerank-v3.5', query: QUERY, documents: TEXTS }, auth);
    expect(unknown.status).toBe(404);
    expect(unknown.json.message).toMatch(/'rerank-v3.5' is not served here; served models: 'first', 'three'/);
    expect((await post(`${multiUrl}/rerank`, { query: QUERY, texts: TEXTS }, auth)).status).toBe(200);
  });

  it('a model with several labels is not a reranker: 424 Backend', async () => {
    const res = await post(`${multiUrl}/rerank`, { model: 'three', query: QUERY, texts: TEXTS }, auth);
    expect(res.status).toBe(424);
    expect(res.json).toEqual({ error: expect.stringMatching(/not a re-ranker model/), error_type: 'Backend' });
    const info = await (await fetch(`${multiUrl}/info`, { headers: auth })).json();
    expect(info.models.map((m: { served_model_name: string }) => m.served_model_name)).toEqual(['first', 'three']);
    expect(info.models[1].model_type.classifier.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' });
  });
});
