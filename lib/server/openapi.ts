import { API_ERRORS } from './errors';
import type { Route } from './routes';

/** JSON Schema for the wire types in wire.ts (kept beside them in meaning, written out here). */
const str = { type: 'string' };
const bool = { type: 'boolean' };
const int = (minimum: number) => ({ type: 'integer', minimum });
const num = { type: 'number' };
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: unknown) => ({ type: 'array', items });

const cohereResult = obj(
  { index: int(0), relevance_score: num, document: { description: 'With return_documents: {text} for a string, the object as sent otherwise' } },
  ['index', 'relevance_score'],
);
const cohereMeta = obj({
  api_version: obj({ version: str }),
  billed_units: obj({ search_units: int(1) }),
  tokens: obj({ input_tokens: int(0) }),
});

const SCHEMAS = {
  TeiRerankRequest: obj(
    {
      query: str,
      texts: { ...arrayOf(str), minItems: 1 },
      truncate: { type: ['boolean', 'null'], description: 'Default: the server --auto-truncate (true)' },
      truncation_direction: { enum: ['Right', 'Left'], default: 'Right', description: "'Left' keeps the end of a text that is too long" },
      raw_scores: { ...bool, default: false },
      return_text: { ...bool, default: false },
    },
    ['query', 'texts'],
  ),
  TeiRerankResponse: arrayOf(obj({ index: int(0), score: num, text: str }, ['index', 'score'])),
  TeiError: obj({ error: str, error_type: { enum: [...new Set(Object.values(API_ERRORS).map((e) => e.errorType))] } }, ['error', 'error_type']),
  CohereV2RerankRequest: obj(
    {
      model: str,
      query: str,
      documents: { ...arrayOf(str), minItems: 1 },
      top_n: int(1),
      max_tokens_per_doc: { ...int(1), description: "Each document is cut to this many tokens before it is paired with the query (the model's maximum length still applies)" },
      priority: int(0),
    },
    ['model', 'query', 'documents'],
  ),
  CohereV2RerankResponse: obj({ id: str, results: arrayOf(cohereResult), meta: cohereMeta }, ['results']),
  CohereV1RerankRequest: obj(
    {
      model: str,
      query: str,
      documents: { ...arrayOf({ oneOf: [str, { type: 'object', additionalProperties: str }] }), minItems: 1 },
      top_n: int(1),
      rank_fields: arrayOf(str),
      return_documents: { ...bool, default: false },
      max_chunks_per_doc: { ...int(1), description: 'Given: long documents are scored by their best window' },
    },
    ['query', 'documents'],
  ),
  CohereV1RerankResponse: obj(
    {
      id: str,
      model: str,
      results: arrayOf(cohereResult),
      meta: cohereMeta,
      usage: obj({ total_tokens: int(0), prompt_tokens: int(0) }),
    },
    ['results'],
  ),
  CohereError: obj({ message: str }, ['message']),
  Info: obj({
    model_id: str,
    model_sha: { type: ['string', 'null'] },
    model_dtype: str,
    served_model_name: str,
    model_type: obj({ reranker: obj({ id2label: { type: 'object' }, label2id: { type: 'object' } }) }),
    max_concurrent_requests: int(1),
    max_input_length: int(1),
    max_batch_tokens: int(1),
    max_client_batch_size: int(1),
    auto_truncate: bool,
    version: str,
    models: { type: 'array', description: 'Every served model, the default first' },
  }),
};

const BODIES: Record<string, { request?: string; response?: string; error: 'TeiError' | 'CohereError' }> = {
  '/rerank': { request: 'TeiRerankRequest', response: 'TeiRerankResponse', error: 'TeiError' },
  '/': { request: 'TeiRerankRequest', response: 'TeiRerankResponse', error: 'TeiError' },
  '/invocations': { request: 'TeiRerankRequest', response: 'TeiRerankResponse', error: 'TeiError' },
  '/v1/rerank': { request: 'CohereV1RerankRequest', response: 'CohereV1RerankResponse', error: 'CohereError' },
  '/v2/rerank': { request: 'CohereV2RerankRequest', response: 'CohereV2RerankResponse', error: 'CohereError' },
  '/info': { response: 'Info', error: 'TeiError' },
};

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });

/** The OpenAPI 3.1 document GET /openapi.json answers, built from the route table. */
export function openApiDocument(version: string, routes: readonly Route[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const bodies = BODIES[route.path] ?? { error: 'TeiError' };
    const error = json(ref(bodies.error));
    const responses: Record<string, unknown> = {
      200: bodies.response
        ? { description: 'OK', ...json(ref(bodies.response)) }
        : { description: route.path === '/metrics' ? 'Prometheus text format' : 'OK' },
    };
    if (route.rerank) {
      for (const [status, description] of [
        [400, 'Empty documents, malformed JSON or not UTF-8'],
        [401, 'Missing or wrong bearer token (with --api-key)'],
        [404, 'Unknown model (several served)'],
        [408, 'The body did not arrive in time'],
        [413, 'Body over --payload-limit'],
        [422, 'Validation: wrong field, too many texts, text too long with truncate false'],
        [424, 'Backend: not a reranker model, inference failed'],
        [429, 'Overloaded; see Retry-After'],
        [503, 'Loading or draining'],
      ] as const) {
        responses[status] = { description, ...error };
      }
    } else if (route.path === '/health') {
      responses[503] = { description: 'Loading or draining', ...error };
    }
    paths[route.path] ??= {};
    paths[route.path][route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.auth && { security: [{ bearer: [] }] }),
      ...(bodies.request && { requestBody: { required: true, ...json(ref(bodies.request)) } }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'crossrank', version, description: 'Cross-encoder reranking: TEI, Cohere (v1, v2) and Jina rerank APIs' },
    paths,
    components: { schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
