import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Reranker } from '../lib';
import { fixture } from './support/fixtures';
import { testRepos, TINY } from './support/hub-repos';
import { FakeHub } from './support/hub-server';
import { metric, post } from './support/server';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'crossrank.js');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const DOCS = ['a cross encoder reads both texts', 'bananas are yellow', 'rerankers reorder results', 'the train leaves at noon'];

/** Environment without any CROSSRANK_ / TEI variable of the machine running the tests. */
const cleanEnv = (extra: NodeJS.ProcessEnv = {}) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CROSSRANK_|PORT$|MODEL_ID$)/.test(k)));
  return { ...env, ...extra };
};
const cli = (args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv(options.env), input: options.input, encoding: 'utf8' });

let tmp: string;
beforeAll(() => {
  // The bin runs the compiled dist/: build it from the sources under test.
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json')]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('crossrank --version and --help', () => {
  it('prints the version', () => {
    const run = cli(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(VERSION);
  });

  it('lists the commands, and each command its flags with their environment variables', () => {
    const main = cli(['--help']);
    expect(main.status).toBe(0);
    for (const command of ['serve', 'rerank', 'info', 'download']) expect(main.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const serve = cli(['serve', '--help']);
    expect(serve.status).toBe(0);
    for (const flag of ['--model', '--port', '--host', '--api-key', '--dtype', '--device', '--threads', '--max-batch-tokens',
      '--max-client-batch-size', '--max-concurrent-requests', '--max-queued-pairs', '--payload-limit', '--auto-truncate',
      '--served-model-name', '--json-output']) {
      expect(serve.stdout, flag).toContain(flag);
    }
    expect(serve.stdout).toContain('env CROSSRANK_PORT, PORT');
    expect(serve.stdout).toContain('env CROSSRANK_MODEL, MODEL_ID');
    expect(cli(['rerank', '--help']).stdout).toContain('--top-k');
    expect(cli(['info', '--help']).stdout).toContain('Usage: crossrank info');
  });

  it('usage errors name the flag and what would be valid, with exit status 2', () => {
    const unknown = cli(['serve', '--modle', 'x']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--modle'.*takes --model, --served-model-name/);
    const port = cli(['serve', '--model', 'x', '--port', 'eighty']);
    expect(port.stderr).toMatch(/--port must be an integer from 0 to 65535, got "eighty"/);
    const fromEnv = cli(['serve', '--model', 'x'], { env: { CROSSRANK_MAX_CONCURRENT_REQUESTS: '-1' } });
    expect(fromEnv.stderr).toMatch(/--max-concurrent-requests must be an integer >= 1, got "-1" \(from CROSSRANK_MAX_CONCURRENT_REQUESTS\)/);
    const device = cli(['serve', '--model', 'x', '--device', 'tpu']);
    expect(device.stderr).toMatch(/--device must be one of cpu, cuda, got "tpu"/);
    expect(cli(['serve']).stderr).toMatch(/--model is required/);
    expect(cli(['frobnicate']).stderr).toMatch(/unknown command 'frobnicate'; commands: serve, rerank, info, download/);
    expect(cli(['download']).stderr).toMatch(/one Hub model id \(org\/name\) is required, got 0/);
    expect(cli(['download', 'org/name', '--dtype', 'fp64']).stderr).toMatch(/--dtype must be one of fp32, fp16, int8, q8, q4, got "fp64"/);
  });
});

describe('crossrank download', () => {
  it('fetches a Hub model into the cache and prints its snapshot folder, which loads as a path', async () => {
    const hub = await FakeHub.start(testRepos());
    try {
      const cacheDir = path.join(tmp, 'hub-cache');
      // The Hub look-alike runs in this process: the CLI must run without blocking it.
      const child = spawn(process.execPath, [BIN, 'download', TINY, '--cache-dir', cacheDir], {
        env: cleanEnv({ HF_ENDPOINT: hub.url, HF_HUB_DISABLE_PROGRESS_BARS: '1' }),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(stderr).toBe('');
      expect(status).toBe(0);
      const folder = stdout.trim();
      expect(folder.startsWith(path.join(cacheDir, 'models--crossrank-test--tiny', 'snapshots'))).toBe(true);
      expect(fs.existsSync(path.join(folder, 'tokenizer.json'))).toBe(true);
      const fromCache = await Reranker.load(folder);
      const direct = await Reranker.load(fixture('tiny'));
      try {
        const pairs = DOCS.map((d) => ['query', d] as [string, string]);
        expect(Array.from(await fromCache.score(pairs))).toEqual(Array.from(await direct.score(pairs)));
      } finally {
        await Promise.all([fromCache.close(), direct.close()]);
      }
    } finally {
      await hub.close();
    }
  });
});

describe('crossrank info and rerank', () => {
  it('info describes the model', () => {
    const run = cli(['info', fixture('tiny'), '--json']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ labels: ['LABEL_0'], maxLength: 512, activation: 'sigmoid', inputs: expect.arrayContaining(['input_ids']), ortVersion: expect.any(String) });
    expect(cli(['info', fixture('tiny')]).stdout).toMatch(/^maxLength\s+512$/m);
    const missing = cli(['info', path.join(tmp, 'nothing')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/MODEL_NOT_FOUND/);
  });

  it('rerank reads a file (lines) or stdin (JSONL) and prints what Reranker.rerank() gives', async () => {
    const reranker = await Reranker.load(fixture('tiny'));
    const expected = await reranker.rerank('cross encoders', DOCS);
    await reranker.close();
    const file = path.join(tmp, 'docs.txt');
    fs.writeFileSync(file, `${DOCS.join('\n')}\n\n`);
    const table = cli(['rerank', '--model', fixture('tiny'), '--query', 'cross encoders', file, '--top-k', '2']);
    expect(table.status).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/rank\s+score\s+index\s+text/);
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain(DOCS[expected[0].index]);
    const jsonl = DOCS.map((text) => JSON.stringify({ text })).join('\n');
    const json = cli(['rerank', '--query', 'cross encoders', '--json', '-'], { env: { CROSSRANK_MODEL: fixture('tiny') }, input: jsonl });
    expect(json.status).toBe(0);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.index)).toEqual(expected.map((r) => r.index));
    lines.forEach((l, i) => expect(l.score).toBeCloseTo(expected[i].score, 5));
    expect(cli(['rerank', '--model', fixture('tiny'), '--query', 'q', '-'], { input: '{"txt": 1}\n' }).stderr).toMatch(/line 1 is a JSON object without a string "text" field/);
  });
});

describe('crossrank serve', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('runs from environment variables alone, and SIGTERM during load drains the requests in flight and exits 0', async () => {
    // As a container runs it: no arguments, TEI's MODEL_ID and PORT.
    child = spawn(process.execPath, [BIN, 'serve'], {
      env: cleanEnv({ MODEL_ID: fixture('medium'), PORT: '0', CROSSRANK_HOST: '127.0.0.1', CROSSRANK_THREADS: '1', CROSSRANK_JSON_OUTPUT: 'true' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child!.stderr!.on('data', (chunk) => {
        stderr += chunk;
        const ready = stderr.split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((l) => l.msg === 'ready');
        if (ready) resolve(ready.url);
      });
      child!.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const texts = Array.from({ length: 32 }, (_, i) => Array.from({ length: 100 }, (_, w) => `word${(i + w) % 89}`).join(' '));
    const load = Array.from({ length: 4 }, () => post(`${url}/rerank`, { query: 'which', texts }));
    // Signal once the requests are admitted (their pairs are in flight).
    for (let i = 0; i < 500 && metric(await (await fetch(`${url}/metrics`)).text(), 'crossrank_pairs_in_flight') < texts.length * 4; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGTERM');
    const answers = await Promise.all(load);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.json).toHaveLength(texts.length);
    }
    expect(await exited).toBe(0);
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['listening', 'ready', 'received', 'draining', 'stopped']));
    expect(lines.filter((l) => l.msg === 'request' && l.path === '/rerank' && l.status === 200)).toHaveLength(4);
    child = undefined;
  });
});
