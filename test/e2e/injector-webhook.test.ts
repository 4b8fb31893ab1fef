// The injection webhook of the real `trellis serve`, as the API server calls it: AdmissionReview
// JSON POSTed over HTTPS with Node's https, the serving certificate verified against the mesh root,
// the response shape the API server requires, and the patch applied with a real RFC 6902 library.
// Namespace labels come from the manifests Trellis serves (examples/: shop is opted in).
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import jsonpatch from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podReview, realisticPod } from '../../src/injector/webhook-testing.js';
import { selfSigned } from '../helpers/openssl.js';
import { startTrellis, type TrellisProcess } from './helpers/trellis-process.js';

const examples = path.resolve(import.meta.dirname, '../../examples');

interface Answer {
  readonly status: number;
  readonly body: {
    apiVersion?: string;
    kind?: string;
    response?: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] };
  };
  readonly peerSubject: string;
}

function post(port: number, ca: string, review: unknown): Promise<Answer> {
  const body = JSON.stringify(review);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/inject',
        method: 'POST',
        ca,
        // The API server calls trellis.<ns>.svc: the certificate must carry that name.
        servername: 'trellis.trellis-system.svc',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
        agent: false,
      },
      (res) => {
        // Read now: once the body has ended, a kept-alive socket goes back to the agent.
        const peerSubject = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Answer['body'];
            resolve({ status: res.statusCode ?? 0, body, peerSubject });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('the injection webhook of trellis serve', () => {
  let dir: string;
  let trellis: TrellisProcess;
  let root: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-webhook-'));
    trellis = await startTrellis(examples, ['--state-dir', path.join(dir, 'state')]);
    root = (
      JSON.parse(await fs.readFile(path.join(dir, 'state', 'ca.json'), 'utf8')) as { rootCertsPem: string }
    ).rootCertsPem;
  }, 30_000);

  afterAll(async () => {
    await trellis?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('injects a pod of an opted-in namespace over HTTPS that chains to the mesh root', async () => {
    const pod = realisticPod();
    const answer = await post(
      trellis.webhookPort!,
      root,
      podReview(pod, { uid: 'uid-1', namespace: 'shop' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.peerSubject).toContain('DNS:trellis.trellis-system.svc');
    expect(answer.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-1', allowed: true, patchType: 'JSONPatch' },
    });
    const patch = JSON.parse(
      Buffer.from(answer.body.response!.patch!, 'base64').toString(),
    ) as jsonpatch.Operation[];
    const injected = jsonpatch.applyPatch(structuredClone(pod), patch, true, false).newDocument as {
      spec: { initContainers: { name: string }[]; containers: { name: string }[] };
      metadata: { annotations: Record<string, string> };
    };
    expect(injected.spec.initContainers.map((c) => c.name).slice(0, 3)).toEqual([
      'trellis-init',
      'trellis-credential',
      'trellis-proxy',
    ]);
    expect(injected.metadata.annotations['trellis.dev/injected']).toContain('"version":"0.1.0"');
  });

  it('allows a pod of a namespace that is not opted in, without a patch', async () => {
    const answer = await post(
      trellis.webhookPort!,
      root,
      podReview(realisticPod(), { uid: 'uid-2', namespace: 'elsewhere' }),
    );
    expect(answer.body.response).toEqual({ uid: 'uid-2', allowed: true });
  });

  it('refuses what is not an admission.k8s.io/v1 AdmissionReview with 400 and a message', async () => {
    const answer = await post(trellis.webhookPort!, root, {
      ...podReview(),
      apiVersion: 'admission.k8s.io/v1beta1',
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('v1');
  });
});

describe("the injection webhook with a certificate of the user's", () => {
  let dir: string;
  let trellis: TrellisProcess;
  let cert: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-webhook-cert-'));
    const made = await selfSigned(dir, 'webhook', {
      subject: '/CN=trellis.trellis-system.svc',
      extensions: ['subjectAltName=DNS:trellis.trellis-system.svc'],
    });
    cert = await fs.readFile(made.certFile, 'utf8');
    trellis = await startTrellis(examples, ['--webhook-cert', made.certFile, '--webhook-key', made.keyFile]);
  }, 30_000);

  afterAll(async () => {
    await trellis?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("serves the given certificate instead of the mesh CA's", async () => {
    const answer = await post(
      trellis.webhookPort!,
      cert,
      podReview(realisticPod(), { uid: 'uid-3', namespace: 'shop' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.response).toMatchObject({ uid: 'uid-3', allowed: true, patchType: 'JSONPatch' });
  });
});
