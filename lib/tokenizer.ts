import fs from 'node:fs';
import path from 'node:path';

import type { NativeEncoding, NativeTokenizer, NativeTokenizerInfo } from '../binding';
import { native } from './binding';
import { CrossrankError, fromNative, invalidArgument } from './errors';
import { booleanOption, describe, enumOption, integerOption, optionsObject, stringOption } from './validate';

export type Truncation = 'longest_first' | 'only_first' | 'only_second';
export const TRUNCATIONS: readonly Truncation[] = ['longest_first', 'only_first', 'only_second'];

/** Which end truncation keeps: 'right' keeps the start of the text, 'left' keeps its end. */
export type TruncationDirection = 'right' | 'left';
export const TRUNCATION_DIRECTIONS: readonly TruncationDirection[] = ['right', 'left'];

export type TokenizerFileTruncation = NonNullable<NativeTokenizerInfo['fileTruncation']>;
export type TokenizerFilePadding = NonNullable<NativeTokenizerInfo['filePadding']>;

/** Hugging Face's padding parameters; what a field leaves out comes from the file's own `padding`
 * section, else from these defaults: batch_longest, right, no multiple, the tokenizer's padId, type
 * id 0, '[PAD]'. */
export interface PaddingOptions {
  /** 'batch_longest' pads to the longest encoding of the call (a single encode: to itself, so only
   * `padToMultipleOf` adds anything); 'fixed' pads to `length`. Longer encodings are never cut. */
  strategy?: 'batch_longest' | 'fixed';
  /** The length of 'fixed' padding (required with it). */
  length?: number;
  direction?: 'right' | 'left';
  /** Round the padded length up to a multiple of this (0: no rounding). */
  padToMultipleOf?: number;
  padId?: number;
  padTypeId?: number;
  padToken?: string;
}

export interface EncodeOptions {
  /** Truncate the encoding, special tokens included, to this many tokens. Default: the file's own
   * `truncation` section if it has one, else no truncation. */
  maxLength?: number;
  /** How a pair is shortened to maxLength; Hugging Face's rules. Default 'longest_first'. */
  truncation?: Truncation;
  /** 'left' keeps the end of each sequence (Hugging Face's and TEI's `truncation_direction`).
   * Default: the file's truncation direction when neither maxLength nor truncation is given, else
   * 'right'. */
  truncationDirection?: TruncationDirection;
  /** Add [CLS]/[SEP] (or <s>/</s>) as the tokenizer's template says. Default true. */
  addSpecialTokens?: boolean;
  /** `false`: no padding. An object: padding with these parameters. Default: the file's own
   * `padding` section (as Hugging Face applies it), else none. */
  padding?: false | PaddingOptions;
}

export interface Encoding {
  ids: number[];
  typeIds: number[];
  /** 1 for tokens, 0 for padding. */
  attentionMask: number[];
  /** Hugging Face's token strings ('##ing', 'Ġthe', '▁hello', '[CLS]', the pad token...). */
  tokens: string[];
  /**
   * Where each token comes from: `[start, end]` JavaScript string indices into the text of its
   * sequence (`sequenceIds`), so `text.slice(start, end)` is the token's source. Hugging Face's
   * offsets, except that these count UTF-16 code units where Hugging Face counts code points (they
   * differ after a character outside the BMP, such as an emoji). [0, 0] for special and padding tokens.
   */
  offsets: Array<[number, number]>;
  /** 0: from the text, 1: from the pair, null: a special or padding token. */
  sequenceIds: Array<number | null>;
}

/** An input of encodeBatch: a text, or a [text, pair] pair. */
export type EncodeInput = string | readonly [string, string];

interface ResolvedPadding {
  strategy: 'batch_longest' | 'fixed';
  length: number;
  direction: 'right' | 'left';
  padToMultipleOf: number;
  padId: number;
  padTypeId: number;
  padToken: string;
}

/**
 * crossrank's native tokenizer over a Hugging Face `tokenizer.json`: the ids, tokens, offsets and
 * padding it gives equal those of Hugging Face `tokenizers`. Useful for counting tokens before
 * scoring and for locating passages.
 */
export class Tokenizer {
  readonly #native: NativeTokenizer;
  /** Entries in the vocabulary, added tokens included. */
  readonly vocabSize: number;
  /** The id batches are padded with (the file's padding section, else [PAD]/<pad>, else 0). */
  readonly padId: number;
  /** The file's own `truncation` section, or null. encode() applies it when no maxLength is given. */
  readonly fileTruncation: Readonly<TokenizerFileTruncation> | null;
  /** The file's own `padding` section, or null. encode() and encodeBatch() apply it by default. */
  readonly filePadding: Readonly<TokenizerFilePadding> | null;

  private constructor(handle: NativeTokenizer) {
    this.#native = handle;
    const info = handle.info();
    this.vocabSize = info.vocabSize;
    this.padId = info.padId;
    this.fileTruncation = info.fileTruncation && Object.freeze(info.fileTruncation);
    this.filePadding = info.filePadding && Object.freeze(info.filePadding);
  }

