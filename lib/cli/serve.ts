import { createLogger, type ModelSpec, startServer } from '../server';
import { type Flag, HELP_FLAG, UsageError, type Values } from './flags';
import { LOAD_FLAGS, loadOptions } from './load-flags';

export const SERVE_FLAGS: readonly Flag[] = [
  { name: 'model', kind: 'string', value: 'ID_OR_PATH', multiple: true, aliases: ['MODEL_ID'], description: 'A model folder or Hub id to serve; repeat to serve several (the first is the default)' },
  { name: 'served-model-name', kind: 'string', value: 'NAME', multiple: true, description: 'The name clients may use for each --model, in the same order' },
  { name: 'port', kind: 'integer', value: 'PORT', min: 0, max: 65535, default: 3000, aliases: ['PORT'], description: 'Port to listen on' },
  { name: 'host', kind: 'string', value: 'HOST', default: '0.0.0.0', description: 'Address to listen on' },
  { name: 'api-key', kind: 'string', value: 'KEY', description: 'Require "Authorization: Bearer KEY" on every route but /health and /metrics' },
  ...LOAD_FLAGS,
  { name: 'max-client-batch-size', kind: 'integer', value: 'N', min: 1, default: 1000, description: 'Texts per request at most (more is a 422)' },
  { name: 'max-concurrent-requests', kind: 'integer', value: 'N', min: 1, default: 512, description: 'Texts in flight over all requests (more is a 429 with Retry-After)' },
  { name: 'max-queued-pairs', kind: 'integer', value: 'N', min: 1, description: "The engine's queue bound per model (default 100000)" },
  { name: 'payload-limit', kind: 'size', value: 'SIZE', default: 2_000_000, description: 'Request body size limit, e.g. 2mb (more is a 413)' },
  { name: 'body-timeout', kind: 'integer', value: 'SECONDS', min: 1, default: 10, description: 'Time for a request to arrive (longer is a 408)' },
  { name: 'auto-truncate', kind: 'boolean', default: true, description: "Shorten texts that do not fit when a TEI request says nothing (--no-auto-truncate: refuse them)" },
  { name: 'shutdown-timeout', kind: 'integer', value: 'SECONDS', min: 0, default: 30, description: 'On SIGTERM/SIGINT, how long requests in flight may take to finish' },
  { name: 'json-output', kind: 'boolean', default: false, description: 'Log JSON lines on stderr, one per request too' },
  HELP_FLAG,
];

export const SERVE_USAGE = 'crossrank serve --model ID_OR_PATH [--model ...] [options]';
export const SERVE_SUMMARY =
  "Serves rerank over HTTP: TEI's POST /rerank, Cohere's /v1/rerank and /v2/rerank, Jina's /v1/rerank,\n" +
  'GET /health, /info, /metrics, /openapi.json. Every flag can also be set by its environment variable.';

function modelSpecs(values: Values): ModelSpec[] {
  const ids = (values.model as string[] | undefined) ?? [];
  if (ids.length === 0) throw new UsageError('--model is required (or set CROSSRANK_MODEL or MODEL_ID)');
  const names = (values['served-model-name'] as string[] | undefined) ?? [];
  if (names.length > ids.length) {
    throw new UsageError(`--served-model-name is given ${names.length} times for ${ids.length} --model; give at most one per model`);
  }
  const options = loadOptions(values);
  if (values['max-queued-pairs'] !== undefined) options.maxQueuedPairs = values['max-queued-pairs'] as number;
  return ids.map((id, i) => ({ id, servedName: names[i], options }));
}

/** Runs until SIGTERM or SIGINT, then drains and resolves (the process exits 0). */
export async function serve(values: Values): Promise<void> {
  const models = modelSpecs(values);
  const logger = createLogger(values['json-output'] as boolean);
  const server = await startServer({
    models,
    port: values.port as number,
    host: values.host as string,
    apiKey: values['api-key'] as string | undefined,
    maxClientBatchSize: values['max-client-batch-size'] as number,
    maxConcurrentRequests: values['max-concurrent-requests'] as number,
    payloadLimit: values['payload-limit'] as number,
    bodyTimeoutMs: (values['body-timeout'] as number) * 1000,
    autoTruncate: values['auto-truncate'] as boolean,
    shutdownTimeoutMs: (values['shutdown-timeout'] as number) * 1000,
    logger,
  });
  logger.info('listening', { url: server.url, loading: models.map((m) => m.id) });
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('received', { signal });
      resolve(server.shutdown());
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    await server.ready;
  } catch (error) {
    await server.shutdown();
    throw error;
  }
  await stopped;
}
