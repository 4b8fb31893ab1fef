// One LIST of a collection as raw JSON, with the KubeConfig's credentials and CA. The generated
// clients turn objects into model classes (dates become Date objects, unknown fields are dropped);
// the source wants the objects exactly as the watch events carry them, so it reads the wire itself.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** A list answered with an HTTP error; `statusCode` is what the informer's error handlers read. */
export class ListError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ListError';
  }
}

export interface ListOptions {
  readonly signal: AbortSignal;
  /** The largest body read (default 256 MiB). */
  readonly maxBytes?: number;
  /** The whole request (default 60 s). */
  readonly timeoutMs?: number;
}

export async function listRaw(
  config: KubeConfig,
  path: string,
  options: ListOptions,
): Promise<KubernetesListObject<KubernetesObject>> {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  const opts: RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const agent = opts.agent;
  try {
    const text = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const req = send(
        url,
        {
          ...opts,
          method: 'GET',
          headers: { ...opts.headers, accept: 'application/json' },
          signal: options.signal,
          timeout: options.timeoutMs ?? 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              req.destroy(new Error(`the list of ${path} is larger than ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`listing ${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
    if (text.status !== 200) {
      let message = `listing ${path}: HTTP ${text.status}`;
      try {
        const status = JSON.parse(text.body) as { message?: unknown };
        if (typeof status.message === 'string') message += `: ${status.message.slice(0, 200)}`;
      } catch {
        // not a Status: the code says enough
      }
      throw new ListError(text.status, message);
    }
    const list = JSON.parse(text.body) as KubernetesListObject<KubernetesObject>;
    if (!list || typeof list !== 'object' || !Array.isArray(list.items))
      throw new Error(`listing ${path}: the answer is not a list`);
    return list;
  } finally {
    if (agent && typeof agent === 'object' && 'destroy' in agent) agent.destroy();
  }
}
