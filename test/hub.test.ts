import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { graphCandidates } from '../lib/hub';
import { CrossrankError, type DownloadProgress, Reranker } from '../lib/index';
import { fixture } from './support/fixtures';
import { FakeHub } from './support/hub-server';
import {
  CPU_INT8_FILES,
  freshCache,
  GATED,
  GATED_TOKEN,
  isolateEnvironment,
  MAIN,
  OLD,
  testRepos,
  TINY,
  VARIANTS,
} from './support/hub-repos';

const PAIRS: Array<[string, string]> = [
  ['what is a cross-encoder?', 'A cross-encoder reads query and passage together.'],
  ['what is a cross-encoder?', 'Bananas are rich in potassium.'],
  ['how do I install it', 'npm install crossrank'],
];

const FLAKY = 'crossrank-test/flaky';
const BUSY = 'crossrank-test/busy';
const CORRUPT = 'crossrank-test/corrupt';
const DOWN = 'crossrank-test/down';
const NO_SHA = 'crossrank-test/no-sha';
const STALLED = 'crossrank-test/stalled';

let hub: FakeHub;
let restoreEnvironment: () => void;
let cacheDir: string;
let expectedScores: Float32Array;
const opened: Reranker[] = [];

beforeAll(async () => {
  restoreEnvironment = isolateEnvironment();
  hub = await FakeHub.start(testRepos([FLAKY, BUSY, CORRUPT, DOWN, STALLED, { id: NO_SHA, omitSha: true }]));
  hub.renamed.set('crossrank-test/old-name', TINY);
  hub.fault(FLAKY, 'onnx/model.onnx', { dropOnce: true });
  hub.fault(BUSY, 'config.json', { unavailable: 2 });
  hub.fault(CORRUPT, 'onnx/model.onnx', { wrongSha: true });
  hub.fault(DOWN, 'config.json', { unavailable: 1000 });
  hub.fault(STALLED, 'onnx/model.onnx', { stallOnce: true });
  const direct = await Reranker.load(fixture('tiny'));
  expectedScores = await direct.score(PAIRS);
  await direct.close();
});

afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()));
  await hub.close();
  restoreEnvironment();
});

beforeEach(() => {
  cacheDir = freshCache();
  hub.log.length = 0;
});

afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

async function load(id: string, options: Parameters<typeof Reranker.load>[1] = {}): Promise<Reranker> {
  const reranker = await Reranker.load(id, { endpoint: hub.url, cacheDir, ...options });
  opened.push(reranker);
  return reranker;
}

async function failure(promise: Promise<unknown>): Promise<CrossrankError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CrossrankError);
  return error as CrossrankError;
}

const repoDir = (id: string): string => path.join(cacheDir, `models--${id.replace('/', '--')}`);
const resolved = (file: string): RegExp => new RegExp(`/resolve/[^/]+/${file.replace(/[.]/g, '\\.')}$`);

