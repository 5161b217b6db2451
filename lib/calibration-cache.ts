import { createHash, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { NativeCostModel } from '../binding';

/** Bumped when calibration shapes or the cost model's terms change: older entries are then ignored. */
const FORMAT = 1;
const COST_TERMS = ['perBatchMs', 'perRowMs', 'perTokenMs', 'perAttentionMs'] as const;
const EDGE_BYTES = 1 << 20;

/** $CROSSRANK_CACHE_DIR/calibration, else $XDG_CACHE_HOME/crossrank/calibration, else ~/.cache/crossrank/calibration. */
export function defaultCalibrationCacheDir(): string {
  const own = process.env.CROSSRANK_CACHE_DIR;
  if (own) return path.join(own, 'calibration');
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? xdg : path.join(os.homedir(), '.cache'), 'crossrank', 'calibration');
}

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hashed on libuv's pool (Web Crypto), so that a load keeps the event loop free. */
async function sha256Off(data: Buffer): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', data)).toString('hex');
}

/**
 * What identifies a model file's content without reading all of it (hashing a 90 MB graph would cost
 * more than calibrating). A Hugging Face cache blob is named by its content's sha256, which is exact.
 * Otherwise: size, mtime and inode, which every ordinary rewrite (regenerate, cp, mv, download)
 * changes, plus hashes of the first and last MiB, which catch a same-size copy that kept the old
 * timestamps: the graph's nodes sit at the start of an ONNX file and its last initializers at the end.
 */
async function fileIdentity(file: string): Promise<Record<string, string | number>> {
  const real = await fs.promises.realpath(file);
  const blob = /[\\/]blobs[\\/]([0-9a-f]{64})$/.exec(real);
  if (blob) return { sha256: blob[1] };
  const handle = await fs.promises.open(real, 'r');
  try {
    const stat = await handle.stat({ bigint: true });
    const size = Number(stat.size);
    const edge = async (position: number) => {
      const buffer = Buffer.alloc(Math.min(EDGE_BYTES, size));
      await handle.read(buffer, 0, buffer.length, position);
      return sha256Off(buffer);
    };
    return {
      path: real,
      size,
      mtimeNs: stat.mtimeNs.toString(),
      ino: stat.ino.toString(),
      head: await edge(0),
      tail: await edge(Math.max(0, size - EDGE_BYTES)),
    };
  } finally {
    await handle.close();
  }
}

export interface CalibrationKeyParts {
  modelPath: string;
  ortLibraryPath: string;
  device: string;
  threads: number;
  maxLength: number;
}

/**
 * One entry per (model content, ONNX Runtime build, device and threads, CPU): what the cost model
 * depends on. The ORT library is identified like the model (its version alone misses a rebuild).
 */
export async function calibrationKey(parts: CalibrationKeyParts): Promise<string> {
  const cpus = os.cpus();
  const [model, ort] = await Promise.all([fileIdentity(parts.modelPath), fileIdentity(parts.ortLibraryPath)]);
  return sha256(
    JSON.stringify({
      format: FORMAT,
      model,
      ort,
      device: parts.device,
      threads: parts.threads,
      maxLength: parts.maxLength,
      cpu: cpus[0]?.model ?? 'unknown',
      cpus: cpus.length,
      platform: `${process.platform}-${process.arch}`,
    }),
  );
}

export function calibrationFile(dir: string, key: string): string {
  return path.join(dir, `${key}.json`);
}

function isCostModel(value: unknown): value is NativeCostModel {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return COST_TERMS.every((term) => typeof record[term] === 'number' && Number.isFinite(record[term]) && record[term] >= 0);
}

/** The cached cost model, or undefined when there is none or the file is unreadable or not ours. */
export async function readCalibration(file: string, key: string): Promise<NativeCostModel | undefined> {
  try {
    const entry = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { format?: unknown; key?: unknown; costModel?: unknown };
    if (entry.format !== FORMAT || entry.key !== key || !isCostModel(entry.costModel)) return undefined;
    const { perBatchMs, perRowMs, perTokenMs, perAttentionMs } = entry.costModel;
    return { perBatchMs, perRowMs, perTokenMs, perAttentionMs };
  } catch {
    return undefined;
  }
}

/**
 * Stores a calibration; false when the folder cannot be written (the next load calibrates again).
 * Written to a temporary name and renamed, so a concurrent reader never sees half a file.
 */
export async function writeCalibration(file: string, key: string, entry: Record<string, unknown>): Promise<boolean> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(temporary, JSON.stringify({ format: FORMAT, key, ...entry }, null, 2));
    await fs.promises.rename(temporary, file);
    return true;
  } catch {
    try {
      await fs.promises.rm(temporary, { force: true });
    } catch {
      // The folder is unusable; nothing was left in it.
    }
    return false;
  }
}
