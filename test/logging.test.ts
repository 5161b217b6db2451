import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { fixture } from './support/fixtures';

const ROOT = path.join(__dirname, '..');

// ONNX Runtime logs from its own threads straight to file descriptor 2, so only another process's
// stderr shows what it printed.
let model: string;
beforeAll(() => {
  // config.json and tokenizer_config.json claim 4096 positions; the graph has 512. A long pair then
  // fails inside ORT's position-embedding Gather, the failure ORT itself logs as an error.
  model = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-positions-'));
  fs.cpSync(fixture('tiny'), model, { recursive: true });
  for (const [file, key] of [['config.json', 'max_position_embeddings'], ['tokenizer_config.json', 'model_max_length']]) {
    const json = JSON.parse(fs.readFileSync(path.join(model, file), 'utf8'));
    fs.writeFileSync(path.join(model, file), JSON.stringify({ ...json, [key]: 4096 }));
  }
});

function failingInference(options: object, env: NodeJS.ProcessEnv = {}) {
  const script =
    `const { Reranker } = require(${JSON.stringify(ROOT)});` +
    `(async () => { const r = await Reranker.load(${JSON.stringify(model)}, ${JSON.stringify(options)});` +
    `  const failed = await r.score([['q', 'word '.repeat(1500)]]).then(() => 'resolved', (e) => e.code);` +
    `  const after = await r.score([['q', 'short']]);` +
    `  console.log(failed, after.length); await r.close(); })();`;
  const childEnv = { ...process.env, ...env };
  if (!('CROSSRANK_LOG_LEVEL' in env)) delete childEnv.CROSSRANK_LOG_LEVEL;
  return spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: childEnv });
}

describe("ONNX Runtime's log lines", () => {
  it('print nothing by default: the failure reaches the caller as a typed error', () => {
    const result = failingInference({});
    expect(result.stdout.trim()).toBe('INFERENCE_FAILED 1');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("with logLevel 'error', print prefixed lines", () => {
    const result = failingInference({ logLevel: 'error' });
    expect(result.stdout.trim()).toBe('INFERENCE_FAILED 1');
    expect(result.stderr).toMatch(/^crossrank: onnxruntime error \[.*\]: Non-zero status code returned while running Gather node/);
    expect(result.stderr.split('\n').filter(Boolean).every((line) => line.startsWith('crossrank: '))).toBe(true);
  });

  it('CROSSRANK_LOG_LEVEL sets the default, and an invalid value is a clear error', () => {
    const result = failingInference({}, { CROSSRANK_LOG_LEVEL: 'warning' });
    expect(result.stderr).toMatch(/^crossrank: onnxruntime error/);
    const off = failingInference({ logLevel: 'off' }, { CROSSRANK_LOG_LEVEL: 'warning' });
    expect(off.stderr).toBe('');
    const invalid = failingInference({}, { CROSSRANK_LOG_LEVEL: 'loud' });
    expect(invalid.status).not.toBe(0);
    expect(invalid.stderr).toMatch(/CROSSRANK_LOG_LEVEL environment variable must be one of 'off'/);
  });
});
