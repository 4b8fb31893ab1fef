// `trellis inject -f FILE|-`: the manifests with their pod templates injected, on stdout; what was
// left alone, and why, on stderr. The same injection as the webhook (src/injector/).
import fs from 'node:fs/promises';
import { injectManifests } from '../injector/inject-manifests.js';
import { injectionParts } from '../injector/injection-parts.js';
import type { InjectorOptions } from './serve-injector.js';

// The same bound as `trellis inject`'s injectManifests: a manifest stream, not a dump of a cluster.
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    const { size } = await fs.stat(file);
    if (size > MAX_INPUT_BYTES) throw new Error(`${file} is ${size} bytes, over ${MAX_INPUT_BYTES}`);
    return fs.readFile(file, 'utf8');
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_INPUT_BYTES) throw new Error(`standard input is over ${MAX_INPUT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function injectCommand(
  file: string,
  options: InjectorOptions,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const text = await readInput(file);
  const parts = injectionParts({
    controlPlane: { namespace: options.namespace },
    trellisVersion: options.config.version,
    ...(options.clusterDomain ? { clusterDomain: options.clusterDomain } : {}),
    ...(options.dualStack ? { dualStack: true } : {}),
  });
  const report = injectManifests(text, options.config, parts);
  out.write(report.output);
  for (const note of report.notes) err.write(`trellis inject: ${note}\n`);
  for (const error of report.errors) err.write(`trellis inject: ${error}\n`);
  return report.errors.length > 0 ? 1 : 0;
}
