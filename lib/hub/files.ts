import fs from 'node:fs';
import path from 'node:path';

/**
 * Which files of a model repo crossrank takes: the tokenizer and config files, and one ONNX graph. The
 * chat template and sentence-transformers config tell a decoder reranker's family (lib/decoder-templates.ts).
 */
export const COMPANION_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'config_sentence_transformers.json',
];

/**
 * Which ONNX graph of a model to use. Repos name their variants the way optimum and
 * transformers.js export them; `dtype` takes the names those use.
 */
export const DTYPES = ['fp32', 'fp16', 'int8', 'q8', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];

/**
 * CPU-specific int8 graphs that optimum's `quantize` writes (cross-encoder/* repos ship them), best
 * first, each with what the CPU must support: each is quantized for its target's int8 instructions
 * (the VNNI one without optimum's reduced range, which can saturate on CPUs without VNNI), so only
 * the ones this CPU runs as intended are candidates.
 */
const CPU_INT8: ReadonlyArray<{ file: string; runsOn: (cpu: CpuFeatures) => boolean }> = [
  { file: 'model_qint8_avx512_vnni.onnx', runsOn: (cpu) => cpu.flags.has('avx512_vnni') },
  { file: 'model_qint8_avx512.onnx', runsOn: (cpu) => cpu.flags.has('avx512f') && cpu.flags.has('avx512bw') },
  { file: 'model_quint8_avx2.onnx', runsOn: (cpu) => cpu.flags.has('avx2') },
  { file: 'model_qint8_arm64.onnx', runsOn: (cpu) => cpu.arch === 'arm64' },
];

/** Graph file names for each dtype, in order of preference; each is looked for in onnx/ first. */
function graphNames(dtype: Dtype, cpu: CpuFeatures): string[] {
  switch (dtype) {
    case 'fp32':
      return ['model.onnx'];
    case 'fp16':
      return ['model_fp16.onnx'];
    case 'int8':
    case 'q8':
      return ['model_quantized.onnx', 'model_int8.onnx', ...CPU_INT8.filter((v) => v.runsOn(cpu)).map((v) => v.file)];
    case 'q4':
      return ['model_q4.onnx'];
  }
}

export interface CpuFeatures {
  arch: string;
  /** /proc/cpuinfo flags (x86: 'avx2', 'avx512f', 'avx512bw', 'avx512_vnni', ...). */
  flags: ReadonlySet<string>;
}

let thisCpu: CpuFeatures | undefined;

export function cpuFeatures(): CpuFeatures {
  if (!thisCpu) {
    let flags: string[] = [];
    try {
      const line = /^(?:flags|Features)\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      flags = line ? line[1].trim().split(/\s+/) : [];
    } catch {
      // not Linux: only the portable variants are candidates
    }
    thisCpu = { arch: process.arch, flags: new Set(flags) };
  }
  return thisCpu;
}

/** The paths, relative to the model folder, that `dtype` may name, best first. */
export function graphCandidates(dtype: Dtype, cpu: CpuFeatures = cpuFeatures()): string[] {
  return graphNames(dtype, cpu).flatMap((name) => [`onnx/${name}`, name]);
}

/** Where a `modelFile` given by name may be: as given, or inside onnx/. */
const modelFileCandidates = (modelFile: string): string[] =>
  modelFile.startsWith('onnx/') ? [modelFile] : [modelFile, `onnx/${modelFile}`];

/** What the caller asked for: a dtype, or one file by name. */
export type GraphChoice = { dtype: Dtype; modelFile?: undefined } | { modelFile: string; dtype?: undefined };

export const candidatesFor = (choice: GraphChoice): string[] =>
  choice.modelFile !== undefined ? modelFileCandidates(choice.modelFile) : graphCandidates(choice.dtype);

/** The graph `choice` picks among the files for which `has` is true (paths relative to the model folder). */
export const pickGraph = (choice: GraphChoice, has: (file: string) => boolean): string | undefined =>
  candidatesFor(choice).find(has);

// statSync follows a snapshot's symlinks: a link whose blob is gone does not count.
const isFile = (file: string): boolean => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/** The graph `choice` picks in the folder `dir`. */
export const graphInFolder = (dir: string, choice: GraphChoice): string | undefined =>
  pickGraph(choice, (file) => isFile(path.join(dir, file)));

/**
 * A graph's external-data files among `files`: optimum writes `model.onnx_data`, transformers.js
 * splits big ones into `model.onnx_data_1`, ...; onnx's own default is `model.onnx.data`.
 */
export const externalDataOf = (graph: string, files: readonly string[]): string[] =>
  files.filter((file) => file.startsWith(`${graph}_data`) || file === `${graph}.data`);

/** The files of a model folder where graphs may be, its root and onnx/, for messages. */
export function listModelFiles(dir: string): string[] {
  return ['', 'onnx'].flatMap((sub) => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(dir, sub));
    } catch {
      return [];
    }
    return names.map((name) => (sub ? `${sub}/${name}` : name)).filter((file) => isFile(path.join(dir, file)));
  });
}

export const onnxFilesAmong = (files: readonly string[]): string[] => files.filter((file) => file.endsWith('.onnx')).sort();

/** Why no graph was found, and what would work instead. */
export function noGraphMessage(where: string, choice: GraphChoice, files: readonly string[]): string {
  const wanted = choice.modelFile !== undefined ? `modelFile '${choice.modelFile}'` : `ONNX graph for dtype '${choice.dtype}'`;
  const looked = candidatesFor(choice).join(', ');
  const onnx = onnxFilesAmong(files);
  const has = onnx.length
    ? `it has ${onnx.join(', ')}: pass one as modelFile, or another dtype`
    : 'it has no .onnx file at all (`optimum-cli export onnx` makes one)';
  return `${where} has no ${wanted} (looked for ${looked}); ${has}`;
}