  static fromFile(file: string): Tokenizer {
    if (typeof file !== 'string' || file === '') throw new CrossrankError('INVALID_ARGUMENT', 'path must be a non-empty string');
    const resolved = path.resolve(file);
    if (!fs.existsSync(resolved)) throw new CrossrankError('MODEL_NOT_FOUND', `tokenizer file not found: ${resolved}`);
    try {
      return new Tokenizer(native().NativeTokenizer.fromFile(resolved));
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Encodes `text` (and `pair`), truncated and padded as the options or the file say. */
  encode(text: string, pair?: string | null, options?: EncodeOptions): Encoding {
    checkText(text, 'text');
    if (pair !== undefined && pair !== null) checkText(pair, 'pair');
    const opts = optionsObject<EncodeOptions>(options, 'options');
    const padding = this.#padding(opts.padding, 'options.padding');
    const encoding = this.#encode(text, pair ?? null, this.#nativeOptions(opts, 'options'));
    if (padding) padEncodings([encoding], padding);
    return encoding;
  }

  /**
   * Encodes every input (a text or a [text, pair]) with the same options, then pads them together
   * as Hugging Face's encode_batch does: to the longest of the batch (or the fixed length), as the
   * options or the file's `padding` section say.
   */
  encodeBatch(inputs: readonly EncodeInput[], options?: EncodeOptions): Encoding[] {
    if (!Array.isArray(inputs)) throw invalidArgument(`inputs must be an array of strings or [text, pair] string pairs, got ${describe(inputs)}`);
    const opts = optionsObject<EncodeOptions>(options, 'options');
    const padding = this.#padding(opts.padding, 'options.padding');
    const nativeOptions = this.#nativeOptions(opts, 'options');
    const pairs = inputs.map((input: unknown, i) => {
      if (typeof input === 'string') return [input, null] as const;
      if (Array.isArray(input) && input.length === 2 && typeof input[0] === 'string' && typeof input[1] === 'string') {
        return [input[0], input[1]] as const;
      }
      throw invalidArgument(`inputs[${i}] must be a string or a [text, pair] array of two strings, got ${describe(input)}`);
    });
    const encodings = pairs.map(([text, pair]) => this.#encode(text, pair, nativeOptions));
    if (padding) padEncodings(encodings, padding);
    return encodings;
  }

  /**
   * How many tokens `text` (and `pair`) make, special tokens included, before any truncation or
   * padding: what a budget check against a model's maximum length needs.
   */
  countTokens(text: string, pair?: string | null, options?: Pick<EncodeOptions, 'addSpecialTokens'>): number {
    checkText(text, 'text');
    if (pair !== undefined && pair !== null) checkText(pair, 'pair');
    const opts = optionsObject<EncodeOptions>(options, 'options');
    const addSpecialTokens = booleanOption(opts.addSpecialTokens, 'options.addSpecialTokens');
    try {
      return this.#native.encode(text, pair ?? null, { addSpecialTokens }).ids.length;
    } catch (error) {
      throw fromNative(error);
    }
  }

  #encode(text: string, pair: string | null, nativeOptions: NativeEncodeCall): Encoding {
    const run = (withOffsets: boolean): NativeEncoding => {
      try {
        return this.#native.encode(text, pair, { ...nativeOptions, withOffsets });
      } catch (error) {
        throw fromNative(error);
      }
    };
    return lazyEncoding(run(false), () => run(true));
  }

  #nativeOptions(opts: Partial<EncodeOptions>, name: string): NativeEncodeCall {
    const maxLength = integerOption(opts.maxLength, `${name}.maxLength`, 1);
    const truncation = enumOption(opts.truncation, `${name}.truncation`, TRUNCATIONS);
    const direction = enumOption(opts.truncationDirection, `${name}.truncationDirection`, TRUNCATION_DIRECTIONS);
    // Like Hugging Face, a file's own truncation section applies unless the call says otherwise.
    const fromFile = maxLength === undefined && truncation === undefined ? this.fileTruncation : null;
    return {
      maxLength: maxLength ?? this.fileTruncation?.maxLength,
      truncation: truncation ?? (maxLength === undefined ? this.fileTruncation?.strategy : undefined),
      truncationDirection: direction ?? fromFile?.direction,
      addSpecialTokens: booleanOption(opts.addSpecialTokens, `${name}.addSpecialTokens`),
    };
  }

  /** The padding a call applies: `false` none, an object over the file's section, default the file's. */
  #padding(value: unknown, name: string): ResolvedPadding | null {
    if (value === false) return null;
    const file = this.filePadding;
    if (value === undefined) return file ? resolvePadding({}, file, this.padId, name) : null;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidArgument(`${name} must be false or an object of padding parameters, got ${describe(value)}`);
    }
    return resolvePadding(value as PaddingOptions, file, this.padId, name);
  }
}

type NativeEncodeCall = Parameters<NativeTokenizer['encode']>[2];

function checkText(value: unknown, name: string): void {
  if (typeof value !== 'string') throw invalidArgument(`${name} must be a string, got ${describe(value)}`);
}

