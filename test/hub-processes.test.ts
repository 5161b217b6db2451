import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Reranker } from '../lib/index';
import { fixture } from './support/fixtures';
import { FakeHub } from './support/hub-server';
import { freshCache, HF_VARIABLES, isolateEnvironment, MAIN, testRepos, TINY } from './support/hub-repos';

/** What only separate processes show: the cache lock, and progress bars on a terminal. */

const ROOT = path.join(__dirname, '..');
const SHARED = 'crossrank-test/shared';
const PAIRS: Array<[string, string]> = [
  ['two processes', 'one download'],
  ['two processes', 'a corrupted cache'],
];

let hub: FakeHub;
let restoreEnvironment: () => void;
const caches: string[] = [];

beforeAll(async () => {
  restoreEnvironment = isolateEnvironment();
  hub = await FakeHub.start(testRepos([SHARED]));
});

afterAll(async () => {
  await hub.close();
  restoreEnvironment();
  for (const dir of caches) fs.rmSync(dir, { recursive: true, force: true });
});

function cache(): string {
  const dir = freshCache();
  caches.push(dir);
  return dir;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` against the built package in a child (asynchronously: the Hub look-alike lives in this process). */
function child(script: string, env: Record<string, string> = {}): Promise<Exit> {
  const prelude = `const { Reranker } = require(${JSON.stringify(ROOT)});`;
  const childEnv = { ...process.env, ...env };
  for (const name of HF_VARIABLES) if (!(name in env) && name !== 'HF_HOME') delete childEnv[name];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-e', prelude + script], { cwd: ROOT, env: childEnv });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk) => (stdout += String(chunk)));
    proc.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('two processes loading the same model at once', () => {
  it('download it once: the second waits for the first, then scores from the same files', async () => {
    const cacheDir = cache();
    const modelInfo = `/api/models/${SHARED}/revision/main`;
    // The first transfer of the graph cannot finish before both processes have asked for the model:
    // the second one is certain to arrive while the first is downloading.
    hub.fault(SHARED, 'onnx/model.onnx', { holdUntil: () => hub.requests(new RegExp(`^${modelInfo}$`)).length >= 2 });
    const script =
      `Reranker.load(${JSON.stringify(SHARED)}, { endpoint: ${JSON.stringify(hub.url)}, cacheDir: ${JSON.stringify(cacheDir)} })` +
      `.then(async (r) => { console.log(JSON.stringify(Array.from(await r.score(${JSON.stringify(PAIRS)})))); await r.close(); })` +
      `.catch((e) => { console.error(e); process.exit(1); });`;
    const [a, b] = await Promise.all([child(script), child(script)]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);

    const direct = await Reranker.load(fixture('tiny'));
    const expected = Array.from(await direct.score(PAIRS));
    await direct.close();
    expect(JSON.parse(a.stdout)).toEqual(expected);
    expect(JSON.parse(b.stdout)).toEqual(expected);

    expect(hub.requests(new RegExp(`^${modelInfo}$`))).toHaveLength(2);
    expect(hub.transfers(/^onnx\/model\.onnx$/)).toHaveLength(1);
    // Each file was asked for once: the second process found the snapshot complete.
    const resolves = hub.requests(new RegExp(`^/${SHARED}/resolve/`)).map((r) => r.path);
    expect(new Set(resolves).size).toBe(resolves.length);
    const snapshot = path.join(cacheDir, 'models--crossrank-test--shared', 'snapshots', MAIN);
    expect(fs.readFileSync(path.join(snapshot, 'onnx', 'model.onnx'))).toEqual(
      fs.readFileSync(path.join(fixture('tiny'), 'onnx', 'model.onnx')),
    );
    expect(fs.readdirSync(path.join(cacheDir, '.locks', 'models--crossrank-test--shared'))).toEqual([]);
  });
});

describe('progress bars', () => {
  const download = (cacheDir: string, tty: boolean) =>
    (tty ? `Object.defineProperty(process.stderr, 'isTTY', { value: true }); process.stderr.columns = 120;` : '') +
    `Reranker.download(${JSON.stringify(TINY)}, { endpoint: ${JSON.stringify(hub.url)}, cacheDir: ${JSON.stringify(cacheDir)} })` +
    `.then((dir) => console.log(dir), (e) => { console.error(e); process.exit(1); });`;

  it('draw a bar per file on a terminal: name, bytes, percentage', async () => {
    const shown = await child(download(cache(), true));
    expect(shown.code).toBe(0);
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
      expect(shown.stderr).toMatch(new RegExp(`${file.replace('.', '\\.')} \\|[^|]+\\| 100% \\| [\\d.]+ k?B/[\\d.]+ k?B`));
    }
  });

  it('stay off when stderr is not a terminal, or HF_HUB_DISABLE_PROGRESS_BARS is set', async () => {
    const piped = await child(download(cache(), false));
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    const disabled = await child(download(cache(), true), { HF_HUB_DISABLE_PROGRESS_BARS: '1' });
    expect(disabled.code).toBe(0);
    expect(disabled.stderr).toBe('');
    expect(disabled.stdout.trim()).toBe(path.join(caches.at(-1)!, 'models--crossrank-test--tiny', 'snapshots', MAIN));
  });
});
