import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock file shared by processes (and hosts sharing a cache over NFS). Node has no flock, so the
 * file is created exclusively and holds its owner; the owner touches it while it works. A waiter
 * takes it over when the owner is a dead process on this host, or when it has not been touched for
 * STALE_MS (a crashed owner elsewhere).
 */

const HEARTBEAT_MS = 2_000;
const STALE_MS = 15_000;
const POLL_MS = 100;

interface Owner {
  pid: number;
  host: string;
  token: string;
}

function readOwner(file: string): Partial<Owner> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Owner>;
  } catch {
    // Not written yet by a new owner, or removed meanwhile: judged by its age alone.
    return {};
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `file` if its owner is gone; true if the caller may try again at once. */
function breakIfStale(file: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return true;
  }
  const owner = readOwner(file);
  const deadHere = owner.host === os.hostname() && typeof owner.pid === 'number' && !processIsAlive(owner.pid);
  if (!deadHere && Date.now() - stat.mtimeMs < STALE_MS) return false;
  // Only the file judged stale is removed, not a new owner's that replaced it meanwhile.
  try {
    if (fs.statSync(file).ino === stat.ino) fs.rmSync(file, { force: true });
  } catch {
    // gone already
  }
  return true;
}

/** Runs `work` while holding the lock `file`, waiting for another holder to finish first. */
export async function withLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const owner: Owner = { pid: process.pid, host: os.hostname(), token: crypto.randomBytes(8).toString('hex') };
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!breakIfStale(file)) await sleep(POLL_MS);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // Taken over after all; the work finishes and the next holder finds its files in place.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    if (readOwner(file).token === owner.token) fs.rmSync(file, { force: true });
  }
}
