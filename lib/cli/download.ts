import { UsageError } from './flags';

/**
 * `crossrank download ID [--dtype ...]`: fetches a model from the Hugging Face Hub into the cache.
 * The place for it is kept here; it is wired to `Reranker.download` when Hub loading lands.
 */
export async function download(): Promise<void> {
  throw new UsageError("'crossrank download' is not available in this build yet; 'serve', 'rerank' and 'info' take a model folder");
}
