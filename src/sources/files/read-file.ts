// Reads manifest files into documents and issues. Never rejects: an unreadable file is an Issue,
// so one bad file never hides the others. A file is read only if its real path is inside the
// manifest directory (unless external links are followed), only if it is a regular file no larger
// than the file limit, and only as valid UTF-8.
import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from '../../model/issue.js';
import { Pacer } from '../state/pacer.js';
import { DEFAULT_LIMITS, describeBytes, describeLimit, type ManifestLimits } from './limits.js';
import { decodeUtf8 } from './utf8.js';
import { externalLink, fromOrigin, isInside, readError } from './walk.js';
import { type ManifestText, parseManifestTextAsync } from './yaml-documents.js';

export interface ReadManifestOptions {
  readonly limits?: ManifestLimits;
  /** Read files whose real path is outside the directory (--follow-external-links). */
  readonly followExternalLinks?: boolean;
  /** Shared by the reads of one reload, so that together they yield often enough. */
  readonly pacer?: Pacer;
}

export async function readManifestFile(
  dir: string,
  origin: string,
  opts: ReadManifestOptions = {},
): Promise<ManifestText> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const root = path.resolve(dir);
  let real: string;
  try {
    real = await realpath(fromOrigin(root, origin));
    if (!opts.followExternalLinks && !isInside(real, await realpath(root)))
      return { documents: [], issues: [externalLink(origin)] };
  } catch (err) {
    return readFailure(origin, err);
  }
  const bytes = await readBounded(origin, real, limits);
  if ('failure' in bytes) return bytes.failure;
  const decoded = decodeUtf8(bytes.data);
  if ('badOffset' in decoded) {
    return {
      documents: [],
      issues: [badEncoding(origin, decoded.badOffset, bytes.data)],
      failed: true,
    };
  }
  const pacer = opts.pacer ?? new Pacer();
  return parseManifestTextAsync(origin, decoded.text, { limits }, () => pacer.pause());
}

const READ_CHUNK = 64 * 1024;

/** The file's bytes, read no further than the file limit; a file over it is not read at all. */
async function readBounded(
  origin: string,
  real: string,
  limits: ManifestLimits,
): Promise<{ data: Buffer } | { failure: ManifestText }> {
  let handle: FileHandle | undefined;
  try {
    // Non-blocking: a FIFO put in place of a file must not hang the reader; it is refused below.
    handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { failure: readFailure(origin, new Error('is not a regular file')) };
    if (info.size > limits.maxFileBytes) return { failure: tooBig(origin, info.size, limits) };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      // The file grew since it was measured.
      if (total > limits.maxFileBytes) return { failure: tooBig(origin, total, limits, 'at least ') };
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return { data: Buffer.concat(chunks, total) };
  } catch (err) {
    return { failure: readFailure(origin, err) };
  } finally {
    await handle?.close().catch(() => {});
  }
}

function tooBig(origin: string, size: number, limits: ManifestLimits, atLeast = ''): ManifestText {
  return {
    documents: [],
    issues: [
      {
        severity: 'error',
        origin,
        fieldPath: '',
        reason: 'LimitExceeded',
        message: `is ${atLeast}${describeBytes(size)}, more than ${describeLimit(limits, 'maxFileBytes')}; it is not read`,
      },
    ],
    failed: true,
  };
}

function badEncoding(origin: string, offset: number, data: Uint8Array): Issue {
  let line = 1;
  for (let i = 0; i < offset; i++) if (data[i] === 0x0a) line++;
  return {
    severity: 'error',
    origin,
    fieldPath: '',
    reason: 'InvalidUTF8',
    message: `is not valid UTF-8: the byte at offset ${offset} (line ${line}) starts no valid UTF-8 sequence`,
  };
}

function readFailure(origin: string, err: unknown): ManifestText {
  return { documents: [], issues: [readError(origin, err)], failed: true };
}

/** Enough parallel reads to hide latency, few enough never to run out of file descriptors. */
const READ_CONCURRENCY = 32;

/** Reads files in parallel; the answer is in the order of origins. */
export async function readManifestFiles(
  dir: string,
  origins: readonly string[],
  opts: ReadManifestOptions = {},
): Promise<ManifestText[]> {
  const shared = { ...opts, pacer: opts.pacer ?? new Pacer() };
  const out = new Array<ManifestText>(origins.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < origins.length) {
      const i = next++;
      out[i] = await readManifestFile(dir, origins[i]!, shared);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, origins.length) }, worker));
  return out;
}
