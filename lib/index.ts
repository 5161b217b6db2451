export { CrossrankError, type CrossrankErrorCode } from './errors';
export type { Activation } from './model-folder';
export { ORT_LIBRARY_ENV } from './ort';
export {
  Reranker,
  type CallOptions,
  type CallTimings,
  type DetailedScores,
  type RerankerStats,
  type Device,
  type LoadOptions,
  type LogLevel,
  type RerankOptions,
  type RerankResult,
  type RerankerInfo,
} from './reranker';
export {
  Tokenizer,
  type EncodeInput,
  type EncodeOptions,
  type Encoding,
  type PaddingOptions,
  type Truncation,
  type TruncationDirection,
} from './tokenizer';
