// Decoder (causal LM) rerankers: the Qwen3-shaped fixture (test/fixtures/generate.mjs) in each export
// form against a reference pipeline written here from Hugging Face `tokenizers` and onnxruntime-node:
// the same prompt (prefix and suffix without special tokens, the middle cut from its end to fit
// maxLength), left padding, position ids from the mask, the last position, the yes/no columns.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { detectFamily, TEMPLATES } from '../lib/decoder-templates';
import { CrossrankError, type PromptTemplate, Reranker, Tokenizer } from '../lib/index';
import { generateBpeCorpus } from './support/corpus';
import { fixture } from './support/fixtures';
import { checkParity, wellFormedPairs } from './support/parity';

const ROOT = path.resolve(__dirname, '..');
const DIR = fixture('qwen3-reranker');
const TOKENIZER = path.join(DIR, 'tokenizer.json');
const FORMS = {
  full: 'model.onnx',
  yesno: 'model_yesno.onnx',
  seqCls: 'model_seq_cls.onnx',
  past: 'model_past.onnx',
  gqa: 'model_gqa.onnx',
} as const;
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-decoder-'));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

const PAIRS: [string, string][] = [
  ['what is a fox', 'The quick brown fox jumps over the lazy dog.'],
  ['capital of France', 'Paris is the capital and most populous city of France, on the Seine.'],
  ['x', 'y'],
  ['how do plants grow', 'Plants need water, light and air; the sun gives them energy to make food from water.'],
  ["it's 2026: what's new?", 'Nothing, really.\n\nOr maybe everything: café, naïve, 北京, 👍🏽.'],
  ['', 'an empty query'],
];

interface Prompt {
  prefix: string;
  body: string;
  suffix: string;
  yes: string;
  no?: string;
}
const QWEN3 = TEMPLATES['qwen3-reranker'].template;

/**
 * The reference: one batch, left-padded (right-padded for GroupQueryAttention, which takes only that),
 * scored at each row's last real position. Returns raw logit(yes) - logit(no).
 */
class Reference {
  private constructor(
    private readonly tok: HfTokenizer,
    private readonly session: ort.InferenceSession,
    private readonly side: 'left' | 'right',
  ) {}

  static async load(modelFile: string, side: 'left' | 'right' = 'left'): Promise<Reference> {
    const tok = HfTokenizer.fromFile(TOKENIZER);
    return new Reference(tok, await ort.InferenceSession.create(path.join(DIR, 'onnx', modelFile), { intraOpNumThreads: 1 }), side);
  }

  async ids(text: string, maxTokens?: number): Promise<number[]> {
    if (maxTokens === undefined) this.tok.disableTruncation();
    else this.tok.setTruncation(maxTokens);
    return (await this.tok.encode(text, null, { addSpecialTokens: false })).getIds();
  }

  async prompt(p: Prompt, instruction: string, query: string, document: string, maxLength: number): Promise<number[]> {
    const prefix = await this.ids(p.prefix);
    const suffix = await this.ids(p.suffix);
    const body = p.body.replace('{instruction}', () => instruction).replace('{query}', () => query).replace('{document}', () => document);
    return [...prefix, ...(await this.ids(body, maxLength - prefix.length - suffix.length)), ...suffix];
  }

