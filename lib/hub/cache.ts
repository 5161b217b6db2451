import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The huggingface_hub cache layout, which Python, @huggingface/hub and crossrank share:
 *
 *   {cacheDir}/models--{org}--{name}/
 *     blobs/{etag}                      the bytes (git sha1 or, for LFS files, sha256)
 *     snapshots/{commit}/{path}         relative symlink to ../../blobs/{etag}
 *     refs/{revision}                   the commit a branch or tag pointed at when last resolved
 *   {cacheDir}/.locks/models--{org}--{name}/
 */

// huggingface_hub's validate_repo_id: word characters, '-' and '.', starting and ending with a word
// character; '--' and '..' are refused because '--' separates the parts of a cache folder name.
const NAME = /^\w(?:[\w.-]{0,94}\w)?$/;

/** True for `org/name`, the form of a Hub model id. */
export function isHubId(value: string): boolean {
  const parts = value.split('/');
  return parts.length === 2 && parts.every((part) => NAME.test(part)) && !/--|\.\./.test(value);
}

export const isCommitHash = (revision: string): boolean => /^[0-9a-f]{40}$/.test(revision);

/** A path inside a repo that cannot climb out of the folder it is joined to. */
export function isSafeRepoPath(file: string): boolean {
  return (
    file !== '' &&
    !file.startsWith('/') &&
    !file.includes('\\') &&
    file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

/** A commit or etag the server sent, before it becomes a file name. */
export const isSafeName = (name: string): boolean => /^[\w.-]+$/.test(name) && name !== '.' && name !== '..';

/** Writes through a temporary name, so that readers in other processes never see half a file. */
function replaceAtomically(target: string, create: (temporary: string) => void): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    create(temporary);
    fs.renameSync(temporary, target);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

export class RepoCache {
  /** models--{org}--{name} */
  readonly folderName: string;
  readonly dir: string;
  readonly lockFile: string;

  constructor(
    readonly cacheDir: string,
    repoId: string,
  ) {
    this.folderName = ['models', ...repoId.split('/')].join('--');
    this.dir = path.join(cacheDir, this.folderName);
    this.lockFile = path.join(cacheDir, '.locks', this.folderName, 'crossrank.lock');
  }

  blob(etag: string): string {
    return path.join(this.dir, 'blobs', etag);
  }

  snapshotDir(commit: string): string {
    return path.join(this.dir, 'snapshots', commit);
  }

  /** Whether `file` of `commit` is in the snapshot, its blob included (a dangling link is absent). */
  has(commit: string, file: string): boolean {
    return fs.existsSync(path.join(this.snapshotDir(commit), file));
  }

  readRef(revision: string): string | undefined {
    try {
      const commit = fs.readFileSync(path.join(this.dir, 'refs', revision), 'utf8').trim();
      return isSafeName(commit) ? commit : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Records what `revision` resolved to. `refs/` exists even when nothing is written to it
   * (a commit revision): @huggingface/hub's scanCacheDir refuses a repo folder without one.
   */
  writeRef(revision: string, commit: string): void {
    fs.mkdirSync(path.join(this.dir, 'refs'), { recursive: true });
    if (revision === commit || this.readRef(revision) === commit) return;
    replaceAtomically(path.join(this.dir, 'refs', revision), (temporary) => fs.writeFileSync(temporary, commit));
  }

  /** Points snapshots/{commit}/{file} at blobs/{etag}, relatively, so the cache folder can move. */
  link(commit: string, file: string, etag: string): void {
    const target = path.join(this.snapshotDir(commit), file);
    const blob = this.blob(etag);
    replaceAtomically(target, (temporary) => {
      try {
        fs.symlinkSync(path.relative(path.dirname(target), blob), temporary);
      } catch {
        // A file system without symlinks: huggingface_hub copies too.
        fs.copyFileSync(blob, temporary);
      }
    });
  }
}
