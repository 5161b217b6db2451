/**
 * The wire types of every API the server speaks, and their translation into one RerankJob (the way
 * TEI's router/src/http/types.rs keeps its types apart from the handlers). A new API shape is new
 * types here and a handler, never a change to how a job runs.
 *
 * Field names, defaults and error statuses follow TEI (text-embeddings-inference 1.9), Cohere's
 * /v1 and /v2 rerank, and Jina's /v1/rerank; see docs/serving.md for the mapping.
 */
import type { RerankDocument } from '../documents';
import { describe } from '../validate';
import { ApiError } from './errors';

// ── TEI ───────────────────────────────────────────────────────────────────────────────────────────

/** TEI's spelling; serde also accepts the lower-case forms. */
export type TruncationDirection = 'Right' | 'Left';

/** `POST /rerank` (and TEI's `POST /`, `POST /invocations`). */
export interface TeiRerankRequest {
  query: string;
  texts: string[];
  /** Default: the server's --auto-truncate. false: a text that does not fit is a 422. */
  truncate?: boolean | null;
  truncation_direction?: TruncationDirection;
  /** false (default): the model's activation (sigmoid for one label); true: the logit. */
  raw_scores?: boolean;
  return_text?: boolean;
}

export interface TeiRank {
  index: number;
  score: number;
  /** Present only with return_text (absent, not null, otherwise). */
  text?: string;
}

/** TEI answers a bare array, best first. */
export type TeiRerankResponse = TeiRank[];

export interface TeiErrorBody {
  error: string;
  error_type: string;
}

// ── Cohere v2 ─────────────────────────────────────────────────────────────────────────────────────

export interface CohereV2RerankRequest {
  model: string;
  query: string;
  documents: string[];
  top_n?: number;
  /** Accepted and checked; the model's own maximum length is what truncates (see docs/serving.md). */
  max_tokens_per_doc?: number;
  /** Accepted for compatibility; every request has the same priority here. */
  priority?: number;
  /** Removed from v2 in 2025; older clients still send it, so it is honoured. */
  return_documents?: boolean;
}

export interface CohereResult {
  index: number;
  relevance_score: number;
  document?: { text: string } | Record<string, unknown>;
}

export interface CohereMeta {
  api_version: { version: string };
  billed_units: { search_units: number };
  tokens: { input_tokens: number };
}

export interface CohereV2RerankResponse {
  id: string;
  results: CohereResult[];
  meta: CohereMeta;
}

export interface CohereErrorBody {
  message: string;
}

// ── Cohere v1 and Jina (one route: POST /v1/rerank) ───────────────────────────────────────────────

export interface CohereV1RerankRequest {
  model?: string;
  query: string;
  documents: Array<string | Record<string, string>>;
  top_n?: number;
  /** Which keys of object documents are ranked (joined as `key: value` lines). Default: `text`. */
  rank_fields?: string[];
  /** Default false (Cohere's). Jina clients that want documents send true. */
  return_documents?: boolean;
  /** Given: long documents are cut into windows and scored by their best one (at most this many). */
  max_chunks_per_doc?: number;
}

/** Cohere v1's response plus Jina's `model` and `usage`: each client ignores the other's fields. */
export interface CohereV1RerankResponse {
  id: string;
  model: string;
  results: CohereResult[];
  meta: CohereMeta;
  usage: { total_tokens: number; prompt_tokens: number };
}

// ── What every rerank route becomes ───────────────────────────────────────────────────────────────

export interface RerankJob {
  /** The `model` field; undefined picks the first served model. */
  model: string | undefined;
  query: string;
  documents: RerankDocument[];
  rankFields?: string[];
  topN?: number;
  returnDocuments: boolean;
  rawScores: boolean;
  /** undefined: the server's --auto-truncate decides. */
  truncate: boolean | undefined;
  truncationDirection: TruncationDirection;
  /** Set: chunk long documents, this many windows at most. */
  maxChunksPerDoc?: number;
  /** Cohere v2's max_tokens_per_doc: each document is cut to this many tokens before pairing. */
  maxTokensPerDoc?: number;
}

// ── Reading a body ────────────────────────────────────────────────────────────────────────────────

