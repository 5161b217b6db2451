import * as ort from 'onnxruntime-node';
import { Tokenizer as HfTokenizer } from 'tokenizers';

/** IEEE 754 binary16 bits to a number, written out independently of ONNX Runtime's conversion. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * The reference pipeline crossrank must agree with: Hugging Face `tokenizers` for ids and
 * onnxruntime-node for logits, one pair per run so no padding can blur the comparison.
 */
export class ReferencePipeline {
  private constructor(
    private readonly tokenizer: HfTokenizer,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(
    tokenizerPath: string,
    modelPath: string,
    maxLength = 512,
    direction: 'right' | 'left' = 'right',
  ): Promise<ReferencePipeline> {
    const tokenizer = HfTokenizer.fromFile(tokenizerPath);
    tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' as never, direction: direction as never });
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
    const data = out.logits.data;
    // onnxruntime-node hands float16 tensors over as their raw bits.
    return out.logits.type === 'float16' ? Float32Array.from(data as Uint16Array, halfToFloat) : (data as Float32Array);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
