import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';

import { CrossrankError, invalidArgument } from '../errors';
import { isCommitHash, isSafeName, isSafeRepoPath, RepoCache } from './cache';
import { downloadBlob } from './download';
import { defaultCacheDir, defaultEndpoint, defaultToken, offlineByEnv, timeouts } from './env';
import { COMPANION_FILES, externalDataOf, type GraphChoice, graphInFolder, listModelFiles, noGraphMessage, pickGraph } from './files';
import { getFollowing, header, hubError, readBody, type Subject, withRetries } from './http';
import { withLock } from './lock';
import { checkEndpoint, type CheckedDownloadOptions } from './options';
import { Progress } from './progress';

/** A model's files in the cache, at one commit. */
export interface HubSnapshot {
  /** snapshots/{commit}: an ordinary model folder. */
  dir: string;
  modelId: string;
  /** The revision asked for ('main' unless told). */
  revision: string;
  /** The commit it resolved to. */
  commit: string;
  /** The ONNX graph chosen, relative to `dir`. */
  graph: string;
}

/**
 * The files of `repoId` that a model folder needs, in the cache: a request for the repo's metadata,
 * then only what the cache lacks. Offline (localFilesOnly, HF_HUB_OFFLINE) the cache alone.
 */
export async function downloadModel(repoId: string, options: CheckedDownloadOptions): Promise<HubSnapshot> {
  const { revision, choice } = options;
  if (choice.modelFile !== undefined && !isSafeRepoPath(choice.modelFile)) {
    throw invalidArgument(`options.modelFile must be a path inside the repo for a Hub id, got '${choice.modelFile}'`);
  }
  const cache = new RepoCache(path.resolve(options.cacheDir ?? defaultCacheDir()), repoId);
  if (options.localFilesOnly || offlineByEnv()) {
    const why = options.localFilesOnly ? 'localFilesOnly is set' : 'HF_HUB_OFFLINE is set';
    return fromCache(cache, repoId, revision, choice, why);
  }
  const hub = new Hub(repoId, revision, options);
  let info: { sha?: string; files: string[] };
  try {
    info = await hub.modelInfo();
  } catch (error) {
    // As huggingface_hub does: with the Hub unreachable, a revision already in the cache still loads.
    if (!(error instanceof CrossrankError) || error.code !== 'NETWORK_ERROR') throw error;
    let cached: HubSnapshot;
    try {
      cached = fromCache(cache, repoId, revision, choice, 'the Hub is unreachable');
    } catch {
      throw error;
    }
    process.emitWarning(`${error.message}; using the copy in ${cached.dir}`, { code: 'CROSSRANK_HUB_UNREACHABLE' });
    return cached;
  }

  const graph = pickGraph(choice, (file) => info.files.includes(file));
  if (graph === undefined) {
    throw new CrossrankError('MODEL_NOT_FOUND', noGraphMessage(`'${repoId}' at revision '${revision}'`, choice, info.files));
  }
  const wanted = [...COMPANION_FILES.filter((file) => info.files.includes(file)), graph, ...externalDataOf(graph, info.files)];
  const unsafe = wanted.find((file) => !isSafeRepoPath(file));
  if (unsafe !== undefined) throw hub.nonsense(`lists a file named '${unsafe}'`);

  // The Hub's model info has the commit; a server that leaves it out still sends X-Repo-Commit.
  const commit = info.sha ?? (await hub.fileMetadata(revision, wanted[0])).commit;
  if (commit === undefined) throw hub.nonsense(`named no commit (neither \`sha\` nor X-Repo-Commit)`);
  const missing = () => wanted.filter((file) => !cache.has(commit, file));
  if (missing().length > 0) {
    // One process downloads a repo at a time; the others wait, then find the files in place.
    await withLock(cache.lockFile, async () => {
      const progress = new Progress(options.onProgress);
      try {
        for (const file of missing()) await hub.fetchFile(cache, commit, file, progress);
      } finally {
        progress.stop();
      }
    });
  }
  cache.writeRef(revision, commit);
  return { dir: cache.snapshotDir(commit), modelId: repoId, revision, commit, graph };
}

function fromCache(cache: RepoCache, repoId: string, revision: string, choice: GraphChoice, why: string): HubSnapshot {
  const commit = isCommitHash(revision) ? revision : cache.readRef(revision);
  const dir = commit === undefined ? undefined : cache.snapshotDir(commit);
  if (commit === undefined || dir === undefined || !fs.existsSync(dir)) {
    const lookedFor = commit === undefined ? path.join(cache.dir, 'refs', revision) : dir;
    throw new CrossrankError(
      'MODEL_NOT_FOUND',
      `'${repoId}' at revision '${revision}' is not in the cache ${cache.cacheDir} (no ${lookedFor}) and ${why}; ` +
        `download it once online (Reranker.download), or set cacheDir / HF_HUB_CACHE to a cache that holds it`,
    );
  }
  const graph = graphInFolder(dir, choice);
  if (graph === undefined) {
    throw new CrossrankError('MODEL_NOT_FOUND', `${noGraphMessage(`the cached copy ${dir}`, choice, listModelFiles(dir))} (${why})`);
  }
  return { dir, modelId: repoId, revision, commit, graph };
}

