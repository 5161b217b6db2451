import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A Hugging Face Hub look-alike on 127.0.0.1, answering as huggingface.co does (read from
 * huggingface_hub's and @huggingface/hub's clients): model info with `siblings`, tree and
 * paths-info listings, `resolve` URLs that redirect LFS files to a CDN (another origin, as the Hub's
 * is) with X-Repo-Commit / X-Linked-Etag / X-Linked-Size, Range requests, and the Hub's
 * X-Error-Code errors. Faults can be planted per file to see that a client survives them.
 */

export interface RepoFile {
  path: string;
  content: Buffer;
}

export interface Repo {
  id: string;
  /** commit sha → files at that commit */
  commits: Record<string, RepoFile[]>;
  /** branch or tag → commit sha */
  refs: Record<string, string>;
  /** Files are refused (401 GatedRepo) unless this token is sent. */
  gatedToken?: string;
  /** Its model info leaves out `sha`: the commit is known from X-Repo-Commit alone. */
  omitSha?: boolean;
}

export interface Faults {
  /** The first CDN transfer of the file sends half its bytes, then drops the connection. */
  dropOnce?: boolean;
  /** The file's resolve URL answers 503 (Retry-After: 0) this many times first. */
  unavailable?: number;
  /** The Hub announces a sha256 that is not the file's. */
  wrongSha?: boolean;
  /** The first CDN transfer of the file stops half way and stays silent until the client hangs up. */
  stallOnce?: boolean;
  /** Every CDN transfer of the file pauses half way until this returns true (10 s at most). */
  holdUntil?: () => boolean;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** For CDN requests: the repo file served. */
  file?: string;
  range?: string;
  authorization?: string;
  /** When the request arrived, and when its answer was sent in full (Date.now()). */
  at: number;
  finishedAt?: number;
}

/** LFS in the Hub's sense: stored by sha256 and served from the CDN. */
const isLfs = (file: string): boolean => /\.onnx(_data.*|\.data)?$/.test(file);
const sha256 = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');
/** The git blob id, which the Hub sends as the ETag of a regular file. */
const gitSha1 = (data: Buffer): string =>
  crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');

/** A commit sha for tests: 40 hex characters derived from a label. */
export const commitSha = (label: string): string => crypto.createHash('sha1').update(label).digest('hex');

/** The files of a model folder on disk (root and onnx/), as repo files. */
export function filesOf(dir: string, only?: (file: string) => boolean): RepoFile[] {
  const names = fs.readdirSync(dir, { recursive: true }) as string[];
  return names
    .filter((name) => !path.basename(name).startsWith('.') && fs.statSync(path.join(dir, name)).isFile())
    .filter((name) => only?.(name) ?? true)
    .map((name) => ({ path: name.split(path.sep).join('/'), content: fs.readFileSync(path.join(dir, name)) }));
}

export class FakeHub {
  readonly log: LoggedRequest[] = [];
  readonly faults = new Map<string, Faults>();
  readonly #repos = new Map<string, Repo>();
  /** Old id → new id: a renamed repo, which the Hub answers with a relative 307 to the new name. */
  readonly renamed = new Map<string, string>();
  readonly #dropped = new Set<string>();
  readonly #stalled = new Set<string>();
  readonly #unavailableSent = new Map<string, number>();
  #servers: http.Server[] = [];
  url = '';
  /** The CDN's origin: the same server on another port. */
  cdnUrl = '';
  /** While set, every request answers 503 (Retry-After: 0), as during an outage. */
  down = false;