const PADDING_KEYS: ReadonlySet<string> = new Set(['strategy', 'length', 'direction', 'padToMultipleOf', 'padId', 'padTypeId', 'padToken']);

function resolvePadding(opts: PaddingOptions, file: TokenizerFilePadding | null, padId: number, name: string): ResolvedPadding {
  for (const key of Object.keys(opts)) {
    if (!PADDING_KEYS.has(key)) throw invalidArgument(`${name}.${key} is not a padding option (expected ${[...PADDING_KEYS].join(', ')})`);
  }
  const strategy = enumOption(opts.strategy, `${name}.strategy`, ['batch_longest', 'fixed'] as const) ?? file?.strategy ?? 'batch_longest';
  const length = integerOption(opts.length, `${name}.length`, 1) ?? (strategy === 'fixed' ? file?.length : undefined);
  if (strategy === 'fixed' && length === undefined) throw invalidArgument(`${name}.length is required with strategy 'fixed'`);
  if (strategy !== 'fixed' && opts.length !== undefined) throw invalidArgument(`${name}.length applies only to strategy 'fixed'`);
  return {
    strategy,
    length: length ?? 0,
    direction: enumOption(opts.direction, `${name}.direction`, ['right', 'left'] as const) ?? file?.direction ?? 'right',
    padToMultipleOf: integerOption(opts.padToMultipleOf, `${name}.padToMultipleOf`, 0) ?? file?.padToMultipleOf ?? 0,
    padId: integerOption(opts.padId, `${name}.padId`, 0, 2 ** 31 - 1) ?? padId,
    padTypeId: integerOption(opts.padTypeId, `${name}.padTypeId`, 0, 2 ** 31 - 1) ?? file?.padTypeId ?? 0,
    padToken: stringOption(opts.padToken, `${name}.padToken`) ?? file?.padToken ?? '[PAD]',
  };
}

type Details = Pick<Encoding, 'tokens' | 'offsets' | 'sequenceIds'>;
const DETAIL_KEYS = ['tokens', 'offsets', 'sequenceIds'] as const;

/** Pads an encoding by `count` tokens: the arrays it holds now and the details it computes later. */
const padders = new WeakMap<Encoding, (count: number, left: boolean, p: ResolvedPadding) => void>();

/**
 * An encoding whose tokens, offsets and sequenceIds are computed on first access (by encoding once
 * more with offsets on), so that encode() costs what the ids alone cost when they are not read.
 */
function lazyEncoding(e: NativeEncoding, details: () => NativeEncoding): Encoding {
  const out = { ids: e.ids, typeIds: e.typeIds, attentionMask: e.attentionMask } as Encoding;
  const pending: Array<[number, boolean, ResolvedPadding]> = [];
  const materialize = (): Details => {
    const d = details();
    const got: Details = { tokens: d.tokens!, offsets: d.offsets!, sequenceIds: d.sequenceIds! };
    for (const [count, left, p] of pending) {
      padArray(got.tokens, count, left, () => p.padToken);
      padArray(got.offsets, count, left, (): [number, number] => [0, 0]);
      padArray(got.sequenceIds, count, left, () => null);
    }
    for (const key of DETAIL_KEYS) Object.defineProperty(out, key, { value: got[key], enumerable: true, writable: true, configurable: true });
    return got;
  };
  for (const key of DETAIL_KEYS) {
    Object.defineProperty(out, key, { get: () => materialize()[key], enumerable: true, configurable: true });
  }
  padders.set(out, (count, left, p) => {
    padArray(out.ids, count, left, () => p.padId);
    padArray(out.typeIds, count, left, () => p.padTypeId);
    padArray(out.attentionMask, count, left, () => 0);
    if (Object.getOwnPropertyDescriptor(out, 'tokens')?.get) {
      pending.push([count, left, p]);
    } else {
      padArray(out.tokens, count, left, () => p.padToken);
      padArray(out.offsets, count, left, (): [number, number] => [0, 0]);
      padArray(out.sequenceIds, count, left, () => null);
    }
  });
  return out;
}

function padArray<T>(values: T[], count: number, left: boolean, make: () => T): void {
  const fill = Array.from({ length: count }, make);
  const tail = left ? values.splice(0, values.length) : [];
  for (const v of fill) values.push(v);
  for (const v of tail) values.push(v);
}

/** Hugging Face's pad_encodings: one target length for all, rounded up to the multiple; never cuts. */
function padEncodings(encodings: Encoding[], p: ResolvedPadding): void {
  if (encodings.length === 0) return;
  let target = p.strategy === 'fixed' ? p.length : encodings.reduce((n, e) => Math.max(n, e.ids.length), 0);
  if (p.padToMultipleOf > 0 && target % p.padToMultipleOf > 0) target += p.padToMultipleOf - (target % p.padToMultipleOf);
  for (const e of encodings) {
    const count = target - e.ids.length;
    if (count > 0) padders.get(e)!(count, p.direction === 'left', p);
  }
}
