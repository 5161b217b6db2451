export { CrossrankError, type CrossrankErrorCode } from './errors';
export type { DownloadOptions, DownloadProgress, Dtype } from './hub';
export type { Activation } from './model-folder';
export { ORT_LIBRARY_ENV } from './ort';
export {
  Reranker,
  type CallOptions,
  type CallTimings,
  type DetailedRerank,
  type DetailedScores,
  type RerankerStats,
  type Device,
  type LoadOptions,
  type LongDocuments,
  type LogLevel,
  type RerankOptions,
  type RerankResult,
  type RerankerInfo,
} from './reranker';
export { DEFAULT_TEXT_KEYS, type DocumentTextOptions, type RerankDocument } from './documents';
export {
  Tokenizer,
  type EncodeInput,
  type EncodeOptions,
  type Encoding,
  type PaddingOptions,
  type Truncation,
  type TruncationDirection,
} from './tokenizer';
export { type PromptTemplate, TEMPLATE_NAMES, type TemplateName } from './decoder-templates';
