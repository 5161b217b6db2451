import { Reranker } from '../index';
import { type Flag, HELP_FLAG, UsageError, type Values } from './flags';
import { LOAD_FLAGS, loadOptions } from './load-flags';

export const INFO_FLAGS: readonly Flag[] = [
  { name: 'json', kind: 'boolean', description: 'Print the description as one JSON object' },
  ...LOAD_FLAGS,
  HELP_FLAG,
];

export const INFO_USAGE = 'crossrank info ID_OR_PATH [--json]';
export const INFO_SUMMARY = "Loads a model and describes it: labels, maximum length, activation, inputs, ONNX Runtime's version.";

export async function info(values: Values, positionals: string[], out: NodeJS.WritableStream): Promise<void> {
  if (positionals.length !== 1) throw new UsageError(`one model (a folder or Hub id) is required, got ${positionals.length}`);
  const reranker = await Reranker.load(positionals[0], loadOptions(values));
  try {
    const i = reranker.info;
    const description = {
      model: positionals[0],
      modelFile: i.modelPath,
      labels: i.labels,
      maxLength: i.maxLength,
      activation: i.modelActivation,
      truncation: i.truncation,
      inputs: i.inputNames,
      output: i.outputName,
      device: i.device,
      ortVersion: i.ortVersion,
      ortLibrary: i.ortLibraryPath,
    };
    if (values.json) {
      out.write(`${JSON.stringify(description)}\n`);
      return;
    }
    for (const [key, value] of Object.entries(description)) {
      out.write(`${key.padEnd(12)} ${Array.isArray(value) ? value.join(', ') : String(value)}\n`);
    }
  } finally {
    await reranker.close();
  }
}
