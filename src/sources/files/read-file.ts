// Reads manifest files into documents and issues. Never rejects: an unreadable file is an Issue,
// so one bad file never hides the others.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readError } from './walk.js';
import { type ManifestText, parseManifestText } from './yaml-documents.js';

export async function readManifestFile(dir: string, origin: string): Promise<ManifestText> {
  let text: string;
  try {
    text = await readFile(path.join(dir, ...origin.split('/')), 'utf8');
  } catch (err) {
    return { documents: [], issues: [readError(origin, err)] };
  }
  return parseManifestText(origin, text);
}

/** Enough parallel reads to hide latency, few enough never to run out of file descriptors. */
const READ_CONCURRENCY = 32;

/** Reads files in parallel; the answer is in the order of origins. */
export async function readManifestFiles(dir: string, origins: readonly string[]): Promise<ManifestText[]> {
  const out = new Array<ManifestText>(origins.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < origins.length) {
      const i = next++;
      out[i] = await readManifestFile(dir, origins[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, origins.length) }, worker));
  return out;
}
