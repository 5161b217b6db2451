import { type CrossrankServer, type ServerOptions, startServer } from '../../lib/server';
import { fixture } from './fixtures';

/** A server on a free loopback port whose log lines are kept (not printed), ready to serve. */
export async function testServer(
  options: Partial<ServerOptions> = {},
): Promise<{ server: CrossrankServer; url: string; logs: string[] }> {
  const logs: string[] = [];
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) => logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  const server = await startServer({
    models: [{ id: fixture('tiny') }],
    port: 0,
    host: '127.0.0.1',
    logger: { info: keep('info'), warn: keep('warn'), error: keep('error'), request: (f) => logs.push(`request ${JSON.stringify(f)}`) },
    ...options,
  });
  await server.ready;
  return { server, url: server.url, logs };
}

/** POST a JSON body (or raw bytes) and read the JSON answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** One metric's value from the Prometheus text, e.g. metric(text, 'te_request_failure{err="overloaded"}'). */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
