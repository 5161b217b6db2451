/**
 * Hugging Face Hub models by id: files and HTTP only, in the cache layout huggingface_hub writes.
 * This is the folder's only entry; nothing here knows what a reranker is.
 */
export { isHubId } from './cache';
export {
  DTYPES,
  type Dtype,
  type GraphChoice,
  graphCandidates,
  graphInFolder,
  listModelFiles,
  noGraphMessage,
  type CpuFeatures,
} from './files';
export { checkDownloadOptions, type CheckedDownloadOptions, type DownloadOptions } from './options';
export type { DownloadProgress } from './progress';
export { downloadModel, type HubSnapshot } from './snapshot';
