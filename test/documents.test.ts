import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Tokenizer as HfTokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker } from '../lib/index';
import { writeMarkerModel } from './fixtures/generate.mjs';
import { fixture } from './support/fixtures';

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CrossrankError);
  expect((error as CrossrankError).code).toBe(code);
  expect((error as CrossrankError).message).toMatch(message);
}

describe('documents as objects', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('tiny'));
  });
  afterAll(() => reranker.close());

  const texts = ['rerank the passage', 'a vector search returns documents', 'node is fast'];

  it('reads text, content or pageContent by default, fields as "key: value" lines, or a function', async () => {
    const direct = await reranker.score(texts.map((t) => ['query', t] as [string, string]));
    const byKey = [{ text: texts[0] }, { content: texts[1], id: 7 }, { pageContent: texts[2], metadata: {} }];
    const results = await reranker.rerank('query', byKey, { returnDocuments: true });
    for (const result of results) {
      expect(result.score).toBeCloseTo(direct[result.index], 6);
      expect(result.document).toBe(byKey[result.index]); // the caller's object itself
    }
    expect(byKey[1]).toEqual({ content: texts[1], id: 7 }); // unchanged

    const records = texts.map((body, i) => ({ title: `title ${i}`, body }));
    const joined = await reranker.score(records.map((r) => ['query', `title: ${r.title}\nbody: ${r.body}`] as [string, string]));
    const byFields = await reranker.rerank('query', records, { fields: ['title', 'body'] });
    for (const result of byFields) expect(result.score).toBeCloseTo(joined[result.index], 6);

    const byFunction = await reranker.rerank('query', records, { text: (r) => r.body, returnDocuments: true });
    for (const result of byFunction) {
      expect(result.score).toBeCloseTo(direct[result.index], 6);
      expect(result.document).toBe(records[result.index]);
    }
    // Strings and objects mix.
    const mixed = await reranker.rerank('query', [texts[0], { text: texts[1] }]);
    expect(mixed.map((r) => r.index).sort()).toEqual([0, 1]);
  });

  it('a missing or non-string field names the document and the key', async () => {
    await rejectsWith(reranker.rerank('q', [{ text: 'a' }, { body: 'b' }]), 'INVALID_ARGUMENT', /documents\[1\] has no string 'text', 'content', 'pageContent' key/);
    await rejectsWith(reranker.rerank('q', [{ title: 't', body: 3 }], { fields: ['title', 'body'] }), 'INVALID_ARGUMENT', /documents\[0\]\.body must be a string/);
    await rejectsWith(reranker.rerank('q', [{ title: 't' }], { fields: ['title', 'body'] }), 'INVALID_ARGUMENT', /documents\[0\]\.body must be a string/);
    await rejectsWith(reranker.rerank('q', [42 as never]), 'INVALID_ARGUMENT', /documents\[0\] must be a string or an object/);
    await rejectsWith(reranker.rerank('q', [{ a: 1 }], { text: () => 5 as never }), 'INVALID_ARGUMENT', /options\.text\(documents\[0\]\) must return a string/);
    await rejectsWith(reranker.rerank('q', ['a'], { fields: [] }), 'INVALID_ARGUMENT', /options\.fields must be a non-empty array/);
    await rejectsWith(reranker.rerank('q', ['a'], { text: 'body' as never }), 'INVALID_ARGUMENT', /options\.text must be a function/);
  });
});

