/**
 * Every error crossrank raises on purpose is a `CrossrankError`; `code` says what kind it is, and the
 * message names the argument or file and what was wrong.
 */
export type CrossrankErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MODEL_NOT_FOUND'
  | 'INVALID_MODEL'
  | 'INVALID_CONFIG'
  | 'INVALID_TOKENIZER'
  | 'ORT_UNAVAILABLE'
  | 'CUDA_UNAVAILABLE'
  | 'TRUNCATION_ERROR'
  | 'INFERENCE_FAILED'
  | 'CLOSED'
  | 'QUEUE_FULL';

const KNOWN_CODES: ReadonlySet<string> = new Set<CrossrankErrorCode>([
  'INVALID_ARGUMENT',
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
]);

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
