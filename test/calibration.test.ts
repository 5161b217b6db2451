import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { afterAll, describe, expect, it } from 'vitest';

import type { NativeCostModel } from '../binding';
import { calibrationFile, calibrationKey } from '../lib/calibration-cache';
import { CrossrankError, type LoadOptions, Reranker, type RerankerInfo } from '../lib/index';
import { fixture } from './support/fixtures';

const made: string[] = [];
function temporary(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossrank-calibration-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of a fixture folder that a test may modify. */
function copyOf(name: string): string {
  const dir = path.join(temporary(), name);
  fs.cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

async function loadInfo(dir: string, options: LoadOptions): Promise<RerankerInfo> {
  const reranker = await Reranker.load(dir, options);
  await reranker.close();
  return reranker.info;
}

const keyOf = (info: RerankerInfo): Promise<string> =>
  calibrationKey({ modelPath: info.modelPath, ortLibraryPath: info.ortLibraryPath, device: 'cpu', threads: 0, maxLength: info.maxLength });

/** Writes a cache entry as a previous load would have. */
function seedCache(dir: string, key: string, costModel: NativeCostModel): string {
  const file = calibrationFile(dir, key);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ format: 1, key, costModel }));
  return file;
}

const SEEDED: NativeCostModel = { perBatchMs: 7, perRowMs: 0.5, perTokenMs: 0.25, perAttentionMs: 0.001 };

