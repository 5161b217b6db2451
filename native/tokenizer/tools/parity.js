#!/usr/bin/env node
// Differential check of the native tokenizer (through the tokenize_cli harness) against the
// Hugging Face `tokenizers` npm package, over the shared corpus (test/support/corpus.ts).
//
//   native/tokenizer/tools/build.sh
//   node --experimental-require-module native/tokenizer/tools/parity.js [--count N] [--seed S] [--file path/to/tokenizer.json]
//                                         [--cli .cache/tokenizer/tokenize_cli] [--bench]
//
// Exit code 0 when every (pair, config) gives identical ids, type ids and attention masks, and
// errors exactly where HF errors.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..', '..');

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

const { loadCorpus } = require('./load-corpus');

// Requests as a JS string reaches native code: ill-formed UTF-16 becomes U+FFFD.
const wellFormed = (s) => Buffer.from(s, 'utf8').toString('utf8');

const STRATEGY_HF = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' };

// Variants of the BERT file that exercise every component option we implement.
function variants(base) {
  const clone = () => JSON.parse(JSON.stringify(base));
  const v = [];
  const add = (name, mutate, extraWords = []) => {
    const j = clone();
    mutate(j);
    v.push({ name, json: j, extraWords });
  };
  add('added tokens: lstrip/rstrip/single_word/normalized', (j) => {
    j.added_tokens.push(
      { id: 30522, content: '<mask>', single_word: false, lstrip: true, rstrip: false, normalized: false, special: true },
      { id: 30523, content: 'Hello World', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 30524, content: 'ony', single_word: true, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 30525, content: 'Yesterday', single_word: false, lstrip: false, rstrip: true, normalized: true, special: false },
      { id: 30526, content: '<eos>', single_word: true, lstrip: true, rstrip: true, normalized: false, special: true },
      { id: 30527, content: '[SEP][SEP]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 30528, content: 'café', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
      { id: 7592, content: 'hello', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false },
    );
  }, ['<mask>', ' <mask>', 'Hello World', 'HELLO WORLD', 'hello  world', 'ony', 'Antony', 'ony!', 'YESTERDAY', 'yesterday   x', '<eos>', 'a<eos>', ' <eos> ', '[SEP][SEP]', 'CAFÉ', 'cafe\u0301', 'hello']);
  add('cased BertNormalizer (lowercase false, strip_accents null)', (j) => {
    j.normalizer.lowercase = false;
  });
  add('BertNormalizer lowercase true, strip_accents false', (j) => {
    j.normalizer.strip_accents = false;
  });
  add('BertNormalizer lowercase false, strip_accents true, no clean_text/chinese', (j) => {
    Object.assign(j.normalizer, { lowercase: false, strip_accents: true, clean_text: false, handle_chinese_chars: false });
  });
  add('Sequence[BertNormalizer(strip only), Lowercase] + Sequence[WhitespaceSplit, BertPreTokenizer]', (j) => {
    j.normalizer = { type: 'Sequence', normalizers: [{ ...j.normalizer, lowercase: false, strip_accents: true }, { type: 'Lowercase' }] };
    j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'BertPreTokenizer' }] };
  });
  add('Whitespace pre-tokenizer + BertProcessing', (j) => {
    j.pre_tokenizer = { type: 'Whitespace' };
    j.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] };
  });
  add('WhitespaceSplit pre-tokenizer, no post-processor, no normalizer', (j) => {
    j.pre_tokenizer = { type: 'WhitespaceSplit' };
    j.post_processor = null;
    j.normalizer = null;
  });
  add('typed WordPiece model, max_input_chars_per_word 12, template with multi-id specials', (j) => {
    j.model.type = 'WordPiece';
    j.model.max_input_chars_per_word = 12;
    j.post_processor.special_tokens['[CLS]'].ids = [101, 1]; // two ids for one special piece
    j.post_processor.pair[4].SpecialToken.type_id = 0;
  });
  return v;
}

function configs() {
  const list = [{ name: 'pair, no truncation', pair: true, maxLength: 0 }];
  for (const maxLength of [512, 128, 32, 9, 4, 3]) {
    for (const strategy of ['longest_first', 'only_first', 'only_second']) {
      list.push({ name: `pair, ${strategy}@${maxLength}`, pair: true, maxLength, strategy });
    }
  }
  list.push({ name: 'single, no truncation', pair: false, maxLength: 0 });
  list.push({ name: 'single, longest_first@128', pair: false, maxLength: 128, strategy: 'longest_first' });
  list.push({ name: 'single, longest_first@9', pair: false, maxLength: 9, strategy: 'longest_first' });
  list.push({ name: 'single, only_second@32 (errors when truncating)', pair: false, maxLength: 32, strategy: 'only_second' });
  list.push({ name: 'pair, no special tokens', pair: true, maxLength: 0, addSpecialTokens: false });
  list.push({ name: 'pair, no special tokens, longest_first@32', pair: true, maxLength: 32, strategy: 'longest_first', addSpecialTokens: false });
  list.push({ name: 'pair, degenerate longest_first@2 (HF usize wrap)', pair: true, maxLength: 2, strategy: 'longest_first' });
  list.push({ name: 'single, degenerate only_first@1 (HF usize wrap)', pair: false, maxLength: 1, strategy: 'only_first' });
  return list;
}

