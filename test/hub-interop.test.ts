import fs from 'node:fs';
import path from 'node:path';

import { downloadFileToCacheDir, scanCacheDir, snapshotDownload } from '@huggingface/hub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { Reranker } from '../lib/index';
import { fixture } from './support/fixtures';
import { FakeHub } from './support/hub-server';
import { freshCache, isolateEnvironment, MAIN, testRepos, TINY } from './support/hub-repos';

/** One cache for Python, @huggingface/hub and crossrank: each reads what the others wrote. */

const PAIRS: Array<[string, string]> = [
  ['which cache', 'the one huggingface_hub writes'],
  ['which cache', 'a folder of its own'],
];

let hub: FakeHub;
let restoreEnvironment: () => void;
let cacheDir: string;
let expectedScores: Float32Array;

beforeAll(async () => {
  restoreEnvironment = isolateEnvironment();
  hub = await FakeHub.start(testRepos());
  const direct = await Reranker.load(fixture('tiny'));
  expectedScores = await direct.score(PAIRS);
  await direct.close();
});

afterAll(async () => {
  await hub.close();
  restoreEnvironment();
});

beforeEach(() => {
  cacheDir = freshCache();
});

afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

async function scoresOf(options: Parameters<typeof Reranker.load>[1]): Promise<Float32Array> {
  const reranker = await Reranker.load(TINY, { endpoint: hub.url, cacheDir, ...options });
  try {
    expect(reranker.info.commit).toBe(MAIN);
    return await reranker.score(PAIRS);
  } finally {
    await reranker.close();
  }
}

describe('a cache written by @huggingface/hub', () => {
  it('snapshotDownload: crossrank loads it offline without a request, and online after one', async () => {
    // console.debug is how @huggingface/hub says what it downloads.
    const debug = console.debug;
    console.debug = () => undefined;
    try {
      const folder = await snapshotDownload({ repo: TINY, hubUrl: hub.url, cacheDir });
      expect(folder).toBe(path.join(cacheDir, 'models--crossrank-test--tiny', 'snapshots', MAIN));
    } finally {
      console.debug = debug;
    }
    hub.log.length = 0;
    expect(await scoresOf({ localFilesOnly: true })).toEqual(expectedScores);
    expect(hub.log).toEqual([]);
    expect(await scoresOf({})).toEqual(expectedScores);
    expect(hub.log.map((r) => r.path)).toEqual([`/api/models/${TINY}/revision/main`]);
  });

  it('downloadFileToCacheDir, file by file: crossrank downloads nothing more', async () => {
    const debug = console.debug;
    console.debug = () => undefined;
    try {
      for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) {
        await downloadFileToCacheDir({ repo: TINY, path: file, revision: MAIN, hubUrl: hub.url, cacheDir });
      }
    } finally {
      console.debug = debug;
    }
    hub.log.length = 0;
    // It writes no refs/main: only a commit revision finds the files offline.
    expect(await scoresOf({ localFilesOnly: true, revision: MAIN })).toEqual(expectedScores);
    expect(hub.log).toEqual([]);
    expect(await scoresOf({})).toEqual(expectedScores);
    expect(hub.log.map((r) => r.path)).toEqual([`/api/models/${TINY}/revision/main`]);
  });
});

describe("crossrank's cache read by @huggingface/hub", () => {
  it('scanCacheDir sees the repo, its revision, refs and blobs', async () => {
    const dir = await Reranker.download(TINY, { endpoint: hub.url, cacheDir });
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toHaveLength(1);
    const [repo] = scan.repos;
    expect(repo.id).toEqual({ name: TINY, type: 'model' });
    expect(repo.revisions.map((r) => ({ commit: r.commitOid, refs: r.refs }))).toEqual([{ commit: MAIN, refs: ['main'] }]);
    // scanCacheDir lists a snapshot's top-level files (not onnx/), each resolved to its blob.
    const files = repo.revisions[0].files.map((f) => path.basename(f.path)).sort();
    expect(files).toEqual(['config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    for (const file of repo.revisions[0].files) {
      expect(path.dirname(file.blob.path)).toBe(path.join(fs.realpathSync(cacheDir), 'models--crossrank-test--tiny', 'blobs'));
      expect(file.blob.size).toBe(fs.statSync(path.join(dir, path.basename(file.path))).size);
    }
    expect(repo.filesCount).toBe(4);
    expect(repo.size).toBe(repo.revisions[0].files.reduce((sum, f) => sum + fs.statSync(f.path).size, 0));
  });

  it('downloadFileToCacheDir finds the files crossrank put there, without a request', async () => {
    const dir = await Reranker.download(TINY, { endpoint: hub.url, cacheDir });
    hub.log.length = 0;
    const pointer = await downloadFileToCacheDir({ repo: TINY, path: 'onnx/model.onnx', revision: MAIN, hubUrl: hub.url, cacheDir });
    expect(pointer).toBe(path.join(dir, 'onnx', 'model.onnx'));
    expect(hub.log).toEqual([]);
  });
});
