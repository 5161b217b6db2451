// Differential parity against Hugging Face `tokenizers` (the npm package is HF's own Rust
// implementation, so it serves as the oracle): encode the same corpus with both, under a list of
// truncation / padding / batching configs, and fail with the first few mismatches. Shared by
// tokenizer-parity, tokenizer-bpe, tokenizer-xlmr and tokenizer-offsets; each keeps its own
// configs, corpus and thresholds.
//
//   const stats = await checkParity(file, pairs, CONFIGS, { window: 256, disableFileTruncation: true });
//
// Both sides apply the file's own padding section unless a config says otherwise (HF's default).
// With `offsets`, tokens and offsets are compared too: HF's offsets count code points, crossrank's
// are JavaScript string indices, so HF's are converted before the comparison.
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'vitest';

import { type EncodeInput, type Encoding, Tokenizer } from '../../lib/index';
import type { PaddingOptions, TruncationDirection } from '../../lib/tokenizer';
import type { CorpusPair } from './corpus';

const require = createRequire(import.meta.url);

export type Strategy = 'longest_first' | 'only_first' | 'only_second';

/** crossrank's strategy names -> the enum names HF's `setTruncation` expects. */
const HF_STRATEGY: Record<Strategy, string> = {
  longest_first: 'LongestFirst',
  only_first: 'OnlyFirst',
  only_second: 'OnlySecond',
};

/** One way of calling `encode`, applied to a prefix of the corpus. */
export interface ParityConfig {
  name: string;
  /** Run on the first `subset` corpus pairs only (keeps the slow configs within the time limit). */
  subset?: number;
  /** Encode (query, document) as a pair; otherwise the query alone. */
  pair: boolean;
  maxLength?: number;
  truncation?: Strategy;
  direction?: TruncationDirection;
  addSpecialTokens?: boolean;
  /**
   * false: no padding on either side. An object: that padding on both sides; give every field (HF's
   * setPadding does not fall back to the file's section as crossrank's options do). Default: the
   * file's own padding section, as HF applies it.
   */
  padding?: false | Required<Omit<PaddingOptions, 'length'>> & { length?: number };
  /** Compare tokens and offsets too. */
  offsets?: boolean;
  /** Encode in batches of this many (crossrank's encodeBatch against HF's encode_batch + padding). */
  batch?: number;
}

/** What one encoding produced: its arrays, or the fact that it failed (messages differ by design). */
export interface Outcome {
  ids?: number[];
  typeIds?: number[];
  attentionMask?: number[];
  tokens?: string[];
  offsets?: Array<[number, number]>;
  error?: string;
}

export interface ParityOptions {
  /**
   * How many HF requests are in flight at once. HF's encode is async on its own thread pool, so
   * a window keeps it busy without queueing the whole corpus (default 512).
   */
  window?: number;
  /**
   * Without `maxLength`, call HF's `disableTruncation()` so that neither side truncates. Off by
   * default: then both sides apply the file's own truncation section, as HF does by default.
   */
  disableFileTruncation?: boolean;
  /** How many mismatches to quote in the failure message (default 5). */
  maxFailures?: number;
  /** Characters of query/document quoted per mismatch (default 160). */
  previewChars?: number;
  /** Characters kept of each quoted mismatch (default 3000). */
  entryChars?: number;
  /** Prefix messages with the file's name (useful when one test checks many files). */
  labelWithFile?: boolean;
}

/** Counts over every config, for callers' own thresholds and logs. */
export interface ParityStats {
  /** Encodings compared. */
  total: number;
  /** Encodings HF rejected (e.g. only_first that cannot fit); ours must have failed too. */
  errors: number;
  /** Ids HF produced over the encodings that succeeded. */
  tokens: number;
}

/** A JS string reaches both implementations as UTF-8, lone surrogates as U+FFFD: make it so up front. */
export const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/** `wellFormed` on both sides of every pair. */
export const wellFormedPairs = (pairs: CorpusPair[]): CorpusPair[] =>
  pairs.map((p) => ({ query: wellFormed(p.query), document: wellFormed(p.document) }));

const errorMessage = (err: unknown): string => String((err as Error)?.message ?? err);

type HfEncoding = {
  getIds(): number[];
  getTypeIds(): number[];
  getAttentionMask(): number[];
  getTokens(): string[];
  getOffsets(): Array<[number, number]>;
  getSequenceIds(): Array<number | null>;
};