describe('calibration', () => {
  it('writes what it measured, and the next load plans with it without calibrating', async () => {
    // A calibration that the model does not fit (this machine too busy) is neither used nor cached;
    // a few loads with fresh folders give one that fits.
    let accepted: RerankerInfo | undefined;
    for (let attempt = 0; attempt < 4 && !accepted; attempt++) {
      const cacheDir = temporary();
      const info = await loadInfo(fixture('tiny'), { calibrationCacheDir: cacheDir });
      expect(info.batching.samples).toHaveLength(5);
      expect(info.batching.calibrationMs).toBeGreaterThan(0);
      if (info.batching.mode !== 'calibrated') {
        expect(info.batching.mode).toBe('default');
        expect(info.batching.cacheFile).toBeNull();
        expect(fs.readdirSync(cacheDir)).toEqual([]);
        continue;
      }
      accepted = info;
      expect(info.batching.cacheFile).toBe(calibrationFile(cacheDir, await keyOf(info)));
      const entry = JSON.parse(fs.readFileSync(info.batching.cacheFile!, 'utf8'));
      expect(entry.costModel).toEqual(info.batching.costModel);
      expect([info.maxBatchTokens, info.maxBatchSize]).toEqual([4096, 128]);

      const again = await loadInfo(fixture('tiny'), { calibrationCacheDir: cacheDir });
      expect(again.batching.mode).toBe('cached');
      expect(again.batching.calibrationMs).toBe(0);
      expect(again.batching.samples).toEqual([]);
      expect(again.batching.costModel).toEqual(info.batching.costModel);
      expect(again.batching.bands).toEqual(info.batching.bands);
    }
    expect(accepted).toBeDefined();
  });

  it('uses a cached model as it is, and calibrates again once the model file changes', async () => {
    const dir = copyOf('tiny');
    const cacheDir = temporary();
    const first = await loadInfo(dir, { calibrate: false });
    const firstKey = await keyOf(first);
    seedCache(cacheDir, firstKey, SEEDED);
    const cached = await loadInfo(dir, { calibrationCacheDir: cacheDir });
    expect(cached.batching.mode).toBe('cached');
    expect(cached.batching.costModel).toEqual(SEEDED);
    expect(cached.batching.calibrationMs).toBe(0);

    // Same bytes, a new mtime (a regenerated or re-downloaded file): another key.
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(first.modelPath, later, later);
    const touched = await loadInfo(dir, { calibrationCacheDir: cacheDir });
    expect(touched.batching.mode).not.toBe('cached');
    expect(touched.batching.calibrationMs).toBeGreaterThan(0);
    expect(await keyOf(touched)).not.toBe(firstKey);
  });

  it('keys on content a same-size rewrite that kept the timestamps and inode', async () => {
    const dir = temporary();
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, Buffer.alloc(3 << 20, 7));
    const parts = { modelPath: file, ortLibraryPath: file, device: 'cpu', threads: 0, maxLength: 512 };
    const mtime = new Date('2026-01-01T00:00:00Z');
    fs.utimesSync(file, mtime, mtime);
    const { ino } = fs.statSync(file);
    const original = await calibrationKey(parts);
    const rewrite = (position: number, value: number) => {
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.from([value]), 0, 1, position);
      fs.closeSync(fd);
      fs.utimesSync(file, mtime, mtime);
      expect(fs.statSync(file).ino).toBe(ino);
    };
    // A byte in the first and in the last MiB; restored, the key is the original again.
    for (const position of [10, (3 << 20) - 10]) {
      rewrite(position, 8);
      expect(await calibrationKey(parts)).not.toBe(original);
      rewrite(position, 7);
      expect(await calibrationKey(parts)).toBe(original);
    }
  });

  it('keys a Hugging Face cache blob by its sha256 name, wherever it is linked from', async () => {
    const dir = temporary();
    const blob = path.join(dir, 'blobs', 'ab'.repeat(32));
    fs.mkdirSync(path.dirname(blob));
    fs.writeFileSync(blob, 'graph');
    for (const snapshot of ['one', 'two']) {
      fs.mkdirSync(path.join(dir, snapshot));
      fs.symlinkSync(blob, path.join(dir, snapshot, 'model.onnx'));
    }
    const key = (modelPath: string) => calibrationKey({ modelPath, ortLibraryPath: blob, device: 'cpu', threads: 0, maxLength: 512 });
    const later = new Date(Date.now() + 60_000);
    const before = await key(path.join(dir, 'one', 'model.onnx'));
    fs.utimesSync(blob, later, later);
    expect(await key(path.join(dir, 'two', 'model.onnx'))).toBe(before);
  });

  it('ignores a corrupt or foreign cache file and calibrates', async () => {
    const cacheDir = temporary();
    const key = await keyOf(await loadInfo(fixture('tiny'), { calibrate: false }));
    for (const content of ['{ not json', JSON.stringify({ format: 1, key, costModel: { ...SEEDED, perRowMs: -1 } }), JSON.stringify({ format: 1, key: 'other', costModel: SEEDED })]) {
      fs.mkdirSync(cacheDir, { recursive: true });
      fs.writeFileSync(calibrationFile(cacheDir, key), content);
      const info = await loadInfo(fixture('tiny'), { calibrationCacheDir: cacheDir });
      expect(info.batching.mode).not.toBe('cached');
      expect(info.batching.calibrationMs).toBeGreaterThan(0);
      if (info.batching.mode === 'calibrated') {
        expect(JSON.parse(fs.readFileSync(calibrationFile(cacheDir, key), 'utf8')).costModel).toEqual(info.batching.costModel);
      }
    }
  });

  it('never fails a load because the cache folder cannot be written', async () => {
    const blocker = path.join(temporary(), 'a-file');
    fs.writeFileSync(blocker, '');
    const info = await loadInfo(fixture('tiny'), { calibrationCacheDir: path.join(blocker, 'calibration') });
    expect(info.batching.calibrationMs).toBeGreaterThan(0);
    expect(info.batching.cacheFile).toBeNull();
    const uncached = await loadInfo(fixture('tiny'), { calibrationCacheDir: false });
    expect(uncached.batching.calibrationMs).toBeGreaterThan(0);
    expect(uncached.batching.cacheFile).toBeNull();
  });

  it('explicit limits switch calibration off unless it is asked for, and bound it when it is', async () => {
    const cacheDir = temporary();
    const explicit = await loadInfo(fixture('tiny'), { maxBatchTokens: 1000, calibrationCacheDir: cacheDir });
    expect(explicit.batching).toMatchObject({ mode: 'explicit', costModel: null, calibrationMs: 0, cacheFile: null });
    expect([explicit.maxBatchTokens, explicit.maxBatchSize]).toEqual([1000, 64]);
    expect(fs.readdirSync(cacheDir)).toEqual([]);

    const off = await loadInfo(fixture('tiny'), { calibrate: false });
    expect(off.batching).toMatchObject({ mode: 'default', costModel: null, calibrationMs: 0 });
    expect([off.maxBatchTokens, off.maxBatchSize]).toEqual([512, 64]);

    seedCache(cacheDir, await keyOf(off), SEEDED);
    const bounded = await loadInfo(fixture('tiny'), { calibrate: true, maxBatchSize: 3, calibrationCacheDir: cacheDir });
    expect(bounded.batching.mode).toBe('cached');
    expect([bounded.maxBatchTokens, bounded.maxBatchSize]).toEqual([4096, 3]);
    for (const band of bounded.batching.bands) expect(band.rows).toBeLessThanOrEqual(3);
    // Unbounded, the seeded model wants more than 3 short pairs per batch.
    const unbounded = await loadInfo(fixture('tiny'), { calibrationCacheDir: cacheDir });
    expect(unbounded.batching.bands[0].rows).toBeGreaterThan(3);
  });

  it('rejects bad calibration options with INVALID_ARGUMENT', async () => {
    for (const [options, name] of [
      [{ calibrate: 'yes' }, /options\.calibrate\b/],
      [{ calibrationCacheDir: 42 }, /options\.calibrationCacheDir/],
    ] as const) {
      const error = await Reranker.load(fixture('tiny'), options as unknown as LoadOptions).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CrossrankError);
      expect((error as CrossrankError).code).toBe('INVALID_ARGUMENT');
      expect((error as CrossrankError).message).toMatch(name);
    }
  });

  it('runs off the event loop', async () => {
    // Warm: the addon and ONNX Runtime are loaded, so the load below is session, calibration, engine.
    await loadInfo(fixture('medium'), { calibrate: false });
    let ticks = 0;
    let pending = true;
    const spin = () => {
      ticks++;
      if (pending) setImmediate(spin);
    };
    const load = Reranker.load(fixture('medium'), { calibrationCacheDir: false });
    setImmediate(spin);
    const start = performance.eventLoopUtilization();
    // The loop keeps turning while the load is pending...
    while (ticks < 3) await new Promise((resolve) => setImmediate(resolve));
    pending = false;
    const reranker = await load;
    const busy = performance.eventLoopUtilization(start);
    await reranker.close();
    // ...and the time it spent running callbacks during the load is less than the calibration took
    // (on the loop, calibration alone would be at least that).
    expect(reranker.info.batching.calibrationMs).toBeGreaterThan(0);
    expect(busy.active).toBeLessThan(reranker.info.batching.calibrationMs);
  });
});

