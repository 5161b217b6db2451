import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CrossrankError, Reranker, Tokenizer } from '../lib/index';
import { fixture } from './support/fixtures';

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CrossrankError);
  expect((error as CrossrankError).code).toBe(code);
  expect((error as CrossrankError).message).toMatch(message);
}

function throwsWith(fn: () => unknown, code: string, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CrossrankError);
  expect((error as CrossrankError).code).toBe(code);
  expect((error as CrossrankError).message).toMatch(message);
}

/** A copy of the tiny model folder to break in one way. */
function brokenCopy(breakIt: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-broken-'));
  fs.cpSync(fixture('tiny'), dir, { recursive: true });
  breakIt(dir);
  return dir;
}

describe('bad calls get typed errors and leave the reranker working', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load(fixture('tiny'));
  });
  afterAll(() => reranker.close());

  const badPairs: Array<[string, unknown, RegExp]> = [
    ['not an array', 'query', /^pairs must be an array/],
    ['a pair that is a string', ['a', 'b'], /^pairs\[0\] must be an array of two strings/],
    ['a pair of one', [['only one']], /^pairs\[0\] must be an array of two strings/],
    ['a pair of three', [['a', 'b', 'c']], /^pairs\[0\]/],
    ['a number inside', [['a', 'b'], ['c', 42]], /^pairs\[1\] must be an array of two strings/],
    ['null inside', [null], /^pairs\[0\]/],
    ['undefined', undefined, /^pairs must be an array/],
  ];
  for (const [what, pairs, message] of badPairs) {
    it(`score() rejects ${what}`, () => rejectsWith(reranker.score(pairs as never), 'INVALID_ARGUMENT', message));
  }

  it('rerank() checks its query, documents and options', async () => {
    await rejectsWith(reranker.rerank(42 as never, ['a']), 'INVALID_ARGUMENT', /^query must be a string/);
    await rejectsWith(reranker.rerank('q', 'doc' as never), 'INVALID_ARGUMENT', /^documents must be an array/);
    await rejectsWith(reranker.rerank('q', ['a', null as never]), 'INVALID_ARGUMENT', /^documents\[1\] must be a string/);
    await rejectsWith(reranker.rerank('q', ['a'], { topK: 0 }), 'INVALID_ARGUMENT', /^options.topK must be an integer >= 1/);
    await rejectsWith(reranker.rerank('q', ['a'], { topK: 1.5 }), 'INVALID_ARGUMENT', /options.topK/);
    await rejectsWith(reranker.rerank('q', ['a'], { returnDocuments: 'yes' as never }), 'INVALID_ARGUMENT', /returnDocuments/);
    await rejectsWith(reranker.score([['a', 'b']], { signal: {} as never }), 'INVALID_ARGUMENT', /options.signal/);
  });

  it('still scores correctly after all of that', async () => {
    const scores = await reranker.score([['query', 'document']]);
    expect(scores.length).toBe(1);
    expect(Number.isFinite(scores[0])).toBe(true);
  });
});