/** A fresh HF tokenizer for `file`, configured for `cfg` (`padTo`: Fixed padding to that length instead). */
function loadOracle(file: string, cfg: ParityConfig, opts: ParityOptions, padTo?: number) {
  // Required lazily so that a suite skipped for missing files never loads the oracle.
  const { Tokenizer: HfTokenizer } = require('tokenizers');
  const hf = HfTokenizer.fromFile(file);
  const direction = cfg.direction ?? 'right';
  if (cfg.maxLength) hf.setTruncation(cfg.maxLength, { strategy: HF_STRATEGY[cfg.truncation ?? 'longest_first'], direction });
  else if (opts.disableFileTruncation) hf.disableTruncation();
  else if (cfg.direction) throw new Error(`${cfg.name}: a direction needs a maxLength`);
  const p = cfg.padding;
  if (p === false) {
    hf.disablePadding();
  } else if (p) {
    const maxLength = padTo ?? (p.strategy === 'fixed' ? p.length : undefined);
    hf.setPadding({ maxLength, direction: p.direction, padToMultipleOf: p.padToMultipleOf || undefined, padId: p.padId, padTypeId: p.padTypeId, padToken: p.padToken });
  } else if (padTo !== undefined) {
    const f = JSON.parse(require('node:fs').readFileSync(file, 'utf8')).padding;
    hf.setPadding({ maxLength: padTo, direction: f.direction.toLowerCase(), padId: f.pad_id, padTypeId: f.pad_type_id, padToken: f.pad_token });
  }
  return hf;
}

/** JavaScript string index of every code point index of `text` (and of its end). */
function codePointToUtf16(text: string): number[] {
  const at = [0];
  for (const c of text) at.push(at[at.length - 1] + c.length);
  return at;
}

function hfOutcome(e: HfEncoding, p: CorpusPair, cfg: ParityConfig): Outcome {
  const out: Outcome = { ids: e.getIds(), typeIds: e.getTypeIds(), attentionMask: e.getAttentionMask() };
  if (cfg.offsets) {
    const maps = [codePointToUtf16(p.query), codePointToUtf16(cfg.pair ? p.document : '')];
    const seq = e.getSequenceIds();
    out.tokens = e.getTokens();
    out.offsets = e.getOffsets().map(([s, t], i): [number, number] => (seq[i] === null ? [s, t] : [maps[seq[i]!][s], maps[seq[i]!][t]]));
  }
  return out;
}

/** HF's outcome for every pair under `cfg`. */
export async function oracleOutcomes(file: string, cfg: ParityConfig, pairs: CorpusPair[], opts: ParityOptions = {}): Promise<Outcome[]> {
  const hf = loadOracle(file, cfg, opts);
  const encodeOptions = { addSpecialTokens: cfg.addSpecialTokens !== false };
  const encodeOne = async (o: ReturnType<typeof loadOracle>, p: CorpusPair): Promise<Outcome> => {
    try {
      return hfOutcome(await o.encode(p.query, cfg.pair ? p.document : null, encodeOptions), p, cfg);
    } catch (err) {
      return { error: errorMessage(err) };
    }
  };
  const out: Outcome[] = new Array(pairs.length);
  if (cfg.batch) {
    for (let start = 0; start < pairs.length; start += cfg.batch) {
      const chunk = pairs.slice(start, start + cfg.batch);
      let got: Outcome[];
      if (!cfg.pair) {
        const encodings: HfEncoding[] = await hf.encodeBatch(chunk.map((p) => p.query), encodeOptions);
        got = encodings.map((e, k) => hfOutcome(e, chunk[k], cfg));
      } else {
        // HF's node encodeBatch takes no pairs: encode_batch is encode per input, then padding to
        // the batch's longest, which is Fixed padding to that length (padding.rs rounds it up).
        const filePadding = JSON.parse(require('node:fs').readFileSync(file, 'utf8')).padding;
        const longest = cfg.padding ? cfg.padding.strategy === 'batch_longest' : cfg.padding !== false && filePadding?.strategy === 'BatchLongest';
        let padTo: number | undefined;
        if (longest) {
          const bare = loadOracle(file, { ...cfg, padding: false }, opts);
          const lengths = await Promise.all(chunk.map(async (p) => (await bare.encode(p.query, p.document, encodeOptions)).getIds().length));
          padTo = Math.max(...lengths);
          const multiple = cfg.padding ? cfg.padding.padToMultipleOf : filePadding.pad_to_multiple_of ?? 0;
          if (multiple > 0 && padTo % multiple) padTo += multiple - (padTo % multiple);
        }
        const padded = padTo === undefined ? hf : loadOracle(file, cfg, opts, padTo);
        got = await Promise.all(chunk.map((p) => encodeOne(padded, p)));
      }
      got.forEach((o, k) => (out[start + k] = o));
    }
    return out;
  }
  const window = opts.window ?? 512;
  for (let start = 0; start < pairs.length; start += window) {
    await Promise.all(pairs.slice(start, start + window).map(async (p, k) => (out[start + k] = await encodeOne(hf, p))));
  }
  return out;
}

