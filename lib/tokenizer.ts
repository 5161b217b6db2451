import fs from 'node:fs';
import path from 'node:path';

import type { NativeTokenizer, NativeTokenizerInfo } from '../binding';
import { native } from './binding';
import { CrossrankError, fromNative } from './errors';
import { booleanOption, enumOption, integerOption, optionsObject } from './validate';

export type Truncation = 'longest_first' | 'only_first' | 'only_second';
export const TRUNCATIONS: readonly Truncation[] = ['longest_first', 'only_first', 'only_second'];

export interface EncodeOptions {
  /** Truncate the encoding, special tokens included, to this many tokens. Default: the file's own
   * `truncation` section if it has one, else no truncation. */
  maxLength?: number;
  /** How a pair is shortened to maxLength; Hugging Face's rules. Default 'longest_first'. */
  truncation?: Truncation;
  /** Add [CLS]/[SEP] (or <s>/</s>) as the tokenizer's template says. Default true. */
  addSpecialTokens?: boolean;
}

export interface Encoding {
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
}

/**
 * crossrank's native tokenizer over a Hugging Face `tokenizer.json`: the ids it gives equal those of
 * Hugging Face `tokenizers`. Useful for counting tokens before scoring.
 */
export type TokenizerFileTruncation = NonNullable<NativeTokenizerInfo['fileTruncation']>;
export type TokenizerFilePadding = NonNullable<NativeTokenizerInfo['filePadding']>;

export class Tokenizer {
  readonly #native: NativeTokenizer;
  /** Entries in the vocabulary, added tokens included. */
  readonly vocabSize: number;
  /** The id batches are padded with (the file's padding section, else [PAD]/<pad>, else 0). */
  readonly padId: number;
  /** The file's own `truncation` section, or null. encode() applies it when no maxLength is given. */
  readonly fileTruncation: Readonly<TokenizerFileTruncation> | null;
  /** The file's own `padding` section, or null (encode() never pads). */
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

  encode(text: string, pair?: string | null, options?: EncodeOptions): Encoding {
    if (typeof text !== 'string') throw new CrossrankError('INVALID_ARGUMENT', 'text must be a string');
    if (pair !== undefined && pair !== null && typeof pair !== 'string') {
      throw new CrossrankError('INVALID_ARGUMENT', 'pair must be a string, null or undefined');
    }
    const opts = optionsObject<EncodeOptions>(options, 'options');
    // Like Hugging Face, a file's own truncation section applies unless the call says otherwise.
    const maxLength = integerOption(opts.maxLength, 'options.maxLength', 1) ?? this.fileTruncation?.maxLength;
    const nativeOptions = {
      maxLength,
      truncation:
        enumOption(opts.truncation, 'options.truncation', TRUNCATIONS) ??
        (opts.maxLength === undefined ? this.fileTruncation?.strategy : undefined),
      addSpecialTokens: booleanOption(opts.addSpecialTokens, 'options.addSpecialTokens'),
    };
    try {
      return this.#native.encode(text, pair ?? null, nativeOptions);
    } catch (error) {
      throw fromNative(error);
    }
  }
}
