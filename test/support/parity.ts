// Differential parity against Hugging Face `tokenizers` (the npm package is HF's own Rust
// implementation, so it serves as the oracle): encode the same corpus with both, under a list of
// truncation configs, and fail with the first few mismatches. Shared by tokenizer-parity,
// tokenizer-bpe and tokenizer-xlmr; each keeps its own configs, corpus and thresholds.
//
//   const stats = await checkParity(file, pairs, CONFIGS, { window: 256, disableFileTruncation: true });
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'vitest';

import { Tokenizer } from '../../lib/index';
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
  addSpecialTokens?: boolean;
}

/** What one encoding produced: its arrays, or the fact that it failed (messages differ by design). */
export interface Outcome {
  ids?: number[];
  typeIds?: number[];
  attentionMask?: number[];
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

/** A fresh HF tokenizer for `file`, configured for `cfg`. */
function loadOracle(file: string, cfg: ParityConfig, opts: ParityOptions) {
  // Required lazily so that a suite skipped for missing files never loads the oracle.
  const { Tokenizer: HfTokenizer } = require('tokenizers');
  const hf = HfTokenizer.fromFile(file);
  hf.disablePadding(); // crossrank's encode never pads
  if (cfg.maxLength) hf.setTruncation(cfg.maxLength, { strategy: HF_STRATEGY[cfg.truncation ?? 'longest_first'] });
  else if (opts.disableFileTruncation) hf.disableTruncation();
  return hf;
}

/** HF's outcome for every pair under `cfg`. */
export async function oracleOutcomes(file: string, cfg: ParityConfig, pairs: CorpusPair[], opts: ParityOptions = {}): Promise<Outcome[]> {
  const hf = loadOracle(file, cfg, opts);
  const window = opts.window ?? 512;
  const out: Outcome[] = new Array(pairs.length);
  for (let start = 0; start < pairs.length; start += window) {
    await Promise.all(
      pairs.slice(start, start + window).map(async (p, k) => {
        try {
          const e = await hf.encode(p.query, cfg.pair ? p.document : null, { addSpecialTokens: cfg.addSpecialTokens !== false });
          out[start + k] = { ids: e.getIds(), typeIds: e.getTypeIds(), attentionMask: e.getAttentionMask() };
        } catch (err) {
          out[start + k] = { error: errorMessage(err) };
        }
      }),
    );
  }
  return out;
}

/** crossrank's outcome for one pair under `cfg`. */
export function ourOutcome(tok: Tokenizer, cfg: ParityConfig, p: CorpusPair): Outcome {
  try {
    const e = tok.encode(p.query, cfg.pair ? p.document : null, {
      maxLength: cfg.maxLength,
      truncation: cfg.truncation,
      addSpecialTokens: cfg.addSpecialTokens,
    });
    return { ids: Array.from(e.ids), typeIds: Array.from(e.typeIds), attentionMask: Array.from(e.attentionMask) };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/** Same arrays, or both failed (the error texts are not compared: they are not part of the contract). */
export function sameOutcome(ours: Outcome, theirs: Outcome): boolean {
  if (theirs.error !== undefined) return ours.error !== undefined; // HF failed: we must fail too
  return (
    ours.error === undefined &&
    JSON.stringify(ours.ids) === JSON.stringify(theirs.ids) &&
    JSON.stringify(ours.typeIds) === JSON.stringify(theirs.typeIds) &&
    JSON.stringify(ours.attentionMask) === JSON.stringify(theirs.attentionMask)
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
    for (let i = 0; i < subset.length; i++) {
      stats.total++;
      if (expected[i].error !== undefined) stats.errors++;
      else stats.tokens += expected[i].ids!.length;
      const got = ourOutcome(tok, cfg, subset[i]);
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