type Body = Record<string, unknown>;

function invalid(message: string): ApiError {
  return new ApiError('validation', `Input validation error: ${message}`);
}

/** The parsed JSON body as an object, or a 400 saying what it was instead. */
export function bodyObject(value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('malformed', `Input validation error: the body must be a JSON object, got ${describe(value)}`);
  }
  return value as Body;
}

function optional<T>(body: Body, key: string, check: (v: unknown) => v is T, expected: string): T | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!check(value)) throw invalid(`\`${key}\` must be ${expected}, got ${describe(value)}`);
  return value;
}

function required<T>(body: Body, key: string, check: (v: unknown) => v is T, expected: string): T {
  const value = optional(body, key, check, expected);
  if (value === undefined) throw invalid(`\`${key}\` is required (${expected})`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isNonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isFieldList = (v: unknown): v is string[] => isStringArray(v) && v.length > 0 && v.every((f) => f !== '');
const isDocumentArray = (v: unknown): v is Array<string | Record<string, string>> =>
  Array.isArray(v) && v.every((d) => isString(d) || (typeof d === 'object' && d !== null && !Array.isArray(d)));

const TRUNCATION_DIRECTIONS: Record<string, TruncationDirection> = { Right: 'Right', right: 'Right', Left: 'Left', left: 'Left' };
const isDirection = (v: unknown): v is string => typeof v === 'string' && v in TRUNCATION_DIRECTIONS;

/** Nothing to rank is TEI's 400 `Empty`, in every shape. */
function nonEmpty<T>(list: T[], key: string): T[] {
  if (list.length === 0) throw new ApiError('empty', `Input validation error: \`${key}\` cannot be empty`);
  return list;
}

export function parseTeiRerank(value: unknown): RerankJob {
  const body = bodyObject(value);
  return {
    model: optional(body, 'model', isString, 'a string'),
    query: required(body, 'query', isString, 'a string'),
    documents: nonEmpty(required(body, 'texts', isStringArray, 'an array of strings'), 'texts'),
    truncate: optional(body, 'truncate', isBoolean, 'a boolean'),
    truncationDirection:
      TRUNCATION_DIRECTIONS[optional(body, 'truncation_direction', isDirection, "'Right' or 'Left'") ?? 'Right'],
    rawScores: optional(body, 'raw_scores', isBoolean, 'a boolean') ?? false,
    returnDocuments: optional(body, 'return_text', isBoolean, 'a boolean') ?? false,
  };
}

export function parseCohereV2Rerank(value: unknown): RerankJob {
  const body = bodyObject(value);
  optional(body, 'priority', isNonNegativeInteger, 'an integer >= 0');
  return {
    model: required(body, 'model', isString, 'a string'),
    query: required(body, 'query', isString, 'a string'),
    documents: nonEmpty(required(body, 'documents', isStringArray, 'an array of strings'), 'documents'),
    topN: optional(body, 'top_n', isPositiveInteger, 'an integer >= 1'),
    returnDocuments: optional(body, 'return_documents', isBoolean, 'a boolean') ?? false,
    rawScores: false,
    truncate: true,
    truncationDirection: 'Right',
    maxTokensPerDoc: optional(body, 'max_tokens_per_doc', isPositiveInteger, 'an integer >= 1'),
  };
}

export function parseCohereV1Rerank(value: unknown): RerankJob {
  const body = bodyObject(value);
  return {
    model: optional(body, 'model', isString, 'a string'),
    query: required(body, 'query', isString, 'a string'),
    documents: nonEmpty(
      required(body, 'documents', isDocumentArray, 'an array of strings or objects'),
      'documents',
    ),
    rankFields: optional(body, 'rank_fields', isFieldList, 'a non-empty array of non-empty strings'),
    topN: optional(body, 'top_n', isPositiveInteger, 'an integer >= 1'),
    returnDocuments: optional(body, 'return_documents', isBoolean, 'a boolean') ?? false,
    maxChunksPerDoc: optional(body, 'max_chunks_per_doc', isPositiveInteger, 'an integer >= 1'),
    rawScores: false,
    truncate: true,
    truncationDirection: 'Right',
  };
}
