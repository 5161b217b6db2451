import type { MessageContent } from '@llamaindex/core/llms';
import type { BaseNodePostprocessor } from '@llamaindex/core/postprocessor';
import { type BaseNode, MetadataMode, type NodeWithScore } from '@llamaindex/core/schema';
import { extractText } from '@llamaindex/core/utils';

import { invalidArgument } from '../errors';
import { describe, enumOption } from '../validate';
import {
  type AdapterOptions,
  type DocumentShape,
  parseAdapterOptions,
  type PassThroughRerankOptions,
  rankDocuments,
  type SharedModel,
  topNOption,
} from './shared';

export { closeSharedRerankers, type ModelSource } from './shared';

/**
 * `new CrossrankRerank(...)`'s options: the model, topN, which text of a node is ranked, and any load
 * or rerank() option. `text` receives each `NodeWithScore`; `fields` name the node's metadata keys
 * and `text` (its content).
 */
export interface CrossrankRerankOptions extends AdapterOptions<NodeWithScore> {
  /** Nodes postprocessNodes keeps, best first. Default 3. */
  topN?: number;
  /** Which metadata `node.getContent()` includes in the ranked text. Default MetadataMode.NONE: none. */
  metadataMode?: MetadataMode;
}

const METADATA_MODES = Object.values(MetadataMode);

/**
 * A LlamaIndex node postprocessor that reranks in process with crossrank: pass it in a query
 * engine's `nodePostprocessors`, where CohereRerank would go.
 *
 * ```ts
 * const queryEngine = index.asQueryEngine({
 *   nodePostprocessors: [new CrossrankRerank({ model: './ms-marco-MiniLM-L-6-v2', topN: 5 })],
 * });
 * ```
 * The model loads on first use, once per process however many postprocessors name it.
 */
export class CrossrankRerank implements BaseNodePostprocessor {
  /** Nodes postprocessNodes keeps. */
  topN: number;
  /** The model folder or id (the Reranker's folder when one was passed in). */
  readonly model: string;
  readonly #model: SharedModel;
  readonly #options: PassThroughRerankOptions<NodeWithScore>;
  readonly #shape: DocumentShape<NodeWithScore>;

  constructor(options: CrossrankRerankOptions) {
    const parsed = parseAdapterOptions<NodeWithScore>(options, 'options', ['topN', 'metadataMode']);
    this.#model = parsed.model;
    this.#options = parsed.rerank;
    this.model = parsed.model.id;
    this.topN = topNOption(parsed.own.topN, 'options.topN', 3) as number;
    const metadataMode = enumOption(parsed.own.metadataMode, 'options.metadataMode', METADATA_MODES) ?? MetadataMode.NONE;
    this.#shape = {
      content: (item, index) => nodeOf(item, index).getContent(metadataMode),
      metadata: (item) => item.node.metadata,
      contentKey: 'text',
    };
  }

  /**
   * The best `topN` nodes for `query`, best first, each in a new NodeWithScore whose `score` is
   * crossrank's; the nodes themselves are the caller's, untouched. `query` may be a multi-part
   * message: its text parts are ranked against.
   */
  async postprocessNodes(nodes: NodeWithScore[], query?: MessageContent): Promise<NodeWithScore[]> {
    if (query === undefined || query === null) {
      throw invalidArgument('query is required: a reranker scores nodes against a query');
    }
    const results = await rankDocuments(this.#model, extractText(query), nodes, this.#shape, this.#options, {
      topK: this.topN,
    });
    return results.map(({ index, score }) => ({ node: nodes[index].node, score }));
  }
}

function nodeOf(item: NodeWithScore, index: number): BaseNode {
  const node: unknown = item?.node;
  if (typeof (node as BaseNode | undefined)?.getContent !== 'function') {
    throw invalidArgument(`nodes[${index}].node must be a LlamaIndex node (with getContent()), got ${describe(node)}`);
  }
  return node as BaseNode;
}
