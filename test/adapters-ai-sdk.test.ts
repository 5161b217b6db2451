import { rerank } from 'ai';
import { describe, expect, it } from 'vitest';

import { createCrossrank, crossrank } from '../lib/adapters/ai-sdk';
import { Reranker } from '../lib/index';
import { PASSAGES, QUERY, referenceReranker } from './support/adapters';
import { fixture } from './support/fixtures';

describe('crossrank/ai-sdk', () => {
  const reranker = referenceReranker();

  const asRanking = (results: { index: number; score: number }[], documents: readonly unknown[]) =>
    results.map((r) => ({ originalIndex: r.index, score: expect.closeTo(r.score, 6), document: documents[r.index] }));

  it("rerank() from 'ai' returns crossrank's ranking for text documents, topN honoured", async () => {
    const model = crossrank.reranking(fixture('tiny'));
    expect(model).toMatchObject({ specificationVersion: 'v3', provider: 'crossrank', modelId: fixture('tiny') });
    const documents = [...PASSAGES];
    const expected = await reranker().rerank(QUERY, PASSAGES);
    const { ranking, rerankedDocuments, originalDocuments } = await rerank({ model, query: QUERY, documents });
    expect(ranking).toEqual(asRanking(expected, PASSAGES));
    expect(rerankedDocuments).toEqual(expected.map((r) => PASSAGES[r.index]));
    expect(originalDocuments).toBe(documents);
    expect(documents).toEqual(PASSAGES);

    const top = await rerank({ model, query: QUERY, documents, topN: 2 });
    expect(top.ranking).toEqual(asRanking(expected.slice(0, 2), PASSAGES));
  });

  it('reads object documents as rerank() does: text/content/pageContent, fields from the model or providerOptions', async () => {
    const documents = PASSAGES.map((text, i) => ({ id: i, title: `Title ${i}`, text }));
    const before = structuredClone(documents);
    const byKey = await rerank({ model: crossrank.reranking(reranker()), query: QUERY, documents });
    expect(byKey.ranking).toEqual(asRanking(await reranker().rerank(QUERY, PASSAGES), documents));

    const expectedFields = await reranker().rerank(QUERY, documents, { fields: ['title', 'text'] });
    const withFields = crossrank.reranking(reranker(), { fields: ['title', 'text'] });
    expect((await rerank({ model: withFields, query: QUERY, documents })).ranking).toEqual(asRanking(expectedFields, documents));
    const perCall = await rerank({
      model: crossrank.reranking(reranker()),
      query: QUERY,
      documents,
      providerOptions: { crossrank: { fields: ['title', 'text'] } },
    });
    expect(perCall.ranking).toEqual(asRanking(expectedFields, documents));
    expect(documents).toEqual(before);
  });

  it('honours abortSignal: an aborted call rejects with the reason, at once', async () => {
    const model = crossrank.reranking(fixture('medium'));
    const documents = Array.from({ length: 200 }, (_, i) => `${PASSAGES[i % PASSAGES.length]} ${'more words '.repeat(40)} ${i}`);
    await expect(rerank({ model, query: QUERY, documents: PASSAGES, abortSignal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await rerank({ model, query: QUERY, documents: PASSAGES }); // loaded, so the next abort lands mid-inference
    const controller = new AbortController();
    const call = rerank({ model, query: QUERY, documents, abortSignal: controller.signal, maxRetries: 0 });
    // The same work without a signal, submitted alongside: the aborted call must settle first (it does not
    // wait for its pairs to be scored), and while it is still ranking when the signal fires.
    const twin = rerank({ model, query: QUERY, documents, maxRetries: 0 });
    const settledOrder: string[] = [];
    void call.catch(() => undefined).finally(() => settledOrder.push('aborted'));
    void twin.finally(() => settledOrder.push('twin'));
    setTimeout(() => {
      expect(settledOrder).toEqual([]); // still ranking: the abort interrupts real work
      controller.abort();
    }, 50);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect((await twin).ranking).toHaveLength(documents.length);
    expect(settledOrder).toEqual(['aborted', 'twin']);
  });

  it('returns an empty ranking for no documents, through rerank() and doRerank()', async () => {
    const model = crossrank.reranking('/nonexistent/model');
    expect((await rerank({ model, query: QUERY, documents: [] })).ranking).toEqual([]);
    expect(await model.doRerank({ query: QUERY, documents: { type: 'text', values: [] } })).toEqual({ ranking: [] });
    await expect(rerank({ model, query: QUERY, documents: PASSAGES, maxRetries: 0 })).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
  });

  it('createCrossrank(settings) gives its models load options; per-model options win', async () => {
    const provider = createCrossrank({ maxLength: 64 });
    const long = `${'filler words about nothing '.repeat(40)} ${PASSAGES[0]}`;
    const short = await Reranker.load(fixture('tiny'), { maxLength: 64 });
    try {
      const expected = await short.rerank(QUERY, [long, PASSAGES[1]]);
      const { ranking } = await rerank({ model: provider.reranking(fixture('tiny')), query: QUERY, documents: [long, PASSAGES[1]] });
      expect(ranking.map((r) => r.score)).toEqual(expected.map((r) => expect.closeTo(r.score, 6)));
      const full = await reranker().rerank(QUERY, [long, PASSAGES[1]]);
      const overridden = await rerank({
        model: provider.rerankingModel(fixture('tiny'), { maxLength: reranker().info.maxLength }),
        query: QUERY,
        documents: [long, PASSAGES[1]],
      });
      expect(overridden.ranking.map((r) => r.score)).toEqual(full.map((r) => expect.closeTo(r.score, 6)));
      expect(expected.find((r) => r.index === 0)!.score).not.toBeCloseTo(full.find((r) => r.index === 0)!.score, 4);
    } finally {
      await short.close();
    }
    expect(() => crossrank.reranking(fixture('tiny'), { topN: 3 } as never)).toThrow(/options\.topN is not an option/);
  });
});
