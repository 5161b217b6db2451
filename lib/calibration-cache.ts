import { createHash, randomBytes } from 'node:crypto';
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

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What identifies a model file's content without reading all of it (hashing a 90 MB graph would cost
 * more than calibrating). A Hugging Face cache blob is named by its content's sha256, which is exact.
 * Otherwise: size, mtime and inode, which every ordinary rewrite (regenerate, cp, mv, download)
 * changes, plus hashes of the first and last MiB, which catch a same-size copy that kept the old
 * timestamps: the graph's nodes sit at the start of an ONNX file and its last initializers at the end.
 */
function fileIdentity(file: string): Record<string, string | number> {
  const real = fs.realpathSync(file);
  const blob = /[\\/]blobs[\\/]([0-9a-f]{64})$/.exec(real);
  if (blob) return { sha256: blob[1] };
  const stat = fs.statSync(real, { bigint: true });
  const size = Number(stat.size);
  const fd = fs.openSync(real, 'r');
  try {
    const read = (position: number) => {
      const buffer = Buffer.alloc(Math.min(EDGE_BYTES, size));
      fs.readSync(fd, buffer, 0, buffer.length, position);
      return sha256(buffer);
    };
    return {
      path: real,
      size,
      mtimeNs: stat.mtimeNs.toString(),
      ino: stat.ino.toString(),
      head: read(0),
      tail: read(Math.max(0, size - EDGE_BYTES)),
    };
  } finally {
    fs.closeSync(fd);
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
export function calibrationKey(parts: CalibrationKeyParts): string {
  const cpus = os.cpus();
  return sha256(
    JSON.stringify({
      format: FORMAT,
      model: fileIdentity(parts.modelPath),
      ort: fileIdentity(parts.ortLibraryPath),
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
export function readCalibration(file: string, key: string): NativeCostModel | undefined {
  try {
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: unknown; key?: unknown; costModel?: unknown };
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
export function writeCalibration(file: string, key: string, entry: Record<string, unknown>): boolean {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temporary, JSON.stringify({ format: FORMAT, key, ...entry }, null, 2));
    fs.renameSync(temporary, file);
    return true;
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // The folder is unusable; nothing was left in it.
    }
    return false;
  }
}
