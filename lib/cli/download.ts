import { DTYPES, type Dtype } from '../hub';
import { Reranker } from '../index';
import { type Flag, HELP_FLAG, UsageError, type Values } from './flags';

export const DOWNLOAD_FLAGS: readonly Flag[] = [
  { name: 'dtype', kind: 'string', value: 'DTYPE', choices: DTYPES, description: 'Which ONNX graph to fetch (the names Hub repos use)' },
  { name: 'revision', kind: 'string', value: 'REV', description: 'Branch, tag or commit (default main)' },
  { name: 'model-file', kind: 'string', value: 'FILE', description: 'A particular ONNX file of the repo instead of --dtype' },
  { name: 'cache-dir', kind: 'string', value: 'DIR', description: 'The Hugging Face cache (default $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub)' },
  HELP_FLAG,
];

export const DOWNLOAD_USAGE = 'crossrank download ID [--dtype DTYPE] [--revision REV] [--model-file FILE] [--cache-dir DIR]';
export const DOWNLOAD_SUMMARY =
  'Downloads a model from the Hugging Face Hub into the cache Python and JS share, and prints its snapshot folder.';

/** `crossrank download ID`: what load() would fetch, without loading it; prints the snapshot folder. */
export async function download(values: Values, positionals: string[], out: NodeJS.WritableStream): Promise<void> {
  if (positionals.length !== 1) throw new UsageError(`one Hub model id (org/name) is required, got ${positionals.length}`);
  const folder = await Reranker.download(positionals[0], {
    ...(values.dtype !== undefined && { dtype: values.dtype as Dtype }),
    ...(values.revision !== undefined && { revision: values.revision as string }),
    ...(values['model-file'] !== undefined && { modelFile: values['model-file'] as string }),
    ...(values['cache-dir'] !== undefined && { cacheDir: values['cache-dir'] as string }),
  });
  out.write(`${folder}\n`);
}
