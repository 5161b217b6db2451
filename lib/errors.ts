const CODES = [
  'INVALID_ARGUMENT',
  /** A model folder, Hub repo, revision or file that does not exist (or is not in the cache when offline). */
  'MODEL_NOT_FOUND',
  'INVALID_MODEL',
  'INVALID_CONFIG',
  'INVALID_TOKENIZER',
  'ORT_UNAVAILABLE',
  'CUDA_UNAVAILABLE',
  'TRUNCATION_ERROR',
  'INFERENCE_FAILED',
  'CLOSED',
  'QUEUE_FULL',
  /** The Hub refused access: a gated or private repo, or a bad token. Set HF_TOKEN or pass `token`. */
  'UNAUTHORIZED',
  /** The Hub could not be reached, or kept failing, after retries. Try again, or load offline from the cache. */
  'NETWORK_ERROR',
  /** A downloaded file does not match the checksum the Hub gave; it was deleted. Try again. */
  'CORRUPT_DOWNLOAD',
] as const;

/**
 * Every error crossrank raises on purpose is a `CrossrankError`; `code` says what kind it is, and the
 * message names the argument or file and what was wrong.
 */
export type CrossrankErrorCode = (typeof CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set<string>(CODES);

export class CrossrankError extends Error {
  readonly code: CrossrankErrorCode;

  constructor(code: CrossrankErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CrossrankError';
    this.code = code;
  }
}

/** Native errors carry a `code`; give them the public type (an `ABORTED` is handled by the caller). */
export function fromNative(error: unknown): unknown {
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
    const code = (error as unknown as { code: string }).code;
    if (KNOWN_CODES.has(code)) return new CrossrankError(code as CrossrankErrorCode, error.message);
  }
  return error;
}

export function invalidArgument(message: string): CrossrankError {
  return new CrossrankError('INVALID_ARGUMENT', message);
}