describe('loading bad models fails clearly', () => {
  const cleanup: string[] = [];
  afterAll(() => cleanup.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const broken = (fn: (dir: string) => void) => {
    const dir = brokenCopy(fn);
    cleanup.push(dir);
    return dir;
  };

  it('a missing folder', () =>
    rejectsWith(Reranker.load('/nonexistent/model'), 'MODEL_NOT_FOUND', /model folder not found: \/nonexistent\/model/));

  it('a folder without an ONNX graph', () =>
    rejectsWith(
      Reranker.load(broken((dir) => fs.rmSync(path.join(dir, 'onnx'), { recursive: true }))),
      'MODEL_NOT_FOUND',
      /no ONNX graph for dtype .fp32. \(looked for onnx\/model.onnx, model.onnx\); it has no .onnx file at all/,
    ));

  it('a modelFile that does not exist', () =>
    rejectsWith(Reranker.load(fixture('tiny'), { modelFile: 'model_qint8_arm64.onnx' }), 'MODEL_NOT_FOUND', /model_qint8_arm64.onnx/));

  it('a folder without tokenizer.json', () =>
    rejectsWith(
      Reranker.load(broken((dir) => fs.rmSync(path.join(dir, 'tokenizer.json')))),
      'MODEL_NOT_FOUND',
      /tokenizer.json/,
    ));

  it('a malformed config.json', () =>
    rejectsWith(
      Reranker.load(broken((dir) => fs.writeFileSync(path.join(dir, 'config.json'), '{"num_labels": 1,'))),
      'INVALID_CONFIG',
      /config.json is not valid JSON/,
    ));

  it('a malformed tokenizer.json', () =>
    rejectsWith(
      Reranker.load(broken((dir) => fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": {"type": "WordPiece", "vocab": [1,'))),
      'INVALID_TOKENIZER',
      /tokenizer.json/,
    ));

  it('a tokenizer.json with an unknown component type', () =>
    rejectsWith(
      Reranker.load(
        broken((dir) => {
          const file = path.join(dir, 'tokenizer.json');
          const json = JSON.parse(fs.readFileSync(file, 'utf8'));
          json.normalizer = { type: 'Klingon' };
          fs.writeFileSync(file, JSON.stringify(json));
        }),
      ),
      'INVALID_TOKENIZER',
      /Klingon/,
    ));

  it('a file that is not an ONNX graph', () =>
    rejectsWith(
      Reranker.load(broken((dir) => fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), 'not a protobuf'))),
      'INVALID_MODEL',
      /cannot load ONNX model/,
    ));

  it('an ONNX graph without a logits output', async () => {
    // The generator's graph with its output renamed, byte for byte: the name is a protobuf string.
    const dir = broken((d) => {
      const file = path.join(d, 'onnx', 'model.onnx');
      const bytes = fs.readFileSync(file);
      const from = Buffer.from('logits');
      let at = bytes.indexOf(from);
      while (at >= 0) {
        Buffer.from('scores').copy(bytes, at);
        at = bytes.indexOf(from, at + 1);
      }
      fs.writeFileSync(file, bytes);
    });
    await rejectsWith(Reranker.load(dir), 'INVALID_MODEL', /no 'logits' output \(outputs: scores\)/);
  });

  it('a tokenizer.json from another model: INVALID_MODEL at load, naming both sizes', async () => {
    // An 8000-token XLM-R tokenizer beside the tiny BERT graph, whose word embedding has 3377 rows.
    const foreign = brokenCopy((dir) => fs.copyFileSync(fixture('tiny-xlmr-plain/tokenizer.json'), path.join(dir, 'tokenizer.json')));
    const bothSizes = /token ids up to 7999 \(8000 tokens\), but the graph's word embedding .* has 3377 rows/;
    await rejectsWith(Reranker.load(foreign), 'INVALID_MODEL', bothSizes);
    await rejectsWith(Reranker.load(foreign, { modelFile: 'model_quantized.onnx' }), 'INVALID_MODEL', bothSizes);
    // config.json is checked too, where the graph would allow the ids.
    const smallConfig = brokenCopy((dir) => {
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 1000 }));
    });
    await rejectsWith(Reranker.load(smallConfig), 'INVALID_MODEL', /token ids up to 3376 \(3377 tokens\), but config.json says vocab_size 1000/);
    // The matching pair still loads.
    const ok = await Reranker.load(fixture('tiny'));
    expect((await ok.score([['q', 'd']])).length).toBe(1);
    await ok.close();
  });

  it('bad options', async () => {
    await rejectsWith(Reranker.load(fixture('tiny'), { device: 'tpu' as never }), 'INVALID_ARGUMENT', /options.device must be one of 'cpu', 'cuda'/);
    await rejectsWith(Reranker.load(fixture('tiny'), { threads: -1 }), 'INVALID_ARGUMENT', /options.threads/);
    await rejectsWith(Reranker.load(fixture('tiny'), { activation: 'relu' as never }), 'INVALID_ARGUMENT', /options.activation/);
    await rejectsWith(Reranker.load(fixture('tiny'), { truncation: 'middle' as never }), 'INVALID_ARGUMENT', /options.truncation/);
    await rejectsWith(Reranker.load(fixture('tiny'), { maxBatchTokens: 0 }), 'INVALID_ARGUMENT', /options.maxBatchTokens/);
    await rejectsWith(Reranker.load(fixture('tiny'), { logLevel: 'loud' as never }), 'INVALID_ARGUMENT', /options.logLevel must be one of 'off', 'fatal', 'error'/);
    await rejectsWith(Reranker.load(fixture('tiny'), 'cpu' as never), 'INVALID_ARGUMENT', /options must be an object/);
    await rejectsWith(Reranker.load(42 as never), 'INVALID_ARGUMENT', /idOrPath must be a non-empty string/);
    await rejectsWith(Reranker.load(fixture('tiny'), { ortLibraryPath: '/nope/libonnxruntime.so.1' }), 'ORT_UNAVAILABLE', /does not exist/);
  });

  it('device cuda without a CUDA-capable runtime says how to fix it', async () => {
    // CI has no GPU, and onnxruntime-node installs without its CUDA provider libraries here.
    const error = await Reranker.load(fixture('tiny'), { device: 'cuda' }).catch((e: unknown) => e);
    if (error instanceof Reranker) {
      await error.close();
      return; // a machine with a working CUDA runtime: nothing to check
    }
    expect(error).toBeInstanceOf(CrossrankError);
    expect((error as CrossrankError).code).toBe('CUDA_UNAVAILABLE');
    expect((error as CrossrankError).message).toMatch(/ortLibraryPath|LD_LIBRARY_PATH/);
    // It names the library that could not be loaded (onnxruntime-node installed without its CUDA
    // download lacks the provider libraries; a GPU build without CUDA lacks libcudart/cuBLAS/cuDNN).
    expect((error as CrossrankError).message).toMatch(
      /: (libonnxruntime_providers_\w+\.so is not beside the ONNX Runtime library|lib(cu|nv)\S+ \([^)]+\) could not be loaded)/,
    );
    expect((error as CrossrankError).message).toMatch(/ONNX Runtime said: /);
  });
});

