import { CrossrankError } from '../errors';

/**
 * Every way a request can fail, and what each one is on the wire: the HTTP status, TEI's
 * `error_type`, and the `err` label of `te_request_failure`. This table is the only place a failure
 * meets a status code (TEI's server.rs keeps the same single mapping).
 */
export const API_ERRORS = {
  /** A field has the wrong type or value, or the request breaks a limit (TEI: 422). */
  validation: { status: 422, errorType: 'Validation', metric: 'validation' },
  /** More texts than --max-client-batch-size (TEI answers 422 here, not 413). */
  batchSize: { status: 422, errorType: 'Validation', metric: 'batch_size' },
  /** A text does not fit the model and truncation is off, or the tokenizer refused it. */
  tokenizer: { status: 422, errorType: 'Tokenizer', metric: 'tokenization' },
  /** Nothing to rank: `texts` / `documents` is empty (TEI: 400 Empty). */
  empty: { status: 400, errorType: 'Empty', metric: 'validation' },
  /** The body is not JSON, not UTF-8, or not an object. */
  malformed: { status: 400, errorType: 'Validation', metric: 'validation' },
  /** A body that took longer than --body-timeout to arrive (a slow-body attack, or a stalled client). */
  bodyTimeout: { status: 408, errorType: 'Validation', metric: 'validation' },
  /** A body over --payload-limit. */
  payloadTooLarge: { status: 413, errorType: 'Validation', metric: 'validation' },
  /** --api-key is set and the request's bearer token is missing or wrong. */
  unauthorized: { status: 401, errorType: 'Unauthorized', metric: 'unauthorized' },
  /** No such route, or `model` names none of the served models. */
  notFound: { status: 404, errorType: 'NotFound', metric: 'not_found' },
  methodNotAllowed: { status: 405, errorType: 'Validation', metric: 'validation' },
  /** Admission refused: pairs in flight would pass --max-concurrent-requests, or the engine's queue is full. */
  overloaded: { status: 429, errorType: 'Overloaded', metric: 'overloaded' },
  /** The model cannot do this (not a one-label reranker) or inference failed (TEI: 424 Backend). */
  backend: { status: 424, errorType: 'Backend', metric: 'inference' },
  /** Loading or draining: readiness is off and new work is refused. */
  unhealthy: { status: 503, errorType: 'Unhealthy', metric: 'unhealthy' },
  /** The client closed the connection before the answer was ready; nobody reads the response. */
  clientGone: { status: 499, errorType: 'Backend', metric: 'dropped' },
  /** A bug: anything not foreseen above. */
  internal: { status: 500, errorType: 'Backend', metric: 'internal' },
} as const;

export type ApiErrorKind = keyof typeof API_ERRORS;

/** A failure with its kind; handlers throw these and the router renders them in the route's shape. */
export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** Extra response headers (Retry-After on 429, WWW-Authenticate on 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(kind: ApiErrorKind, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.headers = headers;
  }

  get status(): number {
    return API_ERRORS[this.kind].status;
  }
}

/** Seconds a client told "overloaded" should wait; the SDKs (cohere-ai among them) honour it. */
export const RETRY_AFTER_SECONDS = 1;

export function overloaded(message: string): ApiError {
  return new ApiError('overloaded', message, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
}

/** The library's typed errors, and anything else, as an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof CrossrankError) {
    switch (error.code) {
      case 'QUEUE_FULL':
        return overloaded(`Model is overloaded: ${error.message}`);
      case 'INVALID_ARGUMENT':
        return new ApiError('validation', `Input validation error: ${error.message}`);
      case 'TRUNCATION_ERROR':
        return new ApiError('tokenizer', `Tokenizer error: ${error.message}`);
      case 'CLOSED':
        return new ApiError('unhealthy', 'the server is shutting down');
      case 'INFERENCE_FAILED':
        return new ApiError('backend', `Backend error: ${error.message}`);
      default:
        return new ApiError('backend', `Backend error: ${error.code}: ${error.message}`);
    }
  }
  return new ApiError('internal', `internal error: ${error instanceof Error ? error.message : String(error)}`);
}
