/**
 * crossrank's HTTP server: TEI's /rerank, Cohere's /v1/rerank and /v2/rerank, Jina's /v1/rerank,
 * /health, /info, /metrics and /openapi.json over one Reranker per model. The only entry of
 * lib/server/; it knows `Reranker`, never the native binding.
 */
import { CrossrankServer, type ServerOptions } from './server';

export { CrossrankServer, type ServerOptions } from './server';
export type { ModelLoadOptions, ModelSpec } from './models';
export type { Logger } from './log';
export { createLogger } from './log';
export { parseSize } from './body';
export { ROUTES } from './routes';
export type * from './wire';

/**
 * Starts listening at once (health answers 503 until the models are loaded), then loads them.
 * Await `server.ready` to know they are; `server.shutdown()` drains and closes.
 */
export function startServer(options: ServerOptions): Promise<CrossrankServer> {
  return CrossrankServer.start(options);
}