  async scores(p: Prompt, instruction: string, pairs: [string, string][], maxLength = 1024): Promise<number[]> {
    const rows = await Promise.all(pairs.map(([q, d]) => this.prompt(p, instruction, q, d, maxLength)));
    const width = Math.max(...rows.map((r) => r.length));
    const ids: bigint[] = [];
    const mask: bigint[] = [];
    const positions: bigint[] = [];
    const padding = (n: number) => {
      for (let i = 0; i < n; i++) ids.push(0n), mask.push(0n), positions.push(1n);
    };
    for (const row of rows) {
      if (this.side === 'left') padding(width - row.length);
      row.forEach((id, i) => (ids.push(BigInt(id)), mask.push(1n), positions.push(BigInt(i))));
      if (this.side === 'right') padding(width - row.length);
    }
    const tensor = (values: bigint[]) => new ort.Tensor('int64', BigInt64Array.from(values), [rows.length, width]);
    const feeds: Record<string, ort.Tensor> = { input_ids: tensor(ids), attention_mask: tensor(mask), position_ids: tensor(positions) };
    for (const name of this.session.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [rows.length, 2, 0, 16]);
    }
    const logits = (await this.session.run(feeds, ['logits'])).logits;
    const data = logits.data as Float32Array;
    const yes = this.tok.tokenToId(p.yes)!;
    const no = p.no === undefined ? undefined : this.tok.tokenToId(p.no)!;
    return rows.map((row, r) => {
      if (logits.dims.length === 3) {
        const vocab = logits.dims[2];
        const last = (r * width + (this.side === 'left' ? width : row.length) - 1) * vocab;
        return data[last + yes] - (no === undefined ? 0 : data[last + no]);
      }
      return logits.dims[1] === 2 ? data[r * 2 + 1] - data[r * 2] : data[r];
    });
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const loaded: Reranker[] = [];
async function load(modelFile: string, options: Parameters<typeof Reranker.load>[1] = {}): Promise<Reranker> {
  const r = await Reranker.load(DIR, { modelFile, ...options });
  loaded.push(r);
  return r;
}
afterAll(async () => {
  for (const r of loaded) await r.close();
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
  }
}

describe('Qwen-shaped tokenizer', () => {
  it('matches Hugging Face tokenizers on a BPE corpus and on the prompt texts', async () => {
    const pairs = wellFormedPairs(generateBpeCorpus({ count: 120, seed: 13 }));
    const stats = await checkParity(TOKENIZER, pairs, [
      { name: 'single', pair: false, addSpecialTokens: false, padding: false },
      { name: 'single+special', pair: false, padding: false },
    ], { disableFileTruncation: true });
    expect(stats.tokens).toBeGreaterThan(1000);
    const ours = Tokenizer.fromFile(TOKENIZER);
    const hf = HfTokenizer.fromFile(TOKENIZER);
    for (const text of [QWEN3.prefix, QWEN3.suffix, TEMPLATES['mxbai-rerank-v2'].template.suffix, 'yes', 'no', 'Yes', '<|im_end|>yes']) {
      const theirs = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
      expect(ours.encode(text, null, { addSpecialTokens: false }).ids, JSON.stringify(text)).toEqual(theirs);
    }
    // The answer tokens are single tokens, as in Qwen's vocabulary.
    for (const word of ['yes', 'no', 'Yes', '0', '1']) expect(hf.tokenToId(word)).toBeTypeOf('number');
  });
});

describe('decoder reranker parity', () => {
  let refs: Record<keyof typeof FORMS, Reference>;
  beforeAll(async () => {
    refs = {
      full: await Reference.load(FORMS.full),
      yesno: await Reference.load(FORMS.yesno),
      seqCls: await Reference.load(FORMS.seqCls),
      past: await Reference.load(FORMS.past),
      gqa: await Reference.load(FORMS.gqa, 'right'),
    };
  });
  afterAll(async () => {
    for (const ref of Object.values(refs)) await ref.release();
  });

  it.each(Object.keys(FORMS) as (keyof typeof FORMS)[])('%s: scores within 1e-4 of the reference, raw and with sigmoid', async (form) => {
    const expected = await refs[form].scores(QWEN3, QWEN3.instruction, PAIRS);
    // The random model still tells pairs apart: the comparison is not between constants.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.2);
    const raw = await load(FORMS[form], { activation: 'none' });
    expect(raw.info.template).toBe('qwen3-reranker');
    expect(raw.info.numLabels).toBe(1);
    expectClose(await raw.score(PAIRS), expected);
    const probabilities = await load(FORMS[form]);
    expect(probabilities.info.activation).toBe('sigmoid');
    expectClose(await probabilities.score(PAIRS), expected.map(sigmoid));
  });

  it('reports the export form and the answer tokens', async () => {
    const hf = HfTokenizer.fromFile(TOKENIZER);
    const expectedForms = { full: 'lm-head', yesno: 'yes-no', seqCls: 'seq-cls', past: 'lm-head', gqa: 'lm-head' };
    for (const form of Object.keys(FORMS) as (keyof typeof FORMS)[]) {
      const r = await load(FORMS[form]);
      expect(r.info.decoderOutput).toBe(expectedForms[form]);
      expect(r.info.answerTokenIds).toEqual([hf.tokenToId('yes'), hf.tokenToId('no')]);
      expect(r.info.instruction).toBe(QWEN3.instruction);
      expect(r.info.maxLength).toBe(1024); // config.json's max_position_embeddings
    }
    const past = await load(FORMS.past);
    expect(past.info.inputNames.filter((n) => n.startsWith('past_key_values.'))).toHaveLength(4);
  });

  it('the three output forms (and the past_key_values and GroupQueryAttention variants) agree with each other', async () => {
    const scores = await Promise.all(Object.values(FORMS).map(async (file) => (await load(file, { activation: 'none' })).score(PAIRS)));
    for (const other of scores.slice(1)) expectClose(other, scores[0]);
  });

  it('a batch of mixed lengths scores as one pair at a time', async () => {
    for (const file of [FORMS.full, FORMS.yesno, FORMS.seqCls, FORMS.gqa]) {
      const r = await load(file, { activation: 'none', maxBatchTokens: 4096 });
      const together = await r.scoreDetailed(PAIRS);
      expect(together.timings.batches).toBe(1);
      expect(together.timings.paddingRatio).toBeGreaterThan(0);
      const alone = await Promise.all(PAIRS.map(async (pair) => (await r.score([pair]))[0]));
      expectClose(together.scores, alone, 1e-5);
      // The reference scores each pair in a batch of its own too: no padding at all.
      const reference = await Promise.all(PAIRS.map(async (pair) => (await refs.yesno.scores(QWEN3, QWEN3.instruction, [pair]))[0]));
      expectClose(together.scores, reference);
    }
  });

  it('cuts the middle from its end to fit maxLength, keeping prefix and suffix', async () => {
    const long: [string, string][] = [['what is a fox', 'The quick brown fox jumps over the lazy dog. '.repeat(40)], PAIRS[1]];
    const r = await load(FORMS.yesno, { activation: 'none', maxLength: 120 });
    const detailed = await r.scoreDetailed(long);
    expect(detailed.timings.tokens).toBeLessThanOrEqual(240);
    expectClose(detailed.scores, await refs.yesno.scores(QWEN3, QWEN3.instruction, long, 120));
    const untruncated = await refs.yesno.scores(QWEN3, QWEN3.instruction, long);
    expect(Math.abs(untruncated[0] - detailed.scores[0])).toBeGreaterThan(1e-3);
  });

  it('the instruction: load option, per call, and a template of your own', async () => {
    const instruction = 'Given a question, find the passage that answers it';
    const expectedDefault = await refs.yesno.scores(QWEN3, QWEN3.instruction, PAIRS);
    const expected = await refs.yesno.scores(QWEN3, instruction, PAIRS);
    expect(Math.max(...expected.map((e, i) => Math.abs(e - expectedDefault[i])))).toBeGreaterThan(1e-3);

    const atLoad = await load(FORMS.yesno, { activation: 'none', instruction });
    expect(atLoad.info.instruction).toBe(instruction);
    expectClose(await atLoad.score(PAIRS), expected);
    // A call's own instruction wins over the load's.
    expectClose(await atLoad.score(PAIRS, { instruction: QWEN3.instruction }), expectedDefault);

    const plain = await load(FORMS.yesno, { activation: 'none' });
    expectClose(await plain.score(PAIRS, { instruction }), expected);
    const ranked = await plain.rerank(PAIRS[0][0], PAIRS.map((p) => p[1]), { instruction });
    const onlyFirstQuery = await refs.yesno.scores(QWEN3, instruction, PAIRS.map((p) => [PAIRS[0][0], p[1]]));
    expect(ranked.map((r) => r.index)).toEqual(onlyFirstQuery.map((s, i) => [s, i]).sort((a, b) => b[0] - a[0]).map(([, i]) => i));
    expectClose(ranked.map((r) => r.score), [...onlyFirstQuery].sort((a, b) => b - a));

    const custom: PromptTemplate = {
      prefix: '<|im_start|>system\nAnswer yes or no.<|im_end|>\n<|im_start|>user\n',
      body: 'Task: {instruction}\nQ: {query}\nD: {document}',
      suffix: '<|im_end|>\n<|im_start|>assistant\n',
      yes: 'yes',
      no: 'no',
      instruction: 'judge',
    };
    const own = await load(FORMS.full, { activation: 'none', template: custom });
    expect(own.info.template).toBe('custom');
    expectClose(await own.score(PAIRS), await refs.full.scores(custom, 'judge', PAIRS));
    expectClose(await own.score(PAIRS, { instruction: 'other' }), await refs.full.scores(custom, 'other', PAIRS));
  });

  it("the other families' templates: mxbai-rerank-v2 (1/0, optional instruction line) and bge-reranker-gemma (Yes alone)", async () => {
    const mxbai = TEMPLATES['mxbai-rerank-v2'].template;
    const m = await load(FORMS.full, { activation: 'none', template: 'mxbai-rerank-v2' });
    expect(m.info.instruction).toBe('');
    expectClose(await m.score(PAIRS), await refs.full.scores(mxbai, '', PAIRS));
    expectClose(await m.score(PAIRS, { instruction: 'find answers' }), await refs.full.scores(mxbai, 'instruction: find answers\n', PAIRS));

    const gemma = TEMPLATES['bge-reranker-gemma'].template;
    const g = await load(FORMS.full, { activation: 'none', template: 'bge-reranker-gemma' });
    expect(g.info.instruction).toBeNull();
    expect(g.info.answerTokenIds).toHaveLength(1);
    expectClose(await g.score(PAIRS), await refs.full.scores(gemma, '', PAIRS));
    await expect(g.score(PAIRS, { instruction: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/no \{instruction\}/) });
  });
});

describe('family detection', () => {
  const folder = (name: string, config: Record<string, unknown>, files: Record<string, string> = {}): string => {
    const dir = path.join(TMP, name);
    fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    fs.copyFileSync(TOKENIZER, path.join(dir, 'tokenizer.json'));
    fs.copyFileSync(path.join(DIR, 'onnx', FORMS.yesno), path.join(dir, 'onnx', 'model.onnx'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  };

  it('from config.json architectures and model_type, and from the prompt in a chat template or sentence-transformers config', async () => {
    expect(detectFamily(DIR, { architectures: ['Qwen3ForCausalLM'] }, {})).toBe('qwen3-reranker');
    expect(detectFamily(DIR, { architectures: ['Qwen3ForSequenceClassification'] }, {})).toBe('qwen3-reranker');
    expect(detectFamily(DIR, { architectures: ['Qwen2ForCausalLM'] }, {})).toBe('mxbai-rerank-v2');
    expect(detectFamily(DIR, { architectures: ['Gemma2ForCausalLM'] }, {})).toBe('bge-reranker-gemma');
    expect(detectFamily(DIR, { model_type: 'gemma' }, {})).toBe('bge-reranker-gemma');
    expect(detectFamily(DIR, { architectures: ['BertForSequenceClassification'], model_type: 'bert' }, {})).toBeUndefined();
    // The prompt text decides over the architecture (a Qwen2 model prompted as Qwen3-Reranker).
    expect(detectFamily(DIR, { architectures: ['Qwen2ForCausalLM'] }, { chat_template: `{{ '<|im_start|>system\\n${TEMPLATES['qwen3-reranker'].marker}' }}` })).toBe('qwen3-reranker');

    const jinja = folder('jinja', { architectures: ['LlamaForCausalLM'], model_type: 'llama' }, {
      'chat_template.jinja': `<|im_start|>system\n${TEMPLATES['mxbai-rerank-v2'].template.prefix} ... ${TEMPLATES['mxbai-rerank-v2'].marker}`,
    });
    const a = await Reranker.load(jinja);
    expect(a.info.template).toBe('mxbai-rerank-v2');
    // No limit in its files: the families' own default, not the encoders' 512.
    expect(a.info.maxLength).toBe(8192);
    await a.close();
    const st = folder('st', { model_type: 'llama' }, {
      'config_sentence_transformers.json': JSON.stringify({ prompts: { query: TEMPLATES['bge-reranker-gemma'].template.suffix } }),
    });
    // Gemma's template scores with Yes alone, which a [no, yes] export cannot give.
    await expect(Reranker.load(st)).rejects.toMatchObject({ code: 'INVALID_MODEL', message: expect.stringMatching(/\[no, yes\]/) });
    const plain = await Reranker.load(fixture('tiny'));
    expect(plain.info.template).toBeNull();
    expect(plain.info.decoderOutput).toBe('labels');
    await plain.close();
  });
});

describe('decoder errors', () => {
  it('a decoder graph without a template names the option', async () => {
    const dir = path.join(TMP, 'no-family');
    fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
    fs.copyFileSync(TOKENIZER, path.join(dir, 'tokenizer.json'));
    fs.copyFileSync(path.join(DIR, 'onnx', FORMS.full), path.join(dir, 'onnx', 'model.onnx'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ architectures: ['SomethingElse'] }));
    const error = await Reranker.load(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrossrankError);
    expect(error).toMatchObject({ code: 'INVALID_MODEL', message: expect.stringMatching(/position_ids.*`template` option/) });
  });

  it('an output that cannot be served, an unknown template, answer tokens that are not single tokens', async () => {
    await expect(Reranker.load(fixture('tiny-3-labels'), { template: 'qwen3-reranker' })).rejects.toMatchObject({
      code: 'INVALID_MODEL',
      message: expect.stringMatching(/output 'logits' is \[\?, 3\]/),
    });
    await expect(load(FORMS.yesno, { template: 'qwen4-reranker' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/options.template must be one of 'qwen3-reranker'/),
    });
    const template = { ...QWEN3, yes: 'certainly' };
    await expect(load(FORMS.yesno, { template })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/yes token 'certainly' is \d+ tokens .* exactly one token/),
    });
    await expect(load(FORMS.yesno, { template: { ...QWEN3, body: '{query}' } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/must hold \{document\}/),
    });
    await expect(load(FORMS.yesno, { maxLength: 30 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/prefix and suffix take \d+ tokens/),
    });
  });

  it('instruction on an encoder, chunking on a decoder', async () => {
    await expect(Reranker.load(fixture('tiny'), { instruction: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const encoder = await Reranker.load(fixture('tiny'));
    await expect(encoder.score([['a', 'b']], { instruction: 'x' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await encoder.close();
    const r = await load(FORMS.yesno);
    await expect(r.rerank('q', ['d'], { longDocuments: 'chunk' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(r.rerank('q', ['d'], { maxQueryLength: 8 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(r.rerank('q', ['d'], { maxDocumentLength: 8 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('warns once, with how to export a trimmed graph, for full LM-head graphs only', () => {
    // A process of its own: the warning is once per process.
    const script =
      `const { Reranker } = require(${JSON.stringify(ROOT)});` +
      `const seen = []; process.on('warning', (w) => seen.push(w.code));` +
      `(async () => { for (const modelFile of ${JSON.stringify([FORMS.yesno, FORMS.seqCls, 'MARK', FORMS.full, FORMS.past, FORMS.full])}) {` +
      `  if (modelFile === 'MARK') { await new Promise((r) => setImmediate(r)); seen.push('mark'); continue; }` +
      `  const r = await Reranker.load(${JSON.stringify(DIR)}, { modelFile }); await r.score([['q', 'd']]); await r.close(); }` +
      `  await new Promise((r) => setImmediate(r)); console.log(JSON.stringify(seen)); })();`;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(['mark', 'CROSSRANK_LM_HEAD_LOGITS']);
    expect(result.stderr).toMatch(/returns the whole LM head.*\[batch, 2\].*sequence-classification conversion/);
  });
});
