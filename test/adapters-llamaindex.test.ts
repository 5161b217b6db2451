import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { MetadataMode, type NodeWithScore, TextNode } from '@llamaindex/core/schema';
import { describe, expect, it } from 'vitest';

import { CrossrankRerank } from '../lib/adapters/llamaindex';
import { CrossrankError } from '../lib/index';
import { PASSAGES, QUERY, referenceReranker } from './support/adapters';
import { fixture } from './support/fixtures';

const retrieved = (): NodeWithScore[] =>
  PASSAGES.map((text, i) => ({ node: new TextNode({ id_: `n${i}`, text, metadata: { title: `Title ${i}` } }), score: 1 - i / 10 }));

/** A retriever over a fixed list, as a vector index's retriever would return it. */
class ListRetriever extends BaseRetriever {
  constructor(private readonly nodes: NodeWithScore[]) {
    super();
  }
  async _retrieve(): Promise<NodeWithScore[]> {
    return this.nodes;
  }
}

describe('crossrank/llamaindex', () => {
  const reranker = referenceReranker();

  it('postprocessNodes keeps the top N nodes best first, with crossrank scores, leaving the input alone', async () => {
    const nodes = retrieved();
    const scoresBefore = nodes.map((n) => n.score);
    const expected = await reranker().rerank(QUERY, PASSAGES, { topK: 3 });
    const out = await new CrossrankRerank({ model: fixture('tiny') }).postprocessNodes(nodes, QUERY);
    expect(out).toHaveLength(3);
    out.forEach((item, rank) => {
      expect(item.node).toBe(nodes[expected[rank].index].node);
      expect(item.score).toBeCloseTo(expected[rank].score, 6);
    });
    expect(nodes.map((n) => n.score)).toEqual(scoresBefore);
    expect(out.every((item) => !nodes.includes(item))).toBe(true);
  });

  it("runs as a RetrieverQueryEngine's node postprocessor", async () => {
    const nodes = retrieved();
    // retrieve() runs the retriever and the postprocessors only; no LLM, so no synthesizer is needed.
    const noSynthesizer = {} as ConstructorParameters<typeof RetrieverQueryEngine>[1];
    const engine = new RetrieverQueryEngine(new ListRetriever(nodes), noSynthesizer, [
      new CrossrankRerank({ model: fixture('tiny'), topN: 4 }),
    ]);
    const expected = await reranker().rerank(QUERY, PASSAGES, { topK: 4 });
    const out = await engine.retrieve(QUERY);
    expect(out.map((n) => n.node.id_)).toEqual(expected.map((r) => `n${r.index}`));
    expect(out.map((n) => n.score)).toEqual(expected.map((r) => expect.closeTo(r.score, 6)));
  });

  it('ranks getContent(MetadataMode.NONE) by default, or the mode asked for, fields or text', async () => {
    const nodes = retrieved();
    const text = (mode: MetadataMode) => nodes.map((n) => n.node.getContent(mode));
    expect(text(MetadataMode.ALL)[0]).not.toBe(text(MetadataMode.NONE)[0]);
    const ranks = (results: { index: number; score: number }[]) => results.map((r) => ({ node: nodes[r.index].node, score: expect.closeTo(r.score, 6) }));

    const all = new CrossrankRerank({ model: reranker(), topN: 6, metadataMode: MetadataMode.ALL });
    expect(await all.postprocessNodes(nodes, QUERY)).toEqual(ranks(await reranker().rerank(QUERY, text(MetadataMode.ALL))));

    const fields = new CrossrankRerank({ model: reranker(), topN: 6, fields: ['title', 'text'] });
    const records = nodes.map((n) => ({ title: n.node.metadata.title, text: n.node.getContent(MetadataMode.NONE) }));
    expect(await fields.postprocessNodes(nodes, QUERY)).toEqual(ranks(await reranker().rerank(QUERY, records, { fields: ['title', 'text'] })));

    const byText = new CrossrankRerank({ model: reranker(), topN: 6, text: (n) => n.node.id_ });
    expect(await byText.postprocessNodes(nodes, QUERY)).toEqual(ranks(await reranker().rerank(QUERY, nodes.map((n) => n.node.id_))));
  });

  it('takes the query as MessageContent: its text parts', async () => {
    const nodes = retrieved();
    const postprocessor = new CrossrankRerank({ model: reranker(), topN: 6 });
    const asParts = await postprocessor.postprocessNodes(nodes, [
      { type: 'text', text: 'how does a cross-encoder' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'text', text: 'rerank passages' },
    ]);
    const expected = await reranker().rerank('how does a cross-encoder\n\nrerank passages', PASSAGES);
    expect(asParts.map((n) => n.node.id_)).toEqual(expected.map((r) => `n${r.index}`));
    expect(asParts.map((n) => n.score)).toEqual(expected.map((r) => expect.closeTo(r.score, 6)));
  });

  it('returns [] for no nodes without loading the model; refuses a missing query and bad nodes by name', async () => {
    const missing = new CrossrankRerank({ model: '/nonexistent/model' });
    expect(await missing.postprocessNodes([], QUERY)).toEqual([]);
    const postprocessor = new CrossrankRerank({ model: reranker() });
    await expect(postprocessor.postprocessNodes(retrieved())).rejects.toThrow(/query is required/);
    await expect(postprocessor.postprocessNodes([{ node: {} } as never], QUERY)).rejects.toThrow(
      /nodes\[0\]\.node must be a LlamaIndex node/,
    );
    expect(() => new CrossrankRerank({ model: reranker(), metadataMode: 'SOME' as never })).toThrow(CrossrankError);
    expect(() => new CrossrankRerank({ model: reranker(), metadataMode: 'SOME' as never })).toThrow(
      /options\.metadataMode must be one of 'ALL', 'EMBED', 'LLM', 'NONE'/,
    );
  });
});
