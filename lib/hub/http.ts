import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

import { CrossrankError } from '../errors';

/** A failure worth another try: the connection, a timeout, a 5xx or a 429. */
export class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_RETRIES = 5;
const MAX_WAIT_MS = 30_000;
/** 0.5, 1, 2, 4, 8 s: about 15 s of a Hub outage before giving up, as huggingface_hub's http_backoff. */
const backoffMs = (failures: number): number => Math.min(8_000, 500 * 2 ** (failures - 1));

/**
 * Runs `attempt` until it succeeds, retrying Retryable failures with backoff (or the server's
 * Retry-After). `attempt` calls `progressed()` when it got somewhere (bytes of a file), which
 * forgives the failures so far: a long download may drop many times and still finish.
 */
export async function withRetries<T>(what: string, attempt: (progressed: () => void) => Promise<T>): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      return await attempt(() => {
        failures = 0;
      });
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      failures += 1;
      if (failures > MAX_RETRIES) {
        throw new CrossrankError(
          'NETWORK_ERROR',
          `${what} failed after ${MAX_RETRIES} retries: ${error.message}. Check the network (or HF_ENDPOINT), ` +
            `or load from the cache alone with HF_HUB_OFFLINE=1`,
          { cause: error },
        );
      }
      await sleep(Math.min(MAX_WAIT_MS, error.retryAfterMs ?? backoffMs(failures)));
    }
  }
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export const header = (response: IncomingMessage, name: string): string | undefined => {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** One GET; `timeoutMs` bounds every silence on the socket, from connecting to the last byte. */
export function get(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, { method: 'GET', headers }, (response) => {
      response.on('error', () => undefined); // reported to whoever reads the body
      resolve(response);
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(new Retryable(`no answer from ${url.host} for ${timeoutMs / 1000} s`)),
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      reject(error instanceof Retryable ? error : new Retryable(`${url.host}: ${error.code ?? error.message}`, undefined, { cause: error })),
    );
    request.end();
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * GETs `url`, following redirects until one carries what `enough` wants (the Hub's own redirect to
 * its CDN already names the file's etag and commit). The Authorization header goes to `tokenOrigin`
 * (the Hub's) alone: CDN URLs are pre-signed, and a token is not for other hosts to see.
 */
export async function getFollowing(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  tokenOrigin: string,
  enough: (response: IncomingMessage) => boolean = () => false,
): Promise<{ response: IncomingMessage; url: URL; chain: IncomingMessage[] }> {
  const chain: IncomingMessage[] = [];
  for (let current = url; ; ) {
    const sent = current.origin === tokenOrigin ? headers : withoutAuthorization(headers);
    const response = await get(current, sent, timeoutMs);
    chain.push(response);
    const location = header(response, 'location');
    if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined || enough(response)) {
      return { response, url: current, chain };
    }
    response.resume();
    if (chain.length > MAX_REDIRECTS) throw new Retryable(`more than ${MAX_REDIRECTS} redirects from ${url.href}`);
    current = new URL(location, current);
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { Authorization: _dropped, ...rest } = headers;
  return rest;
}

/** A response's body as text; a connection lost on the way is worth another try. */
export async function readBody(response: IncomingMessage, limit = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= limit) break;
    }
  } catch (error) {
    throw new Retryable('the connection dropped in the middle of an answer', undefined, { cause: error });
  } finally {
    response.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** What an error is about, for its message. */
export interface Subject {
  repoId: string;
  revision: string;
  endpoint: string;
  /** A file of the repo, or undefined for the repo's metadata. */
  file?: string;
  tokenSent: boolean;
}

/**
 * The error for a response that is not a success: huggingface_hub's reading of status and
 * X-Error-Code / X-Error-Message (utils/_http.py). 5xx and 429 come back Retryable.
 */
export async function hubError(response: IncomingMessage, subject: Subject): Promise<Error> {
  const status = response.statusCode ?? 0;
  const code = header(response, 'x-error-code');
  const body = await readBody(response, 16_384).catch(() => '');
  let serverMessage = header(response, 'x-error-message');
  if (serverMessage === undefined) {
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      if (typeof parsed.error === 'string') serverMessage = parsed.error;
    } catch {
      serverMessage = body.trim().slice(0, 200) || undefined;
    }
  }
  const said = serverMessage ? ` (${status}: ${serverMessage})` : ` (${status})`;
  const { repoId, revision, endpoint, file } = subject;
  const where = file === undefined ? `'${repoId}'` : `'${file}' of '${repoId}'`;
  const tokenAdvice = subject.tokenSent
    ? 'the token sent was refused or has no access: check HF_TOKEN (or the token option)'
    : 'no token was sent: set HF_TOKEN (or pass the token option) to an access token';

  if (status === 429 || status >= 500) {
    return new Retryable(`${endpoint} answered ${status} for ${where}`, retryAfterMs(header(response, 'retry-after')));
  }
  if (code === 'GatedRepo') {
    return new CrossrankError(
      'UNAUTHORIZED',
      `'${repoId}' is a gated model${said}: accept its terms at ${endpoint}/${repoId} while logged in, then ` +
        `set HF_TOKEN (or the token option) to an access token of that account`,
    );
  }
  if (code === 'RepoNotFound') {
    return new CrossrankError(
      'MODEL_NOT_FOUND',
      `no model '${repoId}' at ${endpoint}${said}; check the id. If it is private, ${tokenAdvice}`,
    );
  }
  if (code === 'RevisionNotFound') {
    return new CrossrankError(
      'MODEL_NOT_FOUND',
      `'${repoId}' has no revision '${revision}'${said}; pass a branch, tag or commit that exists (the default is 'main')`,
    );
  }
  if (code === 'EntryNotFound' || status === 404) {
    return new CrossrankError('MODEL_NOT_FOUND', `${where} not found at revision '${revision}' on ${endpoint}${said}`);
  }
  if (status === 401 || status === 403) {
    return new CrossrankError('UNAUTHORIZED', `${endpoint} refused access to ${where}${said}: ${tokenAdvice}`);
  }
  return new CrossrankError('NETWORK_ERROR', `${endpoint} answered ${status} for ${where}${said}`);
}
