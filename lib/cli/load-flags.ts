import { DTYPES, type Dtype } from '../hub';
import type { ModelLoadOptions } from '../server';
import type { Flag, Values } from './flags';

/** How every command loads a model; the same flags (and environment variables) everywhere. */
export const LOAD_FLAGS: readonly Flag[] = [
  { name: 'dtype', kind: 'string', value: 'DTYPE', choices: DTYPES, description: 'Which ONNX graph to load: fp32, fp16, int8/q8 or q4 (the names Hub repos use)' },
  { name: 'revision', kind: 'string', value: 'REV', description: 'Hub revision (branch, tag or commit) when loading by Hub id' },
  { name: 'device', kind: 'string', value: 'DEVICE', choices: ['cpu', 'cuda'], description: 'Where inference runs' },
  { name: 'threads', kind: 'integer', value: 'N', min: 1, max: 1024, description: 'ONNX Runtime threads per model (default: one per physical core)' },
  { name: 'max-batch-tokens', kind: 'integer', value: 'N', min: 1, description: 'Hard limit on padded tokens per inference batch; turns batch calibration off (default: calibrated on CPU within 4096, else 16384 on CUDA)' },
];

/** The load options the flags ask for. */
export function loadOptions(values: Values): ModelLoadOptions {
  const options: ModelLoadOptions = {};
  if (values.dtype !== undefined) options.dtype = values.dtype as Dtype;
  if (values.revision !== undefined) options.revision = values.revision as string;
  if (values.device !== undefined) options.device = values.device as 'cpu' | 'cuda';
  if (values.threads !== undefined) options.threads = values.threads as number;
  if (values['max-batch-tokens'] !== undefined) options.maxBatchTokens = values['max-batch-tokens'] as number;
  return options;
}
