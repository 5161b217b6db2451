import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { VERSION } from '../version';
import { Admission } from './admission';
import { API_ERRORS, ApiError, toApiError } from './errors';
import type { Reply, ServerContext, ServingLimits } from './handlers';
import { createLogger, type Logger } from './log';
import { Metrics } from './metrics';
import { type ModelSpec, ModelSet } from './models';
import { errorBody, matchRoute, type Route } from './routes';
import { readJsonBody } from './body';

/** `startServer`'s options; the CLI fills each from a flag or its environment variable. */
export interface ServerOptions {
  /** The models to serve; the first is the default. */
  models: ModelSpec[];
  /** Default 3000 (TEI's); 0 picks a free port. */
  port?: number;
  /** Default '0.0.0.0'. */
  host?: string;
  /** When set, every route but /health and /metrics needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Texts per request at most; more is a 422. Default 1000. */
  maxClientBatchSize?: number;
  /** Texts in flight over all requests; a request that would pass it is a 429. Default 512 (TEI's). */
  maxConcurrentRequests?: number;
  /** Body bytes at most; more is a 413. Default 2,000,000 (TEI's). */
  payloadLimit?: number;
  /** Milliseconds for a request's headers and body to arrive; longer is a 408. Default 10,000. */
  bodyTimeoutMs?: number;
  /** TEI's `truncate` default: shorten texts that do not fit (true) or refuse them with a 422. Default true. */
  autoTruncate?: boolean;
  /** On shutdown, how long requests in flight may take to finish before they are aborted. Default 30,000. */
  shutdownTimeoutMs?: number;
  /** JSON log lines, one per request too. Default false. */
  jsonOutput?: boolean;
  /** Where log lines go. Default: stderr, as jsonOutput says. */
  logger?: Logger;
}

type State = ServerContext['state'];

function bearerMatches(header: string | undefined, apiKey: string): boolean {
  const token = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  // Hashing first gives equal lengths, so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(token), digest(apiKey)) && token !== '';
}

/**
 * An HTTP server over one Reranker per model: TEI's, Cohere's and Jina's rerank APIs, probes,
 * metrics, admission control, and a graceful shutdown. Stateless: replicas scale behind any load
 * balancer.
 */
export class CrossrankServer implements ServerContext {
  readonly admission: Admission;
  readonly metrics: Metrics;
  readonly limits: ServingLimits;
  readonly version = VERSION;
  #ready: Promise<void> = Promise.resolve();
  #state: State = 'loading';
  #models: ModelSet | undefined;
  readonly #http: http.Server;
  readonly #options: Required<Omit<ServerOptions, 'apiKey' | 'logger'>> & { apiKey?: string };
  readonly #log: Logger;
  readonly #inFlight = new Map<AbortController, Promise<void>>();
  #shutdown: Promise<void> | undefined;