/** X-Linked-Etag (the LFS file's sha256, on the Hub's redirect to its CDN), else ETag; without W/ and quotes. */
function etagOf(response: IncomingMessage): string | undefined {
  const raw = header(response, 'x-linked-etag') ?? header(response, 'etag');
  return raw?.replace(/^W\//, '').replace(/"/g, '');
}

interface FileMetadata {
  etag: string;
  /** X-Repo-Commit: what the revision asked for resolved to. */
  commit: string | undefined;
  size: number | undefined;
  /** Where the bytes are. */
  location: URL;
  /** The response when it is the file itself (a small file the Hub serves without a redirect). */
  body?: IncomingMessage;
}

/** Requests to one repo at one revision, as huggingface_hub makes them. */
class Hub {
  readonly #endpoint: string;
  readonly #origin: string;
  readonly #headers: Record<string, string>;
  readonly #timeouts: { metadataMs: number; downloadMs: number };
  readonly #tokenSent: boolean;

  constructor(
    private readonly repoId: string,
    private readonly revision: string,
    options: CheckedDownloadOptions,
  ) {
    this.#endpoint = options.endpoint ?? checkEndpoint(defaultEndpoint(), 'the HF_ENDPOINT environment variable');
    this.#origin = new URL(this.#endpoint).origin;
    this.#timeouts = timeouts();
    const token = options.token ?? defaultToken();
    this.#tokenSent = token !== undefined;
    this.#headers = {
      'User-Agent': `crossrank; node/${process.versions.node}`,
      // Sizes and Range offsets are of the bytes as stored, never of a compressed transfer.
      'Accept-Encoding': 'identity',
      ...(token !== undefined ? { Authorization: `Bearer ${token}` } : {}),
    };
  }

  #subject(file?: string): Subject {
    return { repoId: this.repoId, revision: this.revision, endpoint: this.#endpoint, file, tokenSent: this.#tokenSent };
  }

  nonsense(what: string): CrossrankError {
    return new CrossrankError('NETWORK_ERROR', `${this.#endpoint} ${what} for '${this.repoId}', which is not a Hub's answer`);
  }

  /** GET /api/models/{repo}/revision/{revision}: the commit and the repo's file list. */
  async modelInfo(): Promise<{ sha?: string; files: string[] }> {
    const url = new URL(`${this.#endpoint}/api/models/${this.repoId}/revision/${encodeURIComponent(this.revision)}`);
    const text = await withRetries(`asking ${this.#endpoint} about '${this.repoId}'`, async () => {
      const headers = { ...this.#headers, Accept: 'application/json' };
      const { response } = await getFollowing(url, headers, this.#timeouts.metadataMs, this.#origin);
      if (response.statusCode !== 200) throw await hubError(response, this.#subject());
      return readBody(response);
    });
    let info: { sha?: unknown; siblings?: unknown };
    try {
      info = JSON.parse(text) as typeof info;
    } catch {
      throw this.nonsense(`answered ${url.pathname} with something other than JSON`);
    }
    const siblings = Array.isArray(info.siblings) ? (info.siblings as Array<{ rfilename?: unknown }>) : [];
    const files = siblings.map((s) => s?.rfilename).filter((name): name is string => typeof name === 'string');
    if (info.sha !== undefined && (typeof info.sha !== 'string' || !isSafeName(info.sha))) {
      throw this.nonsense(`gave the commit ${JSON.stringify(info.sha)}`);
    }
    return { sha: info.sha, files };
  }

  #resolveUrl(revision: string, file: string): URL {
    const encodedPath = file.split('/').map(encodeURIComponent).join('/');
    return new URL(`${this.#endpoint}/${this.repoId}/resolve/${encodeURIComponent(revision)}/${encodedPath}`);
  }

  /** GET {repo}/resolve/{revision}/{file}, up to the first answer that names the file's etag. */
  fileMetadata(revision: string, file: string): Promise<FileMetadata> {
    const url = this.#resolveUrl(revision, file);
    return withRetries(`asking ${this.#endpoint} for '${file}' of '${this.repoId}'`, async () => {
      const { response, url: answeredAt, chain } = await getFollowing(
        url,
        this.#headers,
        this.#timeouts.metadataMs,
        this.#origin,
        (r) => etagOf(r) !== undefined,
      );
      const status = response.statusCode ?? 0;
      if (status !== 200 && !(status >= 300 && status < 400)) throw await hubError(response, this.#subject(file));
      const etag = etagOf(response);
      const commit = chain.map((r) => header(r, 'x-repo-commit')).find((c) => c !== undefined);
      const location = status === 200 ? answeredAt : header(response, 'location');
      if (etag === undefined || !isSafeName(etag) || (commit !== undefined && !isSafeName(commit)) || !location) {
        response.destroy();
        throw this.nonsense(`answered ${url.pathname} without a usable ETag or Location`);
      }
      const announced = header(response, 'x-linked-size') ?? (status === 200 ? header(response, 'content-length') : undefined);
      const size = announced !== undefined && /^\d+$/.test(announced) ? Number(announced) : undefined;
      if (status !== 200) response.resume();
      return { etag, commit, size, location: new URL(location, answeredAt), body: status === 200 ? response : undefined };
    });
  }

  /** Puts `file` of `commit` in the snapshot, downloading its blob unless the cache has it under another name. */
  async fetchFile(cache: RepoCache, commit: string, file: string, progress: Progress): Promise<void> {
    const meta = await this.fileMetadata(commit, file);
    const blob = cache.blob(meta.etag);
    if (fs.existsSync(blob)) {
      meta.body?.destroy();
    } else {
      await downloadBlob({
        blob,
        etag: meta.etag,
        size: meta.size,
        url: meta.location,
        headers: this.#headers,
        tokenOrigin: this.#origin,
        timeoutMs: this.#timeouts.downloadMs,
        opened: meta.body,
        subject: this.#subject(file),
        onBytes: progress.file(file),
      });
    }
    cache.link(commit, file, meta.etag);
  }
}
