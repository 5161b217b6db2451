import { type ApiError, API_ERRORS } from './errors';
import { cohereV1Rerank, cohereV2Rerank, type Handler, health, info, metrics, teiRerank } from './handlers';
import { openApiDocument } from './openapi';
import type { CohereErrorBody, TeiErrorBody } from './wire';

/** Whose error body a route answers with. */
export type ErrorShape = 'tei' | 'cohere';

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handler: Handler;
  errors: ErrorShape;
  /** Needs the bearer token when --api-key is set (probes and scrapers never do, as in TEI). */
  auth: boolean;
  /** Counted in te_request_* and logged per request. */
  rerank: boolean;
  summary: string;
}

/** Every route the server answers; the OpenAPI document is generated from this table too. */
export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/rerank', handler: teiRerank, errors: 'tei', auth: true, rerank: true, summary: 'TEI rerank' },
  { method: 'POST', path: '/', handler: teiRerank, errors: 'tei', auth: true, rerank: true, summary: "TEI's alias of /rerank" },
  { method: 'POST', path: '/invocations', handler: teiRerank, errors: 'tei', auth: true, rerank: true, summary: "TEI's (SageMaker) alias of /rerank" },
  { method: 'POST', path: '/v1/rerank', handler: cohereV1Rerank, errors: 'cohere', auth: true, rerank: true, summary: 'Cohere v1 and Jina rerank' },
  { method: 'POST', path: '/v2/rerank', handler: cohereV2Rerank, errors: 'cohere', auth: true, rerank: true, summary: 'Cohere v2 rerank' },
  { method: 'GET', path: '/health', handler: health, errors: 'tei', auth: false, rerank: false, summary: 'Readiness: 200 when every model is loaded, 503 while loading or draining' },
  { method: 'GET', path: '/info', handler: info, errors: 'tei', auth: true, rerank: false, summary: "TEI's model and limits description" },
  { method: 'GET', path: '/metrics', handler: metrics, errors: 'tei', auth: false, rerank: false, summary: 'Prometheus metrics' },
  { method: 'GET', path: '/openapi.json', handler: async ({ server }) => ({ status: 200, body: openApiDocument(server.version, ROUTES) }), errors: 'tei', auth: true, rerank: false, summary: 'This API, as OpenAPI 3.1' },
];

export type RouteMatch = { route: Route } | { error: 'notFound' | 'methodNotAllowed'; errors: ErrorShape; allow?: string };

export function matchRoute(method: string, pathname: string): RouteMatch {
  const onPath = ROUTES.filter((r) => r.path === pathname);
  const route = onPath.find((r) => r.method === method || (method === 'HEAD' && r.method === 'GET'));
  if (route) return { route };
  // Unknown paths under a Cohere prefix answer in Cohere's shape, so its SDK reports the message.
  const errors: ErrorShape = /^\/v[12]\//.test(pathname) ? 'cohere' : 'tei';
  if (onPath.length) return { error: 'methodNotAllowed', errors, allow: onPath.map((r) => r.method).join(', ') };
  return { error: 'notFound', errors };
}

/** An error body in the route's shape: TEI's `{error, error_type}` or Cohere's `{message}`. */
export function errorBody(shape: ErrorShape, error: ApiError): TeiErrorBody | CohereErrorBody {
  return shape === 'cohere' ? { message: error.message } : { error: error.message, error_type: API_ERRORS[error.kind].errorType };
}