  static async start(repos: Repo[]): Promise<FakeHub> {
    const hub = new FakeHub();
    for (const repo of repos) hub.#repos.set(repo.id, repo);
    const listen = async (): Promise<string> => {
      const server = http.createServer((req, res) => {
        hub.#handle(req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
      });
      hub.#servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    hub.url = await listen();
    hub.cdnUrl = await listen();
    return hub;
  }

  close(): Promise<void> {
    return Promise.all(
      this.#servers.map((server) => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      }),
    ).then(() => undefined);
  }

  /** Plants faults on `file` of `repoId`. */
  fault(repoId: string, file: string, faults: Faults): void {
    this.faults.set(`${repoId}/${file}`, faults);
  }

  /** Requests whose path matches. */
  requests(pattern: RegExp): LoggedRequest[] {
    return this.log.filter((r) => pattern.test(r.path));
  }

  /** Full transfers from the CDN of files whose name matches (a resumed range counts too). */
  transfers(file: RegExp): LoggedRequest[] {
    return this.log.filter((r) => r.path.startsWith('/cdn/') && r.file !== undefined && file.test(r.file));
  }

  sha256Of(repoId: string, commit: string, file: string): string {
    return sha256(this.#file(repoId, commit, file)!.content);
  }

  #file(repoId: string, commit: string, file: string): RepoFile | undefined {
    return this.#repos.get(repoId)?.commits[commit]?.find((f) => f.path === file);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const entry: LoggedRequest = {
      at: Date.now(),
      method: req.method ?? '',
      path: url.pathname,
      file: url.searchParams.get('file') ?? undefined,
      range: req.headers.range,
      authorization: req.headers.authorization,
    };
    this.log.push(entry);
    res.on('finish', () => (entry.finishedAt = Date.now()));
    if (this.down) {
      res.setHeader('Retry-After', '0');
      return fail(res, 503, undefined, 'Service Unavailable');
    }
    for (const [from, to] of this.renamed) {
      for (const prefix of [`/${from}/`, `/api/models/${from}/`]) {
        if (url.pathname.startsWith(prefix)) {
          res.statusCode = 307;
          res.setHeader('Location', prefix.replace(from, to) + url.pathname.slice(prefix.length) + url.search);
          res.end();
          return;
        }
      }
    }
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (segments[0] === 'cdn') return this.#cdn(req, res, segments);
    if (segments[0] === 'api' && segments[1] === 'models') {
      const [, , org, name, kind, revision] = segments;
      const repo = this.#repo(`${org}/${name}`, res);
      if (!repo) return;
      const commit = this.#commit(repo, revision, res);
      if (!commit) return;
      if (kind === 'revision') return json(res, this.#modelInfo(repo, commit));
      if (!this.#authorized(repo, req, res)) return;
      if (kind === 'tree') return json(res, this.#tree(repo, commit));
      if (kind === 'paths-info') {
        const body = JSON.parse(await readAll(req)) as { paths: string[] };
        return json(res, this.#pathsInfo(repo, commit, body.paths));
      }
    }
    const resolveAt = segments.indexOf('resolve');
    if (resolveAt === 2) {
      const repo = this.#repo(`${segments[0]}/${segments[1]}`, res);
      if (!repo) return;
      const commit = this.#commit(repo, segments[3], res);
      if (!commit) return;
      return this.#resolve(req, res, repo, commit, segments.slice(4).join('/'));
    }
    fail(res, 404, undefined, `no route ${url.pathname}`);
  }

  #repo(id: string, res: http.ServerResponse): Repo | undefined {
    const repo = this.#repos.get(id);
    // The Hub answers 401 for a repo it cannot show, whether absent or private.
    if (!repo) fail(res, 401, 'RepoNotFound', 'Repository not found');
    return repo;
  }

  #commit(repo: Repo, revision: string, res: http.ServerResponse): string | undefined {
    const commit = repo.refs[revision] ?? (repo.commits[revision] ? revision : undefined);
    if (!commit) fail(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    return commit;
  }

  #authorized(repo: Repo, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (repo.gatedToken === undefined || req.headers.authorization === `Bearer ${repo.gatedToken}`) return true;
    fail(res, 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.`);
    return false;
  }

  #announcedSha(repo: Repo, commit: string, file: RepoFile): string {
    return this.faults.get(`${repo.id}/${file.path}`)?.wrongSha ? sha256(Buffer.from(`not ${file.path}`)) : sha256(file.content);
  }

  #modelInfo(repo: Repo, commit: string): object {
    return {
      _id: commitSha(repo.id).slice(0, 24),
      id: repo.id,
      ...(repo.omitSha ? {} : { sha: commit }),
      private: false,
      gated: repo.gatedToken === undefined ? false : 'manual',
      downloads: 0,
      likes: 0,
      tags: ['onnx'],
      pipeline_tag: 'text-classification',
      lastModified: '2025-01-01T00:00:00.000Z',
      siblings: [...repo.commits[commit].map((f) => ({ rfilename: f.path }))],
    };
  }

  #entry(repo: Repo, commit: string, file: RepoFile): object {
    return {
      type: 'file',
      path: file.path,
      oid: gitSha1(file.content),
      size: file.content.length,
      ...(isLfs(file.path)
        ? { lfs: { oid: this.#announcedSha(repo, commit, file), size: file.content.length, pointerSize: 134 } }
        : {}),
      lastCommit: { id: commit, title: 'upload', date: '2025-01-01T00:00:00.000Z' },
    };
  }

  #tree(repo: Repo, commit: string): object[] {
    const files = repo.commits[commit];
    const dirs = [...new Set(files.filter((f) => f.path.includes('/')).map((f) => f.path.split('/')[0]))];
    return [
      ...dirs.map((dir) => ({ type: 'directory', path: dir, oid: gitSha1(Buffer.from(dir)), size: 0 })),
      ...files.map((f) => this.#entry(repo, commit, f)),
    ];
  }

  #pathsInfo(repo: Repo, commit: string, paths: string[]): object[] {
    return repo.commits[commit].filter((f) => paths.includes(f.path)).map((f) => this.#entry(repo, commit, f));
  }

  #resolve(req: http.IncomingMessage, res: http.ServerResponse, repo: Repo, commit: string, filePath: string): void {
    const faults = this.faults.get(`${repo.id}/${filePath}`) ?? {};
    const key = `${repo.id}/${filePath}`;
    const sent = this.#unavailableSent.get(key) ?? 0;
    if (sent < (faults.unavailable ?? 0)) {
      this.#unavailableSent.set(key, sent + 1);
      res.setHeader('Retry-After', '0');
      return fail(res, 503, undefined, 'Service Unavailable');
    }
    if (!this.#authorized(repo, req, res)) return;
    const file = this.#file(repo.id, commit, filePath);
    if (!file) return fail(res, 404, 'EntryNotFound', `${filePath} does not exist on "${commit}"`);
    res.setHeader('X-Repo-Commit', commit);
    if (isLfs(file.path)) {
      const sha = this.#announcedSha(repo, commit, file);
      res.statusCode = 302;
      res.setHeader('X-Linked-Etag', `"${sha}"`);
      res.setHeader('X-Linked-Size', String(file.content.length));
      // The pointer file's id, which a client must not take for the file's.
      res.setHeader('ETag', `W/"${gitSha1(Buffer.from(sha))}"`);
      const where = new URLSearchParams({ repo: repo.id, commit, file: file.path });
      res.setHeader('Location', `${this.cdnUrl}/cdn/${sha256(file.content)}?${where}`);
      res.end(`Found. Redirecting to ${this.cdnUrl}/cdn/...`);
      return;
    }
    res.setHeader('ETag', `"${gitSha1(file.content)}"`);
    void send(req, res, file.content, {});
  }

  async #cdn(req: http.IncomingMessage, res: http.ServerResponse, segments: string[]): Promise<void> {
    const params = new URL(req.url ?? '/', this.url).searchParams;
    const [repoId, commit, filePath] = [params.get('repo') ?? '', params.get('commit') ?? '', params.get('file') ?? ''];
    const file = this.#file(repoId, commit, filePath);
    if (!file || sha256(file.content) !== segments[1]) return fail(res, 403, undefined, 'AccessDenied');
    const key = `${repoId}/${filePath}`;
    const faults = this.faults.get(key) ?? {};
    res.setHeader('ETag', `"${sha256(file.content)}"`);
    const dropHalfWay = faults.dropOnce === true && !this.#dropped.has(key);
    if (dropHalfWay) this.#dropped.add(key);
    const stall = faults.stallOnce === true && !this.#stalled.has(key);
    if (stall) this.#stalled.add(key);
    await send(req, res, file.content, { dropHalfWay, holdUntil: stall ? () => res.destroyed : faults.holdUntil });
  }
}

function json(res: http.ServerResponse, body: unknown): void {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function fail(res: http.ServerResponse, status: number, code: string | undefined, message: string): void {
  res.statusCode = status;
  if (code) res.setHeader('X-Error-Code', code);
  res.setHeader('X-Error-Message', message);
  json(res, { error: message });
}

function readAll(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => (text += String(chunk)));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** Sends `content`, or the part a Range header asks for, maybe pausing or dropping half way. */
async function send(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  content: Buffer,
  how: { dropHalfWay?: boolean; holdUntil?: () => boolean },
): Promise<void> {
  let start = 0;
  let end = content.length - 1;
  res.setHeader('Accept-Ranges', 'bytes');
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    start = range[1] === '' ? content.length - Number(range[2]) : Number(range[1]);
    end = range[1] !== '' && range[2] !== '' ? Math.min(Number(range[2]), end) : end;
    if (start > end || start >= content.length) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${content.length}`);
      res.end();
      return;
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${content.length}`);
  }
  const body = content.subarray(start, end + 1);
  res.setHeader('Content-Length', String(body.length));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const half = Math.floor(body.length / 2);
  if (!how.dropHalfWay && !how.holdUntil) {
    res.end(body);
    return;
  }
  res.write(body.subarray(0, half));
  // Long enough for the first half to reach the client before the drop.
  await sleep(50);
  for (const until = Date.now() + 10_000; how.holdUntil && !how.holdUntil() && Date.now() < until; ) await sleep(20);
  if (how.dropHalfWay) {
    res.socket?.destroy();
    return;
  }
  res.end(body.subarray(half));
}
