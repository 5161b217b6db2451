import * as ort from 'onnxruntime-node';
import { Tokenizer as HfTokenizer } from 'tokenizers';

/**
 * The reference pipeline crossrank must agree with: Hugging Face `tokenizers` for ids and
 * onnxruntime-node for logits, one pair per run so no padding can blur the comparison.
 */
export class ReferencePipeline {
  private constructor(
    private readonly tokenizer: HfTokenizer,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(tokenizerPath: string, modelPath: string, maxLength = 512): Promise<ReferencePipeline> {
    const tokenizer = HfTokenizer.fromFile(tokenizerPath);
    tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' as never });
    const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
    return new ReferencePipeline(tokenizer, session);
  }

  async logits(query: string, document: string): Promise<Float32Array> {
    const encoding = await this.tokenizer.encode(query, document);
    const dims = [1, encoding.getIds().length];
    const tensor = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), dims);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: tensor(encoding.getIds()),
      attention_mask: tensor(encoding.getAttentionMask()),
    };
    if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = tensor(encoding.getTypeIds());
    const out = await this.session.run(feeds);
    return out.logits.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