describe('Tokenizer errors', () => {
  it('a missing file and a malformed one', () => {
    throwsWith(() => Tokenizer.fromFile('/nonexistent/tokenizer.json'), 'MODEL_NOT_FOUND', /tokenizer file not found/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-tok-'));
    try {
      const file = path.join(dir, 'tokenizer.json');
      fs.writeFileSync(file, '[1, 2');
      throwsWith(() => Tokenizer.fromFile(file), 'INVALID_TOKENIZER', /tokenizer.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad encode arguments', () => {
    const tokenizer = Tokenizer.fromFile(path.join(fixture('tiny'), 'tokenizer.json'));
    throwsWith(() => tokenizer.encode(42 as never), 'INVALID_ARGUMENT', /text must be a string/);
    throwsWith(() => tokenizer.encode('a', 7 as never), 'INVALID_ARGUMENT', /pair must be a string/);
    throwsWith(() => tokenizer.encode('a', 'b', { maxLength: 0 }), 'INVALID_ARGUMENT', /options.maxLength/);
    throwsWith(() => tokenizer.encode('a', 'b', { truncation: 'x' as never }), 'INVALID_ARGUMENT', /options.truncation/);
    throwsWith(
      () => tokenizer.encode('a', 'word '.repeat(50), { maxLength: 8, truncation: 'only_first' }),
      'TRUNCATION_ERROR',
      /too short/,
    );
  });
});
