import fs from 'node:fs';

import { Reranker } from '../index';
import { type Flag, HELP_FLAG, UsageError, type Values } from './flags';
import { LOAD_FLAGS, loadOptions } from './load-flags';

export const RERANK_FLAGS: readonly Flag[] = [
  { name: 'model', kind: 'string', value: 'ID_OR_PATH', description: 'The model folder or Hub id' },
  { name: 'query', kind: 'string', value: 'TEXT', description: 'The query to rank the documents against', noEnv: true },
  { name: 'top-k', kind: 'integer', value: 'K', min: 1, description: 'Print only the best K' },
  { name: 'json', kind: 'boolean', description: 'Print JSON lines {index, score, text} instead of a table' },
  ...LOAD_FLAGS,
  HELP_FLAG,
];

export const RERANK_USAGE = 'crossrank rerank --model ID_OR_PATH --query TEXT [FILE|-] [--top-k K] [--json]';
export const RERANK_SUMMARY =
  'Ranks documents against a query: one document per line of FILE (or stdin with - or no FILE); a line\n' +
  'that is a JSON object is read as JSONL, its "text" field the document. Blank lines are skipped; index\n' +
  "is the document's position among the documents read.";

/** Documents from text lines or JSONL lines with a `text` field; errors name the line. */
export function readDocuments(input: string): string[] {
  const docs: string[] = [];
  input.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    if (line.trimStart().startsWith('{')) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (error) {
        throw new UsageError(`line ${i + 1} starts with '{' but is not JSON: ${(error as Error).message}`);
      }
      const text = (record as { text?: unknown }).text;
      if (typeof text !== 'string') throw new UsageError(`line ${i + 1} is a JSON object without a string "text" field`);
      docs.push(text);
    } else {
      docs.push(line);
    }
  });
  return docs;
}

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export async function rerank(values: Values, positionals: string[], out: NodeJS.WritableStream): Promise<void> {
  const model = values.model as string | undefined;
  const query = values.query as string | undefined;
  if (model === undefined) throw new UsageError('--model is required (or set CROSSRANK_MODEL)');
  if (query === undefined) throw new UsageError('--query is required');
  if (positionals.length > 1) throw new UsageError(`one FILE at most (or - for stdin), got ${positionals.length}`);
  const file = positionals[0] ?? '-';
  if (file !== '-' && !fs.existsSync(file)) throw new UsageError(`FILE ${file} does not exist`);
  const documents = readDocuments(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  if (documents.length === 0) throw new UsageError(`no documents in ${file === '-' ? 'stdin' : file}`);

  const reranker = await Reranker.load(model, loadOptions(values));
  try {
    const results = await reranker.rerank(query, documents, { topK: values['top-k'] as number | undefined });
    if (values.json) {
      for (const { index, score } of results) out.write(`${JSON.stringify({ index, score, text: documents[index] })}\n`);
      return;
    }
    out.write(`${'rank'.padStart(4)}  ${'score'.padStart(9)}  ${'index'.padStart(5)}  text\n`);
    results.forEach(({ index, score }, rank) => {
      out.write(`${String(rank + 1).padStart(4)}  ${score.toFixed(6).padStart(9)}  ${String(index).padStart(5)}  ${oneLine(documents[index], 80)}\n`);
    });
  } finally {
    await reranker.close();
  }
}