describe('long documents', () => {
  // The tiny fixture's tokenizer beside a graph that scores 1 exactly when a marker token is in the input.
  let dir: string;
  let reranker: Reranker;
  let hf: HfTokenizer;
  let markerId: number;
  const MARKER = 'search';
  const filler = (words: number) => Array.from({ length: words }, (_, i) => ['node', 'fast', 'the', 'vector'][i % 4]).join(' ');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-marker-'));
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
      fs.copyFileSync(path.join(fixture('tiny'), file), path.join(dir, file));
    }
    hf = HfTokenizer.fromFile(path.join(dir, 'tokenizer.json'));
    const ids = (await hf.encode(MARKER, null, { addSpecialTokens: false })).getIds();
    expect(ids).toHaveLength(1);
    markerId = ids[0];
    writeMarkerModel(path.join(dir, 'onnx', 'model.onnx'), markerId);
    reranker = await Reranker.load(dir, { activation: 'none', maxLength: 128 });
  });
  afterAll(() => reranker.close());

  /** The windows of the spec, computed from Hugging Face's own ids: [start, end) token ranges. */
  async function expectedWindows(query: string, document: string, overlap: number) {
    const queryTokens = (await hf.encode(query, null, { addSpecialTokens: false })).getIds().length;
    const docIds = (await hf.encode(document, null, { addSpecialTokens: false })).getIds();
    const width = 128 - 3 - queryTokens; // [CLS] q [SEP] d [SEP]
    const windows: Array<[number, number]> = [];
    for (let start = 0; ; start += width - overlap) {
      start = Math.min(start, Math.max(0, docIds.length - width));
      windows.push([start, Math.min(start + width, docIds.length)]);
      if (start + width >= docIds.length) break;
    }
    return { windows, docIds };
  }

  it("a relevant sentence past the model's limit wins with 'chunk' and loses with 'truncate'", async () => {
    const late = `${filler(300)} ${MARKER} ${filler(20)}`;
    const early = `${MARKER} ${filler(300)}`;
    const truncated = await reranker.rerank('query', [late, early]);
    expect(truncated.find((r) => r.index === 0)!.score).toBe(0);
    expect(truncated.find((r) => r.index === 1)!.score).toBe(1);
    const chunked = await reranker.rerank('query', [late, early], { longDocuments: 'chunk' });
    expect(chunked.map((r) => r.score)).toEqual([1, 1]);
  });

  it('windows and overlap as specified: the winning window is the first that holds the marker', async () => {
    for (const overlap of [0, 16, 80]) {
      for (const at of [0, 90, 130, 200, 333, 399]) {
        const words = filler(400).split(' ');
        words[at] = MARKER;
        const document = words.join(' ');
        const { windows, docIds } = await expectedWindows('query', document, overlap);
        const position = docIds.indexOf(markerId);
        const winner = windows.findIndex(([s, e]) => position >= s && position < e);
        const kept = Math.min(windows.length, 10);
        const [result] = await reranker.rerank('query', [document], { longDocuments: 'chunk', chunkOverlap: overlap });
        expect(result.score).toBe(winner < kept ? 1 : 0);
        if (winner < kept) expect(result.chunk?.index).toBe(winner);
        expect(result.droppedChunks).toBe(windows.length - kept);
      }
    }
  });

  it("chunk offsets slice the winning window out of the original text, as Hugging Face's offsets place it", async () => {
    // Non-ASCII words (an astral emoji is two JavaScript string units) before the marker.
    const words = filler(300).split(' ');
    words[40] = 'café';
    words[120] = '😀';
    words[200] = 'naïve';
    words[230] = MARKER;
    const document = words.join(' ');
    const { windows } = await expectedWindows('query', document, 80);
    const encoding = await hf.encode(document, null, { addSpecialTokens: false });
    const position = encoding.getIds().indexOf(markerId);
    const winner = windows.findIndex(([s, e]) => position >= s && position < e);
    // Hugging Face counts code points; JavaScript strings count UTF-16 units.
    const codePoints = Array.from(document);
    const toIndex = (cp: number) => codePoints.slice(0, cp).join('').length;
    const offsets = encoding.getOffsets();
    const [s, e] = windows[winner];
    const [result] = await reranker.rerank('query', [document], { longDocuments: 'chunk' });
    expect(result.chunk).toEqual({ index: winner, start: toIndex(offsets[s][0]), end: toIndex(offsets[e - 1][1]) });
    const passage = document.slice(result.chunk!.start, result.chunk!.end);
    expect(passage).toContain(MARKER);
    expect(passage.startsWith(' ')).toBe(false);
    expect(passage.endsWith(' ')).toBe(false);
  });

  it("truncationDirection 'left' keeps the end of a long document (per call, or as the load default)", async () => {
    const document = `${filler(300)} ${MARKER}`;
    expect((await reranker.rerank('query', [document]))[0].score).toBe(0);
    expect((await reranker.rerank('query', [document], { truncationDirection: 'left' }))[0].score).toBe(1);
    expect((await reranker.score([['query', document]], { truncationDirection: 'left' }))[0]).toBe(1);
    const left = await Reranker.load(dir, { activation: 'none', maxLength: 128, truncationDirection: 'left' });
    try {
      expect(left.info.truncationDirection).toBe('left');
      expect((await left.score([['query', document]]))[0]).toBe(1);
      expect((await left.score([['query', document]], { truncationDirection: 'right' }))[0]).toBe(0);
    } finally {
      await left.close();
    }
    await rejectsWith(reranker.score([['q', 'd']], { truncationDirection: 'up' as never }), 'INVALID_ARGUMENT', /options\.truncationDirection must be one of 'right', 'left'/);
  });

  it('maxChunksPerDoc: windows past it are not scored, and counted', async () => {
    const document = `${filler(600)} ${MARKER}`;
    const { windows } = await expectedWindows('query', document, 80);
    expect(windows.length).toBeGreaterThan(3);
    const [few] = await reranker.rerank('query', [document], { longDocuments: 'chunk', maxChunksPerDoc: 3 });
    expect(few.score).toBe(0);
    expect(few.droppedChunks).toBe(windows.length - 3);
    const [all] = await reranker.rerank('query', [document], { longDocuments: 'chunk', maxChunksPerDoc: 100 });
    expect(all.score).toBe(1);
    expect(all).toMatchObject({ chunk: { index: windows.length - 1, end: document.length }, droppedChunks: 0 });
  });

  it('maxQueryLength shortens a long query (or rejects it under only_second)', async () => {
    const query = `${filler(70)} ${MARKER}`; // the marker is the query's 71st token
    const [cut] = await reranker.rerank(query, ['short document']);
    expect(cut.score).toBe(0); // the default limit, 64 tokens, drops it
    const [kept] = await reranker.rerank(query, ['short document'], { maxQueryLength: 100 });
    expect(kept.score).toBe(1);
    const strict = await Reranker.load(dir, { activation: 'none', maxLength: 128, truncation: 'only_second' });
    try {
      await rejectsWith(strict.rerank(query, ['short document']), 'TRUNCATION_ERROR', /maxQueryLength \(64\)/);
    } finally {
      await strict.close();
    }
  });

  it('maxDocumentLength keeps that many tokens of each document (the start, or the end with truncationDirection left)', async () => {
    const document = `${filler(40)} ${MARKER} ${filler(40)}`;
    const docIds = (await hf.encode(document, null, { addSpecialTokens: false })).getIds();
    const position = docIds.indexOf(markerId);
    expect(position).toBeGreaterThan(10);
    const score = async (options: object) => (await reranker.rerank('query', [document], options))[0].score;
    expect(await score({})).toBe(1);
    expect(await score({ maxDocumentLength: position })).toBe(0);
    expect(await score({ maxDocumentLength: position + 1 })).toBe(1);
    const fromEnd = docIds.length - position; // tokens from the marker to the end
    expect(await score({ maxDocumentLength: fromEnd - 1, truncationDirection: 'left' })).toBe(0);
    expect(await score({ maxDocumentLength: fromEnd, truncationDirection: 'left' })).toBe(1);
    // With 'chunk', the windows cover only the kept tokens.
    const long = `${filler(300)} ${MARKER}`;
    const longIds = (await hf.encode(long, null, { addSpecialTokens: false })).getIds();
    const [kept] = await reranker.rerank('query', [long], { longDocuments: 'chunk', maxDocumentLength: longIds.length });
    expect(kept.score).toBe(1);
    const [cut] = await reranker.rerank('query', [long], { longDocuments: 'chunk', maxDocumentLength: longIds.length - 1 });
    expect(cut.score).toBe(0);
    // Kept up to the marker: it is in the last window of the kept tokens, which ends with it.
    const marked = `${filler(200)} ${MARKER} ${filler(100)}`;
    const markedIds = (await hf.encode(marked, null, { addSpecialTokens: false })).getIds();
    const keep = markedIds.indexOf(markerId) + 1;
    const { windows } = await expectedWindows('query', `${filler(200)} ${MARKER}`, 80);
    const [last] = await reranker.rerank('query', [marked], { longDocuments: 'chunk', maxDocumentLength: keep });
    expect(last).toMatchObject({ score: 1, chunk: { index: windows.length - 1, end: marked.indexOf(MARKER) + MARKER.length }, droppedChunks: 0 });
    await rejectsWith(reranker.rerank('q', ['d'], { maxDocumentLength: 0 }), 'INVALID_ARGUMENT', /options\.maxDocumentLength/);
  });

  it('every bad option is a typed error', async () => {
    await rejectsWith(reranker.rerank('q', ['d'], { longDocuments: 'split' as never }), 'INVALID_ARGUMENT', /options\.longDocuments must be one of 'truncate', 'chunk'/);
    await rejectsWith(reranker.rerank('q', ['d'], { chunkOverlap: -1 }), 'INVALID_ARGUMENT', /options\.chunkOverlap/);
    await rejectsWith(reranker.rerank('q', ['d'], { chunkOverlap: 1e9 }), 'INVALID_ARGUMENT', /options\.chunkOverlap must be an integer from 0 to 127/);
    await rejectsWith(reranker.rerank('q', ['d'], { maxChunksPerDoc: 0 }), 'INVALID_ARGUMENT', /options\.maxChunksPerDoc/);
    await rejectsWith(reranker.rerank('q', ['d'], { maxQueryLength: 128 }), 'INVALID_ARGUMENT', /options\.maxQueryLength must be an integer from 1 to 127/);
    await rejectsWith(reranker.rerank('q', ['d'], { longDocuments: 'chunk', chunkOverlap: 124 }), 'INVALID_ARGUMENT', /chunkOverlap \(124\) must be smaller than the document window/);
    // The reranker still works.
    expect((await reranker.rerank('q', [MARKER]))[0].score).toBe(1);
  });
});