async function main() {
  const count = Number(arg('--count', 1200));
  const seed = Number(arg('--seed', 0x5eed));
  const file = path.resolve(arg('--file', path.join(ROOT, '..', 'shared', 'tokenizers', 'bert-base-uncased.json')));
  const { generateCorpus, createRng } = loadCorpus();
  const pairs = generateCorpus({ count, seed }).map((p) => ({ query: wellFormed(p.query), document: wellFormed(p.document) }));
  if (!process.argv.includes('--variants')) {
    process.exitCode = (await runFile(file, pairs)) ? 1 : 0;
    return;
  }
  const base = JSON.parse(fs.readFileSync(file, 'utf8'));
  let bad = 0;
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'crossrank-parity-'));
  for (const variant of variants(base)) {
    const vf = path.join(tmp, 'variant.json');
    fs.writeFileSync(vf, JSON.stringify(variant.json));
    // Sprinkle the variant's interesting strings into the corpus.
    const rng = createRng(1234);
    const vp = pairs.map((p) => {
      if (!variant.extraWords.length) return p;
      const w = () => JSON.parse('"' + variant.extraWords[Math.floor(rng() * variant.extraWords.length)] + '"');
      return { query: p.query + ' ' + w() + w(), document: w() + ' ' + p.document.slice(0, 3000) + ' ' + w() + ' ' + w() };
    });
    console.log(`== variant: ${variant.name}`);
    if (await runFile(vf, vp)) bad++;
  }
  process.exitCode = bad ? 1 : 0;
}

async function runFile(file, pairs) {
  const cli = path.resolve(arg('--cli', path.join(ROOT, '.cache', 'tokenizer', 'tokenize_cli')));
  const { Tokenizer } = require(require.resolve('tokenizers', { paths: [ROOT] }));
  const hf = Tokenizer.fromFile(file);
  hf.disablePadding(); // Encode never pads; the file's padding section is only exposed

  let total = 0;
  let mismatches = 0;
  const shown = [];
  let hfMs = 0;
  let hfErrors = 0;
  let tokensCompared = 0;
  let ourMs = 0;
  for (const cfg of configs()) {
    const lines = [];
    for (const p of pairs) {
      lines.push(JSON.stringify({
        a: p.query,
        b: cfg.pair ? p.document : null,
        max_length: cfg.maxLength,
        strategy: cfg.strategy,
        add_special_tokens: cfg.addSpecialTokens !== false,
      }));
    }
    const t0 = Date.now();
    const res = spawnSync(cli, [file], { input: lines.join('\n') + '\n', maxBuffer: 1 << 30 });
    ourMs += Date.now() - t0;
    if (res.status !== 0) throw new Error(`tokenize_cli failed: ${res.stderr}`);
    const ours = res.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));

    if (cfg.maxLength > 0) hf.setTruncation(cfg.maxLength, { strategy: STRATEGY_HF[cfg.strategy] });
    else hf.disableTruncation();
    const t1 = Date.now();
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      let expected;
      try {
        const e = await hf.encode(p.query, cfg.pair ? p.document : null, { addSpecialTokens: cfg.addSpecialTokens !== false });
        expected = { ids: e.getIds(), type_ids: e.getTypeIds(), attention_mask: e.getAttentionMask() };
      } catch (err) {
        expected = { error: String(err.message || err) };
      }
      total++;
      if (expected.error !== undefined) hfErrors++;
      else tokensCompared += expected.ids.length;
      const got = ours[i];
      const same = expected.error !== undefined
        ? got.error !== undefined && got.error === expected.error
        : got.error === undefined &&
          JSON.stringify(got.ids) === JSON.stringify(expected.ids) &&
          JSON.stringify(got.type_ids) === JSON.stringify(expected.type_ids) &&
          JSON.stringify(got.attention_mask) === JSON.stringify(expected.attention_mask);
      if (!same) {
        mismatches++;
        if (shown.length < 8) shown.push({ config: cfg.name, index: i, query: p.query.slice(0, 200), document: cfg.pair ? p.document.slice(0, 200) : null, expected, got });
      }
    }
    hfMs += Date.now() - t1;
  }
  hf.disableTruncation();
  console.log(`parity ${path.basename(file)}: ${pairs.length} pairs x ${configs().length} configs = ${total} encodings, ${mismatches} mismatches`);
  console.log(`  HF errors (matched by message): ${hfErrors}; token ids compared: ${tokensCompared}`);
  console.log(`time: native CLI ${ourMs} ms (incl. process start + load per config), oracle ${hfMs} ms`);
  for (const s of shown) console.log(JSON.stringify(s).slice(0, 3000));
  return mismatches;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