  private constructor(options: ServerOptions) {
    this.#options = {
      port: 3000,
      host: '0.0.0.0',
      maxClientBatchSize: 1000,
      maxConcurrentRequests: 512,
      payloadLimit: 2_000_000,
      bodyTimeoutMs: 10_000,
      autoTruncate: true,
      shutdownTimeoutMs: 30_000,
      jsonOutput: false,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      models: options.models,
    };
    const o = this.#options;
    this.#log = options.logger ?? createLogger(o.jsonOutput);
    this.limits = { maxClientBatchSize: o.maxClientBatchSize, maxConcurrentRequests: o.maxConcurrentRequests, autoTruncate: o.autoTruncate };
    this.admission = new Admission(o.maxConcurrentRequests);
    this.metrics = new Metrics({
      models: () => this.#models?.models ?? [],
      pairsInFlight: () => this.admission.inFlight,
    });
    this.#http = http.createServer((req, res) => this.#track(req, res));
    // Slow headers are Node's to refuse (a plain 408); a slow body is ours (readJsonBody), and this
    // is only the backstop.
    this.#http.headersTimeout = o.bodyTimeoutMs;
    this.#http.requestTimeout = o.bodyTimeoutMs * 2;
  }

  /** Listens first (so that probes see 503 while loading), then loads the models. */
  static async start(options: ServerOptions): Promise<CrossrankServer> {
    if (!Array.isArray(options.models) || options.models.length === 0) {
      throw new ApiError('validation', 'at least one model is required');
    }
    const server = new CrossrankServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#http.once('error', reject);
      server.#http.listen(server.#options.port, server.#options.host, () => {
        server.#http.removeListener('error', reject);
        resolve();
      });
    });
    server.#ready = server.#load();
    // The caller awaits `ready`; this keeps an unawaited failure from being an unhandled rejection.
    server.#ready.catch(() => undefined);
    return server;
  }

  /** Resolves once every model is loaded (health turns 200); rejects if one fails to load. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  get state(): State {
    return this.#state;
  }

  get models(): ModelSet | undefined {
    return this.#models;
  }

  /** The address it listens on, e.g. http://127.0.0.1:3000. */
  get url(): string {
    const { address, port, family } = this.#http.address() as AddressInfo;
    const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  async #load(): Promise<void> {
    const started = performance.now();
    try {
      this.#models = await ModelSet.load(this.#options.models);
    } catch (error) {
      this.#log.error('loading the models failed', { error: (error as Error).message });
      throw error;
    }
    if (this.#state !== 'loading') {
      // Shut down while loading: nothing will serve these.
      await this.#models.close();
      return;
    }
    this.#state = 'ready';
    this.#log.info('ready', {
      url: this.url,
      models: this.#models.models.map((m) => m.name),
      load_ms: Math.round(performance.now() - started),
    });
  }

  #track(req: IncomingMessage, res: ServerResponse): void {
    const controller = new AbortController();
    // 'close' before the response finished: the client went away; drop its queued pairs.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort(new ApiError('clientGone', 'the client closed the connection'));
    });
    const done = this.#handle(req, res, controller.signal).finally(() => this.#inFlight.delete(controller));
    this.#inFlight.set(controller, done);
  }

  async #handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const receivedAt = performance.now();
    const method = req.method ?? 'GET';
    const pathname = (req.url ?? '/').split('?')[0];
    const match = matchRoute(method, pathname);
    const route: Route | undefined = 'route' in match ? match.route : undefined;
    const counted = route?.rerank === true;
    if (counted) this.metrics.requestReceived();
    let reply: Reply;
    let failure: ApiError | undefined;
    try {
      if (!route) {
        const m = match as { error: 'notFound' | 'methodNotAllowed'; allow?: string };
        throw m.error === 'notFound'
          ? new ApiError('notFound', `no route ${method} ${pathname}; see GET /openapi.json`)
          : new ApiError('methodNotAllowed', `${pathname} does not answer ${method}`, { Allow: m.allow ?? '' });
      }
      const { apiKey } = this.#options;
      if (route.auth && apiKey !== undefined && !bearerMatches(req.headers.authorization, apiKey)) {
        throw new ApiError('unauthorized', 'a valid "Authorization: Bearer <api key>" header is required', {
          'WWW-Authenticate': 'Bearer',
        });
      }
      const body = route.method === 'POST' ? await readJsonBody(req, this.#options, signal) : undefined;
      reply = await route.handler({ server: this, body, signal, receivedAt });
    } catch (error) {
      failure = signal.aborted ? toApiError(signal.reason) : toApiError(error);
      const shape = route?.errors ?? (match as { errors: 'tei' | 'cohere' }).errors;
      reply = { status: failure.status, body: errorBody(shape, failure), headers: { ...failure.headers } };
      // An unread body (too big, too slow) would otherwise keep the connection busy.
      if (failure.kind === 'payloadTooLarge' || failure.kind === 'bodyTimeout') reply.headers!.Connection = 'close';
    }
    const seconds = (performance.now() - receivedAt) / 1000;
    if (failure) {
      if (counted) this.metrics.requestFailed(API_ERRORS[failure.kind].metric);
      const log = failure.status >= 500 && failure.kind !== 'unhealthy' ? this.#log.error : this.#log.warn;
      log(failure.message, { status: failure.status, method, path: pathname });
    } else if (counted) {
      this.metrics.requestSucceeded(seconds);
    }
    if (!signal.aborted) this.#send(res, method, reply);
    if (counted || failure) {
      const t = reply.outcome?.timings;
      this.#log.request({
        method,
        path: pathname,
        status: failure && signal.aborted ? 499 : reply.status,
        ms: Math.round(seconds * 1000),
        ...(t && { pairs: reply.outcome!.pairs, tokens: t.tokens, tokenize_ms: t.tokenizeMs, queue_ms: t.queueMs, inference_ms: t.inferenceMs }),
      });
    }
  }

  #send(res: ServerResponse, method: string, reply: Reply): void {
    const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    const headers: Record<string, string | number> = { 'Content-Length': Buffer.byteLength(payload), ...reply.headers };
    if (reply.body !== undefined) headers['Content-Type'] = reply.contentType ?? 'application/json';
    // Draining: tell keep-alive clients to reconnect, to a replica that is still serving.
    if (this.#state === 'draining') headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  }

  /**
   * Stops accepting (health turns 503), lets requests in flight finish for up to
   * shutdownTimeoutMs, aborts what is left, and closes the models. Idempotent.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      const wasLoading = this.#state === 'loading';
      this.#state = 'draining';
      this.#log.info('draining', { in_flight: this.#inFlight.size });
      const closed = new Promise<void>((resolve) => this.#http.close(() => resolve()));
      this.#http.closeIdleConnections();
      const drained = Promise.allSettled([...this.#inFlight.values()]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.#options.shutdownTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.#log.warn('shutdown grace period over; aborting the requests still in flight', { in_flight: this.#inFlight.size });
        for (const controller of this.#inFlight.keys()) controller.abort(new ApiError('unhealthy', 'the server is shutting down'));
        this.#http.closeAllConnections();
      }
      await closed;
      if (!wasLoading) await this.#models?.close();
      this.metrics.close();
      this.#log.info('stopped');
    })();
    return this.#shutdown;
  }
}
