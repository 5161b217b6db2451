import { CohereRerank } from '@langchain/cohere';
import { Document } from '@langchain/core/documents';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Reranker } from '../lib';
import type { CrossrankServer } from '../lib/server';
import { fixture } from './support/fixtures';
import { post, testServer } from './support/server';

const QUERY = 'what does a cross encoder do';
const DOCS = [
  'a cross encoder reads the query and the document together',
  'bananas are yellow',
  'rerankers reorder search results by relevance',
  'the train leaves at noon',
  'cross encoders score pairs of texts',
];

let server: CrossrankServer;
let url: string;
let reference: Reranker;

beforeAll(async () => {
  ({ server, url } = await testServer({ apiKey: 'test-key' }));
  reference = await Reranker.load(fixture('tiny'));
});

afterAll(async () => {
  await server?.shutdown();
  await reference?.close();
});

describe('the official cohere-ai SDK, pointed at the server', () => {
  it('v1 (CohereClient.rerank) gets the ranking and scores of Reranker.rerank(), with documents', async () => {
    const client = new CohereClient({ token: 'test-key', environment: url });
    const response = await client.rerank({ model: 'rerank-english-v3.0', query: QUERY, documents: DOCS, topN: 3, returnDocuments: true });
    const expected = await reference.rerank(QUERY, DOCS, { topK: 3 });
    expect(response.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    response.results.forEach((r, i) => {
      expect(r.relevanceScore).toBeCloseTo(expected[i].score, 5);
      expect(r.document?.text).toBe(DOCS[r.index]);
    });
    expect(response.meta?.billedUnits?.searchUnits).toBe(1);
  });

  it('v1 ranks object documents by rank_fields and chunks long ones with max_chunks_per_doc', async () => {
    const client = new CohereClient({ token: 'test-key', environment: url });
    const objects = DOCS.map((text, i) => ({ title: `doc ${i}`, text }));
    const response = await client.rerank({ query: QUERY, documents: objects, rankFields: ['title', 'text'], maxChunksPerDoc: 2 });
    const expected = await reference.rerank(QUERY, objects, { fields: ['title', 'text'], longDocuments: 'chunk', maxChunksPerDoc: 2 });
    expect(response.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
  });

  it('v2 (CohereClientV2.rerank) gets the same ranking, with v2 meta', async () => {
    const client = new CohereClientV2({ token: 'test-key', environment: url });
    const response = await client.rerank({ model: 'rerank-v3.5', query: QUERY, documents: DOCS, topN: 4, maxTokensPerDoc: 4096 });
    const expected = await reference.rerank(QUERY, DOCS, { topK: 4 });
    expect(response.results.map((r) => r.index)).toEqual(expected.map((r) => r.index));
    response.results.forEach((r, i) => expect(r.relevanceScore).toBeCloseTo(expected[i].score, 5));
    expect(response.meta?.apiVersion?.version).toBe('2');
    expect(response.meta?.tokens?.inputTokens).toBeGreaterThan(DOCS.length);
  });

  it("surfaces the server's errors as the SDK's typed errors with Cohere's message", async () => {
    const wrongKey = new CohereClientV2({ token: 'nope', environment: url });
    await expect(wrongKey.rerank({ model: 'm', query: QUERY, documents: DOCS })).rejects.toMatchObject({ statusCode: 401 });
    const client = new CohereClientV2({ token: 'test-key', environment: url });
    await expect(client.rerank({ model: 'm', query: QUERY, documents: [] })).rejects.toMatchObject({
      statusCode: 400,
      body: { message: expect.stringMatching(/`documents` cannot be empty/) },
    });
  });
});

describe("LangChain's CohereRerank with an injected client", () => {
  it('works as a document compressor: best documents first, relevanceScore in metadata', async () => {
    const client = new CohereClient({ token: 'test-key', environment: url });
    const compressor = new CohereRerank({ client, model: 'rerank-english-v3.0', topN: 2 });
    const documents = DOCS.map((pageContent, i) => new Document({ pageContent, metadata: { i } }));
    const compressed = await compressor.compressDocuments(documents, QUERY);
    const expected = await reference.rerank(QUERY, DOCS, { topK: 2 });
    expect(compressed.map((d) => d.metadata.i)).toEqual(expected.map((r) => r.index));
    compressed.forEach((d, i) => expect(d.metadata.relevanceScore).toBeCloseTo(expected[i].score, 5));
  });
});

describe('Jina-shaped requests on /v1/rerank', () => {
  it("answers Jina's {model, usage, results[{index, relevance_score, document}]}", async () => {
    const res = await post(
      `${url}/v1/rerank`,
      { model: 'jina-reranker-v2-base-multilingual', query: QUERY, documents: DOCS, top_n: 2, return_documents: true },
      { authorization: 'Bearer test-key' },
    );
    expect(res.status).toBe(200);
    const expected = await reference.rerank(QUERY, DOCS, { topK: 2 });
    expect(res.json).toMatchObject({
      model: 'jina-reranker-v2-base-multilingual',
      usage: { total_tokens: expect.any(Number) },
      results: expected.map((r) => ({ index: r.index, relevance_score: expect.closeTo(r.score, 5), document: { text: DOCS[r.index] } })),
    });
    expect(res.json.usage.total_tokens).toBeGreaterThan(DOCS.length);
  });
});
