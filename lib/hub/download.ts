import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { CrossrankError } from '../errors';
import { getFollowing, header, hubError, Retryable, type Subject, withRetries } from './http';

export interface BlobDownload {
  /** blobs/{etag}: written as {blob}.incomplete and renamed into place only when whole and verified. */
  blob: string;
  etag: string;
  /** Bytes the Hub announced; undefined if it did not say. */
  size: number | undefined;
  /** Where the bytes are: the Hub's redirect target, or the resolve URL itself. */
  url: URL;
  headers: Record<string, string>;
  /** The Hub's origin, the only one the token is sent to. */
  tokenOrigin: string;
  timeoutMs: number;
  /** The metadata request's response when it already carries the whole file: used, not requested again. */
  opened?: IncomingMessage;
  subject: Subject;
  onBytes: (loaded: number, total: number | undefined) => void;
}

const sizeOf = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

// LFS files are named by their sha256; git blobs by a sha1 of a header and the bytes, not checked here
// (as huggingface_hub does not).
const isSha256 = (etag: string): boolean => /^[0-9a-f]{64}$/.test(etag);

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Content-Range: bytes {start}-{end}/{total} */
function contentRange(response: IncomingMessage): { start: number; total: number | undefined } | undefined {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header(response, 'content-range') ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}

/**
 * Downloads one blob, resuming with Range after a dropped connection (also one dropped by an
 * earlier process: its .incomplete file is kept), and checks its sha256 when the etag is one.
 */
export async function downloadBlob(job: BlobDownload): Promise<void> {
  const partial = `${job.blob}.incomplete`;
  const what = `'${job.subject.file}' of '${job.subject.repoId}'`;
  fs.mkdirSync(path.dirname(job.blob), { recursive: true });
  let size = job.size;
  let opened = job.opened;

  await withRetries(`downloading ${what}`, async (progressed) => {
    let have = sizeOf(partial);
    if (size !== undefined && have > size) have = truncate(partial);
    if (size !== undefined && have === size && fs.existsSync(partial)) return;

    let response: IncomingMessage;
    if (opened && have === 0) {
      response = opened;
    } else {
      opened?.destroy();
      const headers = have > 0 ? { ...job.headers, Range: `bytes=${have}-` } : job.headers;
      response = (await getFollowing(job.url, headers, job.timeoutMs, job.tokenOrigin)).response;
    }
    opened = undefined;

    const status = response.statusCode ?? 0;
    if (status === 416) {
      response.destroy();
      truncate(partial);
      throw new Retryable(`the server could not resume ${what} at byte ${have}`);
    }
    if (status !== 200 && status !== 206) throw await hubError(response, job.subject);
    if (status === 206) {
      const range = contentRange(response);
      if (!range || range.start !== have) {
        response.destroy();
        truncate(partial);
        throw new Retryable(`the server resumed ${what} at the wrong byte`);
      }
      size ??= range.total;
    } else {
      if (have > 0) have = truncate(partial); // the server ignored Range: start over
      size ??= Number(header(response, 'content-length')) || undefined;
    }

    const file = await fs.promises.open(partial, have > 0 ? 'a' : 'w');
    const chunks = (response as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    try {
      job.onBytes(have, size);
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await chunks.next();
        } catch (error) {
          throw new Retryable(`the connection dropped after ${have} bytes of ${what}`, undefined, { cause: error });
        }
        if (next.done) break;
        await file.write(next.value);
        have += next.value.length;
        progressed();
        job.onBytes(have, size);
      }
    } finally {
      response.destroy(); // a no-op once the body has ended; frees the socket when a write or onProgress threw
      await file.close();
    }
    if (size !== undefined && have < size) throw new Retryable(`the connection closed after ${have} of ${size} bytes of ${what}`);
    if (size !== undefined && have > size) {
      fs.rmSync(partial, { force: true });
      throw new CrossrankError('CORRUPT_DOWNLOAD', `${what} came with ${have} bytes instead of the ${size} announced; try again`);
    }
  });

  if (isSha256(job.etag)) {
    const actual = await sha256Of(partial);
    if (actual !== job.etag) {
      fs.rmSync(partial, { force: true });
      throw new CrossrankError(
        'CORRUPT_DOWNLOAD',
        `${what} from ${job.subject.endpoint} has sha256 ${actual}, not the ${job.etag} the Hub announced; ` +
          `the download was deleted: try again, and if it happens again the server holds a damaged copy`,
      );
    }
  }
  fs.renameSync(partial, job.blob);
}

function truncate(file: string): 0 {
  fs.rmSync(file, { force: true });
  return 0;
}