function ourOptions(cfg: ParityConfig) {
  return {
    maxLength: cfg.maxLength,
    truncation: cfg.truncation,
    truncationDirection: cfg.direction,
    addSpecialTokens: cfg.addSpecialTokens,
    padding: cfg.padding,
  };
}

function toOutcome(e: Encoding, cfg: ParityConfig): Outcome {
  const out: Outcome = { ids: Array.from(e.ids), typeIds: Array.from(e.typeIds), attentionMask: Array.from(e.attentionMask) };
  if (cfg.offsets) {
    out.tokens = e.tokens;
    out.offsets = e.offsets;
  }
  return out;
}

/** crossrank's outcome for one pair under `cfg`. */
export function ourOutcome(tok: Tokenizer, cfg: ParityConfig, p: CorpusPair): Outcome {
  try {
    return toOutcome(tok.encode(p.query, cfg.pair ? p.document : null, ourOptions(cfg)), cfg);
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** crossrank's outcomes for `pairs` under `cfg`, through encodeBatch when the config batches. */
function ourOutcomes(tok: Tokenizer, cfg: ParityConfig, pairs: CorpusPair[]): Outcome[] {
  if (!cfg.batch) return pairs.map((p) => ourOutcome(tok, cfg, p));
  const out: Outcome[] = [];
  for (let start = 0; start < pairs.length; start += cfg.batch) {
    const chunk = pairs.slice(start, start + cfg.batch);
    const inputs = chunk.map((p): EncodeInput => (cfg.pair ? [p.query, p.document] : p.query));
    try {
      out.push(...tok.encodeBatch(inputs, ourOptions(cfg)).map((e) => toOutcome(e, cfg)));
    } catch (err) {
      out.push(...chunk.map(() => ({ error: errorMessage(err) })));
    }
  }
  return out;
}

/** Same arrays, or both failed (the error texts are not compared: they are not part of the contract). */
export function sameOutcome(ours: Outcome, theirs: Outcome): boolean {
  if (theirs.error !== undefined) return ours.error !== undefined; // HF failed: we must fail too
  return (
    ours.error === undefined &&
    JSON.stringify(ours.ids) === JSON.stringify(theirs.ids) &&
    JSON.stringify(ours.typeIds) === JSON.stringify(theirs.typeIds) &&
    JSON.stringify(ours.attentionMask) === JSON.stringify(theirs.attentionMask) &&
    JSON.stringify(ours.tokens) === JSON.stringify(theirs.tokens) &&
    JSON.stringify(ours.offsets) === JSON.stringify(theirs.offsets)
  );
}

/**
 * Compares crossrank with HF on `file` for every config (each on its `subset` prefix of `pairs`)
 * and asserts that no encoding differs. Returns the counts, so callers can add their own checks.
 */
export async function checkParity(file: string, pairs: CorpusPair[], configs: ParityConfig[], opts: ParityOptions = {}): Promise<ParityStats> {
  const { maxFailures = 5, previewChars = 160, entryChars = 3000 } = opts;
  const label = opts.labelWithFile ? `${path.basename(file)}: ` : '';
  const tok = Tokenizer.fromFile(file);
  const failures: string[] = [];
  const stats: ParityStats = { total: 0, errors: 0, tokens: 0 };
  let mismatches = 0;
  for (const cfg of configs) {
    const subset = pairs.slice(0, cfg.subset ?? pairs.length);
    const expected = await oracleOutcomes(file, cfg, subset, opts);
    const ours = ourOutcomes(tok, cfg, subset);
    for (let i = 0; i < subset.length; i++) {
      stats.total++;
      if (expected[i].error !== undefined) stats.errors++;
      else stats.tokens += expected[i].ids!.length;
      const got = ours[i];
      if (sameOutcome(got, expected[i])) continue;
      mismatches++;
      if (failures.length < maxFailures) {
        const document = cfg.pair ? subset[i].document.slice(0, previewChars) : null;
        failures.push(JSON.stringify({ config: cfg.name, index: i, query: subset[i].query.slice(0, previewChars), document, expected: expected[i], got }).slice(0, entryChars));
      }
    }
  }
  expect(mismatches, `${label}${mismatches}/${stats.total} encodings differ from HF; first ones:\n${failures.join('\n')}`).toBe(0);
  if (process.env.CROSSRANK_PARITY_VERBOSE) {
    console.log(`${path.basename(file)}: ${stats.total} encodings, ${stats.tokens} ids, ${stats.errors} HF errors, 0 mismatches`);
  }
  return stats;
}
