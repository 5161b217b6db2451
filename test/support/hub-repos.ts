import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { fixture } from './fixtures';
import { commitSha, filesOf, type Repo, type RepoFile } from './hub-server';

/** The repos the hub tests download, made of the suite's generated model folders. */
export const TINY = 'crossrank-test/tiny';
export const GATED = 'crossrank-test/gated';
export const VARIANTS = 'crossrank-test/variants';
export const MAIN = commitSha('tiny main');
/** An older commit of TINY, only reachable by the branch 'old' or its sha: a three-label model. */
export const OLD = commitSha('tiny old');
export const GATED_TOKEN = 'hf_gatedsecret';

const readme: RepoFile = { path: 'README.md', content: Buffer.from('# a tiny cross-encoder\n') };

/** The CPU-specific int8 names optimum writes, all the same graph here. */
export const CPU_INT8_FILES = ['model_qint8_avx512_vnni.onnx', 'model_qint8_avx512.onnx', 'model_quint8_avx2.onnx', 'model_qint8_arm64.onnx'];

/** The standard repos, plus `extra` ones holding the tiny model (an id, or a repo's settings). */
export function testRepos(extra: Array<string | (Partial<Repo> & { id: string })> = []): Repo[] {
  const tiny = [...filesOf(fixture('tiny')), readme];
  const quantized = fs.readFileSync(path.join(fixture('tiny'), 'onnx', 'model_quantized.onnx'));
  const variants: RepoFile[] = [
    ...filesOf(fixture('tiny'), (file) => !file.endsWith('.onnx')),
    { path: 'onnx/model.onnx', content: fs.readFileSync(path.join(fixture('tiny'), 'onnx', 'model.onnx')) },
    // ONNX Runtime leaves a data file that the graph does not name alone: enough to see it fetched.
    { path: 'onnx/model.onnx_data', content: Buffer.from('external weights of model.onnx') },
    { path: 'onnx/model_fp16.onnx', content: quantized },
    { path: 'onnx/model_fp16.onnx_data', content: Buffer.from('external weights of model_fp16.onnx') },
    ...CPU_INT8_FILES.map((name) => ({ path: `onnx/${name}`, content: quantized })),
  ];
  return [
    { id: TINY, commits: { [MAIN]: tiny, [OLD]: filesOf(fixture('tiny-3-labels')) }, refs: { main: MAIN, old: OLD } },
    { id: GATED, commits: { [MAIN]: tiny }, refs: { main: MAIN }, gatedToken: GATED_TOKEN },
    { id: VARIANTS, commits: { [MAIN]: variants }, refs: { main: MAIN } },
    // Repos of their own for tests that plant faults, so that no fault leaks into another test.
    ...extra.map((repo) => ({ commits: { [MAIN]: tiny }, refs: { main: MAIN }, ...(typeof repo === 'string' ? { id: repo } : repo) })),
  ];
}

/** A fresh, empty cache folder. */
export const freshCache = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-hub-cache-'));

/** The Hugging Face variables a developer's shell may set, cleared so that tests see only their own. */
export const HF_VARIABLES = [
  'HF_HOME',
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_ENDPOINT',
  'HF_TOKEN',
  'HUGGING_FACE_HUB_TOKEN',
  'HF_TOKEN_PATH',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_OFFLINE',
  'HF_HUB_DISABLE_PROGRESS_BARS',
  'HF_HUB_ETAG_TIMEOUT',
  'HF_HUB_DOWNLOAD_TIMEOUT',
];

/** Clears the HF variables and points HF_HOME at an empty folder (no token file of the developer's). */
export function isolateEnvironment(): () => void {
  const saved = Object.fromEntries(HF_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of HF_VARIABLES) delete process.env[name];
  process.env.HF_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-hf-home-'));
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