describe('planning with a cost model', () => {
  it('keeps fp32 scores independent of batch composition (within 1e-5)', async () => {
    const words = ['alpha', 'beta', 'gamma', 'retrieval', 'ranking', 'passage', 'the', 'a', 'of', 'node'];
    const pairs = Array.from({ length: 60 }, (_, i) => {
      const length = 1 + ((i * 37) % 120);
      return [`query ${i % 4}`, Array.from({ length }, (_, w) => words[(i + w * 3) % words.length]).join(' ')] as [string, string];
    });
    const alone = await Reranker.load(fixture('tiny'), { activation: 'none', maxBatchSize: 1 });
    const expected = await alone.score(pairs);
    await alone.close();
    const cacheDir = temporary();
    const key = await keyOf(await loadInfo(fixture('tiny'), { calibrate: false }));
    seedCache(cacheDir, key, SEEDED);
    const planned = await Reranker.load(fixture('tiny'), { activation: 'none', calibrationCacheDir: cacheDir });
    try {
      expect(planned.info.batching.mode).toBe('cached');
      const parts = await Promise.all([planned.score(pairs.slice(0, 25)), planned.score(pairs.slice(25))]);
      const got = [...parts[0], ...parts[1]];
      for (let i = 0; i < pairs.length; i++) expect(Math.abs(got[i] - expected[i])).toBeLessThan(1e-5);
      const stats = planned.stats();
      expect(stats.batches).toBeLessThan(60);
      expect(stats.batchesByRows.reduce((a, b) => a + b, 0)).toBe(stats.batches);
      expect(stats.batchesByRows.slice(1).some((n) => n > 0)).toBe(true);
      // The seeded model's own prediction for the batches it planned.
      expect(stats.predictedMs).toBeGreaterThan(stats.batches * SEEDED.perBatchMs);
    } finally {
      await planned.close();
    }
  });

  it('reports no prediction without a model', async () => {
    const reranker = await Reranker.load(fixture('tiny'), { calibrate: false });
    try {
      await reranker.score([['q', 'a document']]);
      expect(reranker.stats()).toMatchObject({ predictedMs: 0, batches: 1 });
      expect(reranker.stats().batchesByRows[0]).toBe(1);
    } finally {
      await reranker.close();
    }
  });
});
