import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { MemoryVectorStore } from '@langchain/classic/vectorstores/memory';
import { Document } from '@langchain/core/documents';
import { BaseDocumentCompressor } from '@langchain/core/retrievers/document_compressors';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';

import { CrossrankRerank } from '../lib/adapters/langchain';
import { CrossrankError, Reranker } from '../lib/index';
import { PASSAGES, QUERY, referenceReranker } from './support/adapters';
import { fixture } from './support/fixtures';

const FILLERS = ['filler words about nothing in particular ', 'bananas are yellow ', 'the weather today ', 'zz qq xx '];

const documents = () =>
  PASSAGES.map((pageContent, i) => new Document({ pageContent, metadata: { source: `doc-${i}`, title: `Title ${i}` }, id: `id-${i}` }));

describe('crossrank/langchain', () => {
  const reranker = referenceReranker();

  it("ranks a ContextualCompressionRetriever's documents as Reranker.rerank() does: top N, best first, on copies", async () => {
    const vectorStore = await MemoryVectorStore.fromDocuments(documents(), new SyntheticEmbeddings({ vectorSize: 16 }));
    const baseRetriever = vectorStore.asRetriever({ k: PASSAGES.length });
    const compressor = new CrossrankRerank({ model: fixture('tiny'), topN: 3 });
    expect(compressor).toBeInstanceOf(BaseDocumentCompressor);
    const retriever = new ContextualCompressionRetriever({ baseCompressor: compressor, baseRetriever });

    const retrieved = await baseRetriever.invoke(QUERY);
    const before = structuredClone(retrieved);
    const expected = await reranker().rerank(
      QUERY,
      retrieved.map((d) => d.pageContent),
      { topK: 3 },
    );
    const compressed = await retriever.invoke(QUERY);

    expect(compressed).toHaveLength(3);
    compressed.forEach((doc, rank) => {
      const original = retrieved[expected[rank].index];
      expect(doc).toBeInstanceOf(Document);
      expect(doc).not.toBe(original);
      expect(doc.pageContent).toBe(original.pageContent);
      expect(doc.id).toBe(original.id);
      expect(doc.metadata).toEqual({ ...original.metadata, relevanceScore: expect.any(Number) });
      expect(doc.metadata.relevanceScore).toBeCloseTo(expected[rank].score, 6);
    });
    // The retriever's documents (the store's own objects) are as they were: no relevanceScore.
    expect(await baseRetriever.invoke(QUERY)).toEqual(before);
  });

  it('compressDocuments keeps topN (default 3) and leaves the caller’s documents alone', async () => {
    const docs = documents();
    const before = structuredClone(docs);
    const expected = await reranker().rerank(QUERY, PASSAGES);
    const top = await new CrossrankRerank({ model: fixture('tiny') }).compressDocuments(docs, QUERY);
    expect(top.map((d) => d.metadata.source)).toEqual(expected.slice(0, 3).map((r) => `doc-${r.index}`));
    const all = await new CrossrankRerank({ model: fixture('tiny'), topN: 100 }).compressDocuments(docs, QUERY);
    expect(all.map((d) => d.metadata.relevanceScore)).toEqual(expected.map((r) => expect.closeTo(r.score, 6)));
    expect(docs).toEqual(before);
  });

  it('rerank() reports { index, relevanceScore } as CohereRerank does, for documents, strings and records', async () => {
    const compressor = new CrossrankRerank({ model: reranker() });
    const mixed = [documents()[0], PASSAGES[1], { text: PASSAGES[2] }, documents()[3], PASSAGES[4], { pageContent: PASSAGES[5] }];
    const expected = await reranker().rerank(QUERY, PASSAGES);
    const ranking = await compressor.rerank(mixed, QUERY);
    expect(ranking).toEqual(expected.map((r) => ({ index: r.index, relevanceScore: expect.closeTo(r.score, 6) })));
    expect(await compressor.rerank(mixed, QUERY, { topN: 2 })).toEqual(ranking.slice(0, 2));
    await expect(compressor.rerank(mixed, QUERY, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('passes fields (over metadata and pageContent), text and long-document options to rerank()', async () => {
    const docs = documents();
    const byFields = await new CrossrankRerank({ model: reranker(), fields: ['title', 'pageContent'], topN: 6 }).rerank(docs, QUERY);
    const records = docs.map((d) => ({ title: d.metadata.title, pageContent: d.pageContent }));
    const expectedFields = await reranker().rerank(QUERY, records, { fields: ['title', 'pageContent'] });
    expect(byFields).toEqual(expectedFields.map((r) => ({ index: r.index, relevanceScore: expect.closeTo(r.score, 6) })));

    const byText = await new CrossrankRerank({ model: reranker(), text: (d) => `${d.metadata.source} ${d.pageContent}` }).rerank(docs, QUERY);
    const expectedText = await reranker().rerank(QUERY, docs.map((d) => `${d.metadata.source} ${d.pageContent}`));
    expect(byText.map((r) => r.index)).toEqual(expectedText.map((r) => r.index));

    // Long documents need a short maxLength to be long: a load option, so a second shared model.
    const short = await Reranker.load(fixture('tiny'), { maxLength: 64 });
    try {
      const long = FILLERS.map((f) => new Document({ pageContent: `${f.repeat(20)} ${PASSAGES[0]}`, metadata: {} }));
      const texts = long.map((d) => d.pageContent);
      const chunking = new CrossrankRerank({ model: fixture('tiny'), maxLength: 64, longDocuments: 'chunk', chunkOverlap: 8 });
      const chunked = await chunking.rerank(long, QUERY);
      const expectedChunked = await short.rerank(QUERY, texts, { longDocuments: 'chunk', chunkOverlap: 8 });
      expect(chunked).toEqual(expectedChunked.map((r) => ({ index: r.index, relevanceScore: expect.closeTo(r.score, 6) })));
      // The option reached rerank(): some document's best window is not its first, so truncation differs.
      expect(expectedChunked.some((r) => r.chunk!.index > 0)).toBe(true);
      expect(chunked.map((r) => r.index)).not.toEqual((await short.rerank(QUERY, texts)).map((r) => r.index));
    } finally {
      await short.close();
    }
  });

  it('returns [] for no documents, without loading the model', async () => {
    const compressor = new CrossrankRerank({ model: '/nonexistent/model' });
    expect(await compressor.compressDocuments([], QUERY)).toEqual([]);
    expect(await compressor.rerank([], QUERY)).toEqual([]);
    await expect(compressor.compressDocuments(documents(), QUERY)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('refuses a missing model, an unknown option, a bad topN and load options beside a Reranker, by name', () => {
    const refuses = (make: () => unknown, message: RegExp) => {
      expect(make).toThrow(CrossrankError);
      expect(make).toThrow(message);
    };
    refuses(() => new CrossrankRerank(undefined as never), /fields must be an object with a model/);
    refuses(() => new CrossrankRerank({} as never), /fields\.model must be a model folder, a Hub id or a Reranker/);
    refuses(() => new CrossrankRerank({ model: fixture('tiny'), topK: 3 } as never), /fields\.topK is not an option; valid options are model, topN/);
    refuses(() => new CrossrankRerank({ model: fixture('tiny'), topN: 0 }), /fields\.topN must be an integer >= 1/);
    refuses(() => new CrossrankRerank({ model: reranker(), threads: 2 }), /fields\.model is a loaded Reranker, so load options \(threads\)/);
  });
});
