import type { IncomingMessage } from 'node:http';

import { ApiError } from './errors';

export interface BodyLimits {
  /** Bytes; over it is a 413 (checked against Content-Length first, then while reading). */
  payloadLimit: number;
  /** Milliseconds for the whole body to arrive; a slow-body (slowloris) client gets a 408. */
  bodyTimeoutMs: number;
}

/**
 * Reads a request body and parses it as JSON. Every way it can be hostile (too big, too slow, not
 * UTF-8, not JSON) becomes an ApiError, so that the route answers in its own error shape.
 */
export function readJsonBody(req: IncomingMessage, limits: BodyLimits, signal: AbortSignal): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.payloadLimit) {
    return Promise.reject(tooLarge(limits.payloadLimit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: ApiError | undefined, value?: unknown) => {
      clearTimeout(timer);
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      signal.removeEventListener('abort', onError);
      // Whatever is still arriving is not read: stop the flow so that it costs no more memory.
      if (error) req.pause();
      if (error) reject(error);
      else resolve(value);
    };
    const timer = setTimeout(
      () => finish(new ApiError('bodyTimeout', `the request body did not arrive within ${limits.bodyTimeoutMs} ms`)),
      limits.bodyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.payloadLimit) finish(tooLarge(limits.payloadLimit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        finish(undefined, parseJson(Buffer.concat(chunks)));
      } catch (error) {
        finish(error as ApiError);
      }
    };
    const onError = () => finish(new ApiError('clientGone', 'the client closed the connection while sending the body'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    signal.addEventListener('abort', onError, { once: true });
  });
}

function tooLarge(limit: number): ApiError {
  return new ApiError('payloadTooLarge', `the request body is larger than the payload limit of ${limit} bytes`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new ApiError('malformed', 'the request body is empty; send a JSON object');
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new ApiError('malformed', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError('malformed', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** "2mb", "512kb", "2000000" → bytes (decimal units, as TEI's 2,000,000-byte default). */
export function parseSize(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes >= 1 ? bytes : undefined;
}
