import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { invalidArgument } from '../errors';

/**
 * The environment variables huggingface_hub (Python) reads, read the same way, so that one shell
 * configures Python, transformers and crossrank alike. Read at each download, never cached: tests
 * and long-lived servers may change them.
 */

const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p);

/** huggingface_hub's ENV_VARS_TRUE_VALUES. */
export const isTruthy = (value: string | undefined): boolean =>
  value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.toUpperCase());

function hfHome(): string {
  const home = env('HF_HOME');
  if (home) return expandHome(home);
  return path.join(expandHome(env('XDG_CACHE_HOME') ?? path.join(os.homedir(), '.cache')), 'huggingface');
}

export function defaultCacheDir(): string {
  const dir = env('HF_HUB_CACHE') ?? env('HUGGINGFACE_HUB_CACHE');
  return dir ? expandHome(dir) : path.join(hfHome(), 'hub');
}

export function defaultEndpoint(): string {
  return env('HF_ENDPOINT') ?? 'https://huggingface.co';
}

/** HF_TOKEN, then the file `huggingface-cli login` writes ($HF_TOKEN_PATH, default $HF_HOME/token). */
export function defaultToken(): string | undefined {
  const fromEnv = env('HF_TOKEN') ?? env('HUGGING_FACE_HUB_TOKEN');
  if (fromEnv) return fromEnv.trim();
  const file = expandHome(env('HF_TOKEN_PATH') ?? path.join(hfHome(), 'token'));
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export const offlineByEnv = (): boolean => isTruthy(env('HF_HUB_OFFLINE') ?? env('TRANSFORMERS_OFFLINE'));

export const progressBarsDisabledByEnv = (): boolean => isTruthy(env('HF_HUB_DISABLE_PROGRESS_BARS'));

function secondsEnv(name: string, fallback: number): number {
  const value = env(name);
  if (value === undefined) return fallback * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw invalidArgument(`the ${name} environment variable must be a number of seconds > 0, got ${JSON.stringify(value)}`);
  }
  return seconds * 1000;
}

/** How long a socket may stay silent: waiting for metadata, and during a file's transfer (huggingface_hub's defaults). */
export const timeouts = (): { metadataMs: number; downloadMs: number } => ({
  metadataMs: secondsEnv('HF_HUB_ETAG_TIMEOUT', 10),
  downloadMs: secondsEnv('HF_HUB_DOWNLOAD_TIMEOUT', 10),
});
