import { invalidArgument } from '../errors';
import { booleanOption, describe, enumOption, stringOption } from '../validate';
import { isSafeRepoPath } from './cache';
import { DTYPES, type Dtype, type GraphChoice } from './files';
import type { DownloadProgress } from './progress';

/** Where a model comes from and which of its graphs to take (`Reranker.load` and `Reranker.download`). */
export interface DownloadOptions {
  /** Hub ids: the branch, tag or commit to take. Default 'main'. */
  revision?: string;
  /**
   * Hub ids: the cache folder, in huggingface_hub's layout (shared with Python and @huggingface/hub).
   * Default $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
   */
  cacheDir?: string;
  /** Hub ids: an access token, for gated and private models. Default $HF_TOKEN, else the file $HF_HOME/token. */
  token?: string;
  /** Hub ids: the Hub's URL (a mirror). Default $HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Hub ids: use the cache alone, never the network, as $HF_HUB_OFFLINE=1 does. Default false. */
  localFilesOnly?: boolean;
  /**
   * Which ONNX graph, by the names repos give their variants: 'fp32' (onnx/model.onnx or model.onnx),
   * 'fp16' (model_fp16.onnx), 'int8' / 'q8' (model_quantized.onnx, model_int8.onnx, or the
   * CPU-specific model_qint8_avx512_vnni / model_qint8_avx512 / model_quint8_avx2 this CPU can run),
   * 'q4' (model_q4.onnx). Default 'fp32'. Not with modelFile.
   */
  dtype?: Dtype;
  /** An ONNX file by name instead, e.g. 'onnx/model_O3.onnx'; also looked for inside onnx/. Not with dtype. */
  modelFile?: string;
  /** Hub ids: called as each file's bytes arrive (files already in the cache are not reported). */
  onProgress?: (progress: DownloadProgress) => void;
}

/** DownloadOptions checked, before anything is read or sent. */
export interface CheckedDownloadOptions {
  revision: string;
  cacheDir?: string;
  token?: string;
  endpoint?: string;
  localFilesOnly: boolean;
  choice: GraphChoice;
  onProgress?: (progress: DownloadProgress) => void;
}

export function checkDownloadOptions(opts: Partial<DownloadOptions>, name = 'options'): CheckedDownloadOptions {
  const revision = stringOption(opts.revision, `${name}.revision`) ?? 'main';
  if (!isSafeRepoPath(revision)) {
    throw invalidArgument(`${name}.revision must be a branch, tag or commit, got ${describe(revision)}`);
  }
  const dtype = enumOption(opts.dtype, `${name}.dtype`, DTYPES);
  const modelFile = stringOption(opts.modelFile, `${name}.modelFile`);
  if (dtype !== undefined && modelFile !== undefined) {
    throw invalidArgument(`${name}.dtype and ${name}.modelFile both name a graph; pass one of them`);
  }
  const endpoint = stringOption(opts.endpoint, `${name}.endpoint`);
  const onProgress = opts.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalidArgument(`${name}.onProgress must be a function, got ${describe(onProgress)}`);
  }
  return {
    revision,
    cacheDir: stringOption(opts.cacheDir, `${name}.cacheDir`),
    token: stringOption(opts.token, `${name}.token`),
    endpoint: endpoint === undefined ? undefined : checkEndpoint(endpoint, `${name}.endpoint`),
    localFilesOnly: booleanOption(opts.localFilesOnly, `${name}.localFilesOnly`) ?? false,
    choice: modelFile !== undefined ? { modelFile } : { dtype: dtype ?? 'fp32' },
    onProgress,
  };
}

/** An http(s) URL without its trailing slashes, as huggingface_hub strips them. */
export function checkEndpoint(value: string, name: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw invalidArgument(`${name} must be an http(s) URL such as https://huggingface.co, got ${describe(value)}`);
  }
  return value.replace(/\/+$/, '');
}