describe('loading by Hub id', () => {
  it('downloads what a model folder needs, and scores exactly as that folder loaded by path', async () => {
    const reranker = await load(TINY);
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    expect(reranker.info).toMatchObject({ modelId: TINY, revision: 'main', commit: MAIN });
    expect(reranker.info.modelPath).toBe(path.join(repoDir(TINY), 'snapshots', MAIN, 'onnx', 'model.onnx'));

    expect(hub.requests(/^\/api\//).map((r) => r.path)).toEqual([`/api/models/${TINY}/revision/main`]);
    const asked = hub.requests(/\/resolve\//).map((r) => r.path.split(`/resolve/${MAIN}/`)[1]);
    expect(asked.sort()).toEqual(
      ['config.json', 'onnx/model.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    // The graph came once from the CDN the Hub redirected to; the other graph and README never did.
    expect(hub.transfers(/model\.onnx/)).toHaveLength(1);
    expect(hub.transfers(/model_quantized|README/)).toHaveLength(0);
  });

  it("writes huggingface_hub's cache layout: blobs by etag, relative snapshot links, refs", async () => {
    await load(TINY);
    const root = repoDir(TINY);
    const graphSha = hub.sha256Of(TINY, MAIN, 'onnx/model.onnx');
    const link = path.join(root, 'snapshots', MAIN, 'onnx', 'model.onnx');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(`../../../blobs/${graphSha}`);
    expect(fs.readlinkSync(path.join(root, 'snapshots', MAIN, 'config.json'))).toMatch(/^\.\.\/\.\.\/blobs\/[0-9a-f]{40}$/);
    const graph = fs.readFileSync(path.join(root, 'blobs', graphSha));
    expect(crypto.createHash('sha256').update(graph).digest('hex')).toBe(graphSha);
    expect(fs.readFileSync(path.join(root, 'refs', 'main'), 'utf8')).toBe(MAIN);
    expect(fs.readdirSync(path.join(root, 'blobs')).filter((f) => f.endsWith('.incomplete'))).toEqual([]);
  });

  it('loads a cached model after one metadata request, and offline after none', async () => {
    await load(TINY);
    hub.log.length = 0;
    await load(TINY);
    expect(hub.log.map((r) => r.path)).toEqual([`/api/models/${TINY}/revision/main`]);

    hub.log.length = 0;
    const offline = await load(TINY, { localFilesOnly: true });
    expect(await offline.score(PAIRS)).toEqual(expectedScores);
    expect(offline.info.commit).toBe(MAIN);
    process.env.HF_HUB_OFFLINE = '1';
    try {
      await load(TINY);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(hub.log).toEqual([]);
  });

  it('takes a revision by branch or by commit', async () => {
    const byBranch = await load(TINY, { revision: 'old' });
    expect(byBranch.info).toMatchObject({ revision: 'old', commit: OLD, numLabels: 3 });
    expect(fs.readFileSync(path.join(repoDir(TINY), 'refs', 'old'), 'utf8')).toBe(OLD);

    const byCommit = await load(TINY, { revision: MAIN });
    expect(byCommit.info).toMatchObject({ revision: MAIN, commit: MAIN, numLabels: 1 });
    expect(await byCommit.score(PAIRS)).toEqual(expectedScores);
    // A commit is its own name: no ref is written for it.
    expect(fs.readdirSync(path.join(repoDir(TINY), 'refs'))).toEqual(['old']);
    expect(fs.readdirSync(path.join(repoDir(TINY), 'snapshots')).sort()).toEqual([MAIN, OLD].sort());
  });

  it('says when the repo or the revision does not exist', async () => {
    const repo = await failure(load('crossrank-test/nope'));
    expect(repo.code).toBe('MODEL_NOT_FOUND');
    expect(repo.message).toMatch(/no model 'crossrank-test\/nope' at http:\/\/127\.0\.0\.1:\d+ \(401: Repository not found\)/);
    expect(repo.message).toMatch(/HF_TOKEN/);
    const revision = await failure(load(TINY, { revision: 'v9' }));
    expect(revision.code).toBe('MODEL_NOT_FOUND');
    expect(revision.message).toMatch(/'crossrank-test\/tiny' has no revision 'v9'/);
  });

  it('needs the right token for a gated model, from the option, HF_TOKEN or $HF_HOME/token', async () => {
    const anonymous = await failure(load(GATED));
    expect(anonymous.code).toBe('UNAUTHORIZED');
    expect(anonymous.message).toMatch(/'crossrank-test\/gated' is a gated model .*set HF_TOKEN/);
    expect((await failure(load(GATED, { token: 'hf_wrong' }))).code).toBe('UNAUTHORIZED');

    const withOption = await load(GATED, { token: GATED_TOKEN });
    expect(await withOption.score(PAIRS)).toEqual(expectedScores);
    // The token goes to the Hub, not to the CDN on another origin (its URLs are pre-signed).
    expect(hub.requests(/\/resolve\//).at(-1)!.authorization).toBe(`Bearer ${GATED_TOKEN}`);
    expect(hub.transfers(/model\.onnx/).map((r) => r.authorization)).toEqual([undefined]);

    fs.rmSync(cacheDir, { recursive: true });
    hub.log.length = 0;
    process.env.HF_TOKEN = GATED_TOKEN;
    try {
      await load(GATED);
    } finally {
      delete process.env.HF_TOKEN;
    }
    expect(hub.requests(/\/resolve\//).map((r) => r.authorization)).toContain(`Bearer ${GATED_TOKEN}`);

    fs.rmSync(cacheDir, { recursive: true });
    hub.log.length = 0;
    fs.writeFileSync(path.join(process.env.HF_HOME!, 'token'), `${GATED_TOKEN}\n`);
    try {
      await load(GATED);
    } finally {
      fs.rmSync(path.join(process.env.HF_HOME!, 'token'));
    }
    expect(hub.requests(/\/resolve\//).map((r) => r.authorization)).toContain(`Bearer ${GATED_TOKEN}`);
  });

  it("follows the Hub's relative redirects for a renamed repo, and caches it under the id asked for", async () => {
    const reranker = await load('crossrank-test/old-name');
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    expect(reranker.info).toMatchObject({ modelId: 'crossrank-test/old-name', commit: MAIN });
    expect(fs.existsSync(path.join(repoDir('crossrank-test/old-name'), 'snapshots', MAIN, 'onnx', 'model.onnx'))).toBe(true);
  });

  it('takes the commit from X-Repo-Commit when the model info does not say', async () => {
    const reranker = await load(NO_SHA);
    expect(reranker.info.commit).toBe(MAIN);
    expect(fs.readFileSync(path.join(repoDir(NO_SHA), 'refs', 'main'), 'utf8')).toBe(MAIN);
  });

  it('reads HF_ENDPOINT and HF_HUB_CACHE', async () => {
    process.env.HF_ENDPOINT = `${hub.url}/`;
    process.env.HF_HUB_CACHE = cacheDir;
    try {
      const reranker = await Reranker.load(TINY);
      opened.push(reranker);
      expect(reranker.info.modelPath.startsWith(path.join(cacheDir, 'models--crossrank-test--tiny'))).toBe(true);
    } finally {
      delete process.env.HF_ENDPOINT;
      delete process.env.HF_HUB_CACHE;
    }
    expect(hub.requests(/\/api\/models\//)).toHaveLength(1);
  });
});

describe('choosing the ONNX graph', () => {
  it("dtype 'int8' takes model_quantized.onnx, and scores as that file loaded by path", async () => {
    const reranker = await load(TINY, { dtype: 'int8' });
    expect(path.relative(path.join(repoDir(TINY), 'snapshots', MAIN), reranker.info.modelPath)).toBe('onnx/model_quantized.onnx');
    expect(hub.transfers(/model\.onnx/)).toHaveLength(0);
    const direct = await Reranker.load(fixture('tiny'), { modelFile: 'model_quantized.onnx' });
    opened.push(direct);
    expect(await reranker.score(PAIRS)).toEqual(await direct.score(PAIRS));
  });

  it('lists the graphs the repo has when the one asked for is absent', async () => {
    const error = await failure(load(TINY, { dtype: 'q4' }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/no ONNX graph for dtype 'q4' \(looked for onnx\/model_q4\.onnx, model_q4\.onnx\)/);
    expect(error.message).toMatch(/it has onnx\/model\.onnx, onnx\/model_quantized\.onnx/);
    const named = await failure(load(TINY, { modelFile: 'model_O4.onnx' }));
    expect(named.message).toMatch(/no modelFile 'model_O4\.onnx'.*it has onnx\/model\.onnx, onnx\/model_quantized\.onnx/);
    // Both answers came from the model info alone.
    expect(hub.requests(/\/resolve\//)).toEqual([]);
  });

  it("modelFile names any graph, found in onnx/ too", async () => {
    const reranker = await load(VARIANTS, { modelFile: 'model_qint8_arm64.onnx' });
    expect(reranker.info.modelPath.endsWith(path.join('onnx', 'model_qint8_arm64.onnx'))).toBe(true);
  });

  it('takes the CPU-specific int8 graph this CPU runs best', async () => {
    const flags = /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/) ?? [];
    const expected =
      process.arch === 'arm64'
        ? 'model_qint8_arm64.onnx'
        : flags.includes('avx512_vnni')
          ? 'model_qint8_avx512_vnni.onnx'
          : flags.includes('avx512bw')
            ? 'model_qint8_avx512.onnx'
            : flags.includes('avx2')
              ? 'model_quint8_avx2.onnx'
              : undefined;
    if (expected === undefined) {
      expect((await failure(load(VARIANTS, { dtype: 'int8' }))).code).toBe('MODEL_NOT_FOUND');
      return;
    }
    const reranker = await load(VARIANTS, { dtype: 'q8' });
    expect(path.basename(reranker.info.modelPath)).toBe(expected);
    const fetched = hub.requests(/\/resolve\//).map((r) => path.basename(r.path));
    expect(fetched.filter((f) => CPU_INT8_FILES.includes(f))).toEqual([expected]);
  });

  it('ranks the CPU-specific int8 graphs by what a CPU runs', () => {
    const int8 = (arch: string, ...flags: string[]) =>
      graphCandidates('int8', { arch, flags: new Set(flags) })
        .filter((file) => file.startsWith('onnx/'))
        .map((file) => file.slice('onnx/'.length));
    const portable = ['model_quantized.onnx', 'model_int8.onnx'];
    expect(int8('x64', 'sse4_2', 'avx2', 'avx512f', 'avx512bw', 'avx512_vnni')).toEqual([
      ...portable,
      'model_qint8_avx512_vnni.onnx',
      'model_qint8_avx512.onnx',
      'model_quint8_avx2.onnx',
    ]);
    expect(int8('x64', 'avx2', 'avx512f', 'avx512bw')).toEqual([...portable, 'model_qint8_avx512.onnx', 'model_quint8_avx2.onnx']);
    expect(int8('x64', 'avx2')).toEqual([...portable, 'model_quint8_avx2.onnx']);
    expect(int8('x64', 'sse4_2')).toEqual(portable);
    expect(int8('arm64', 'asimd')).toEqual([...portable, 'model_qint8_arm64.onnx']);
    expect(graphCandidates('fp32')).toEqual(['onnx/model.onnx', 'model.onnx']);
  });

  it('fetches the external-data file of the graph chosen, and only that one', async () => {
    const dir = await Reranker.download(VARIANTS, { endpoint: hub.url, cacheDir });
    expect(fs.readFileSync(path.join(dir, 'onnx', 'model.onnx_data'), 'utf8')).toBe('external weights of model.onnx');
    expect(fs.readdirSync(path.join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model.onnx_data']);
    const fp16 = await Reranker.download(VARIANTS, { endpoint: hub.url, cacheDir, dtype: 'fp16' });
    expect(fs.readdirSync(path.join(fp16, 'onnx')).sort()).toEqual(
      ['model.onnx', 'model.onnx_data', 'model_fp16.onnx', 'model_fp16.onnx_data'].sort(),
    );
  });

  it('dtype picks the graph of a local folder as well', async () => {
    const reranker = await Reranker.load(fixture('tiny'), { dtype: 'int8' });
    opened.push(reranker);
    expect(path.basename(reranker.info.modelPath)).toBe('model_quantized.onnx');
    expect(reranker.info).toMatchObject({ modelId: null, revision: null, commit: null });
    const error = await failure(Reranker.load(fixture('tiny'), { dtype: 'fp16' }));
    expect(error.message).toMatch(/no ONNX graph for dtype 'fp16'.*it has onnx\/model\.onnx, onnx\/model_quantized\.onnx/);
  });
});

describe('downloads that go wrong', () => {
  it('resumes a file whose connection dropped half way, with Range', async () => {
    const reranker = await load(FLAKY);
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    const [first, second] = hub.transfers(/model\.onnx/);
    expect(first.range).toBeUndefined();
    const size = fs.statSync(path.join(fixture('tiny'), 'onnx', 'model.onnx')).size;
    expect(second.range).toBe(`bytes=${Math.floor(size / 2)}-`);
    expect(hub.transfers(/model\.onnx/)).toHaveLength(2);
  });

  it('resumes what an earlier process left in blobs/{etag}.incomplete', async () => {
    const graph = fs.readFileSync(path.join(fixture('tiny'), 'onnx', 'model.onnx'));
    const blob = path.join(repoDir(TINY), 'blobs', hub.sha256Of(TINY, MAIN, 'onnx/model.onnx'));
    fs.mkdirSync(path.dirname(blob), { recursive: true });
    fs.writeFileSync(`${blob}.incomplete`, graph.subarray(0, 1000));
    const reranker = await load(TINY);
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    expect(hub.transfers(/model\.onnx/).map((r) => r.range)).toEqual(['bytes=1000-']);
    expect(fs.existsSync(`${blob}.incomplete`)).toBe(false);
  });

  it('gives up on a silent connection after HF_HUB_DOWNLOAD_TIMEOUT, and resumes', async () => {
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = '0.3';
    const started = Date.now();
    try {
      const reranker = await load(STALLED);
      expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    } finally {
      delete process.env.HF_HUB_DOWNLOAD_TIMEOUT;
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    const [first, second] = hub.transfers(/model\.onnx/);
    expect(first.range).toBeUndefined();
    expect(second.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('takes over the lock of a process that died holding it', async () => {
    const lock = path.join(cacheDir, '.locks', 'models--crossrank-test--tiny', 'crossrank.lock');
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    // A pid far above any pid_max: no such process.
    fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 30, host: os.hostname(), token: 'crashed' }));
    const started = Date.now();
    await load(TINY);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('retries a 503, then succeeds', async () => {
    const reranker = await load(BUSY);
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    expect(hub.requests(resolved('config.json'))).toHaveLength(3);
  });

  it('gives up after 5 retries with NETWORK_ERROR', async () => {
    const error = await failure(load(DOWN));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/'config.json' of 'crossrank-test\/down' failed after 5 retries: .* answered 503/);
    expect(hub.requests(resolved('config.json'))).toHaveLength(6);
  });

  it('detects a file whose sha256 is not the one announced, and keeps nothing of it', async () => {
    const error = await failure(load(CORRUPT));
    expect(error.code).toBe('CORRUPT_DOWNLOAD');
    const actual = hub.sha256Of(CORRUPT, MAIN, 'onnx/model.onnx');
    expect(error.message).toContain(`has sha256 ${actual}, not the `);
    const blobs = fs.readdirSync(path.join(repoDir(CORRUPT), 'blobs'));
    expect(blobs.some((b) => b.endsWith('.incomplete') || b.length === 64)).toBe(false);
    expect(fs.existsSync(path.join(repoDir(CORRUPT), 'snapshots', MAIN, 'onnx', 'model.onnx'))).toBe(false);
  });

  it('loads from the cache, with a warning, when the Hub stays unreachable', async () => {
    await load(TINY);
    hub.log.length = 0;
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    hub.down = true;
    try {
      const reranker = await load(TINY);
      expect(reranker.info.commit).toBe(MAIN);
      expect(await reranker.score(PAIRS)).toEqual(expectedScores);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      hub.down = false;
      process.off('warning', onWarning);
    }
    expect(hub.log).toHaveLength(6);
    expect(warnings.map((w) => w.message).join('\n')).toMatch(/failed after 5 retries.*using the copy in .*snapshots/);
    // Without a copy to fall back on, the failure is the caller's.
    hub.down = true;
    try {
      expect((await failure(load(VARIANTS))).code).toBe('NETWORK_ERROR');
    } finally {
      hub.down = false;
    }
  });
});

describe('offline', () => {
  it('fails with MODEL_NOT_FOUND naming the cache path, without a request', async () => {
    const error = await failure(load(TINY, { localFilesOnly: true }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toContain(`is not in the cache ${cacheDir}`);
    expect(error.message).toContain(path.join(repoDir(TINY), 'refs', 'main'));
    process.env.HF_HUB_OFFLINE = 'true';
    try {
      expect((await failure(load(TINY))).message).toMatch(/HF_HUB_OFFLINE is set/);
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(hub.log).toEqual([]);
  });

  it('says what the cached copy has when the graph asked for is not in it', async () => {
    await load(TINY);
    const error = await failure(load(TINY, { localFilesOnly: true, dtype: 'int8' }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.message).toMatch(/the cached copy .*snapshots.* has no ONNX graph for dtype 'int8'.*it has onnx\/model\.onnx/);
  });
});

describe('progress and download()', () => {
  it('reports each file downloaded through onProgress, up to its size', async () => {
    const events: DownloadProgress[] = [];
    await load(TINY, { onProgress: (p) => events.push(p) });
    const files = [...new Set(events.map((e) => e.file))].sort();
    expect(files).toEqual(['config.json', 'onnx/model.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    for (const file of files) {
      const mine = events.filter((e) => e.file === file);
      const size = fs.statSync(path.join(fixture('tiny'), file)).size;
      expect(mine.every((e) => e.total === size)).toBe(true);
      expect(mine.at(-1)!.loaded).toBe(size);
      expect(mine.every((e, i) => i === 0 || e.loaded >= mine[i - 1].loaded)).toBe(true);
    }
    events.length = 0;
    await load(TINY, { onProgress: (p) => events.push(p) });
    expect(events).toEqual([]);
  });

  it('download() puts a model in the cache without loading it; its folder loads by path', async () => {
    const dir = await Reranker.download(TINY, { endpoint: hub.url, cacheDir });
    expect(dir).toBe(path.join(repoDir(TINY), 'snapshots', MAIN));
    const reranker = await Reranker.load(dir);
    opened.push(reranker);
    expect(await reranker.score(PAIRS)).toEqual(expectedScores);
    expect(reranker.info.modelId).toBeNull();
  });

  it('checks its arguments before any request', async () => {
    const invalid = async (promise: Promise<unknown>, message: RegExp) => {
      const error = await failure(promise);
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    };
    await invalid(Reranker.download('./some/folder'), /id must be a Hub model id of the form org\/name/);
    await invalid(load(TINY, { dtype: 'int4' as never }), /options\.dtype must be one of 'fp32', 'fp16', 'int8', 'q8', 'q4'/);
    await invalid(load(TINY, { dtype: 'int8', modelFile: 'model.onnx' }), /dtype and options\.modelFile both name a graph/);
    await invalid(load(TINY, { revision: '../../etc' }), /options\.revision must be a branch, tag or commit/);
    await invalid(load(TINY, { endpoint: 'ftp://example.com' }), /options\.endpoint must be an http\(s\) URL/);
    await invalid(load(TINY, { modelFile: '../outside.onnx' }), /modelFile must be a path inside the repo/);
    await invalid(load(TINY, { onProgress: 'yes' as never }), /options\.onProgress must be a function/);
    expect(hub.log).toEqual([]);
  });
});
