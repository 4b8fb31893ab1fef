import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import type http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import jsonpatch from 'fast-json-patch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selfSigned } from '../../test/helpers/openssl.js';
import { silentLogger } from '../log.js';
import type { AdmissionReviewResponse, PodMutator } from './admission-review.js';
import {
  INJECT_PATH,
  type WebhookCertificate,
  type WebhookCertificateProvider,
  type WebhookLimits,
  WebhookServer,
} from './webhook-server.js';
import {
  annotateAndAddContainer,
  INJECTED_ANNOTATION,
  podReview,
  realisticPod,
  SIDECAR_NAME,
  throwing,
} from './webhook-testing.js';

/** A provider whose certificate the test changes. */
class MutableCertificate implements WebhookCertificateProvider {
  private readonly listeners = new Set<() => void>();
  constructor(private certificate: WebhookCertificate) {}
  current(): WebhookCertificate {
    return this.certificate;
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(certificate: WebhookCertificate): void {
    this.certificate = certificate;
    for (const listener of this.listeners) listener();
  }
  listenerCount(): number {
    return this.listeners.size;
  }
}

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly reusedSocket: boolean;
  readonly peerFingerprint: string;
}

interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: string | Buffer;
  readonly agent?: https.Agent | false;
  readonly ca?: string;
  /** Writes the headers (and `body`, if any) but never ends the request. */
  readonly hold?: boolean;
  readonly onRequest?: (req: http.ClientRequest) => void;
}

async function material(dir: string, name: string): Promise<WebhookCertificate & { certFile: string }> {
  const { certFile, keyFile } = await selfSigned(dir, name, {
    subject: `/CN=${name}.trellis-system.svc`,
    extensions: [`subjectAltName=DNS:${name}.trellis-system.svc,IP:127.0.0.1`],
  });
  return {
    certFile,
    certChainPem: await fs.readFile(certFile, 'utf8'),
    privateKeyPem: await fs.readFile(keyFile, 'utf8'),
  };
}

describe('the webhook server', () => {
  let dir: string;
  let first: WebhookCertificate;
  let second: WebhookCertificate;
  const servers: WebhookServer[] = [];
  const agents: https.Agent[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-webhook-'));
    [first, second] = await Promise.all([material(dir, 'injector-a'), material(dir, 'injector-b')]);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(
    options: {
      mutator?: PodMutator;
      limits?: Partial<WebhookLimits>;
      certificates?: MutableCertificate;
    } = {},
  ) {
    const certificates = options.certificates ?? new MutableCertificate(first);
    const server = new WebhookServer({
      logger: silentLogger(),
      mutator: options.mutator ?? annotateAndAddContainer,
      certificates,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    servers.push(server);
    const bound = await server.listen('127.0.0.1:0');
    return { server, port: bound.port, bound, certificates };
  }

  function request(port: number, options: RequestOptions = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const body = options.body;
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: options.method ?? 'POST',
          path: options.path ?? INJECT_PATH,
          ca: options.ca ?? first.certChainPem,
          agent: options.agent ?? false,
          timeout: 20_000,
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, */*',
            ...(body !== undefined && !options.hold ? { 'content-length': Buffer.byteLength(body) } : {}),
            ...options.headers,
          },
        },
        (res) => {
          const peerFingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '';
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              reusedSocket: req.reusedSocket,
              peerFingerprint,
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
      req.on('error', reject);
      options.onRequest?.(req);
      if (options.hold) {
        if (body !== undefined) req.write(body);
        else req.flushHeaders();
      } else req.end(body);
    });
  }

  const post = (port: number, review: unknown, options: RequestOptions = {}) =>
    request(port, { body: JSON.stringify(review), ...options });

  function review(reply: Reply): AdmissionReviewResponse {
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    return JSON.parse(reply.body) as AdmissionReviewResponse;
  }

  function status(reply: Reply): { kind: string; code: number; reason: string; message: string } {
    expect(reply.headers['content-type']).toBe('application/json');
    const parsed = JSON.parse(reply.body) as { kind: string; code: number; reason: string; message: string };
    expect(parsed.kind).toBe('Status');
    expect(parsed.code).toBe(reply.status);
    return parsed;
  }

  it('listens on port 0 and returns the port it bound', async () => {
    const { bound } = await start();
    expect(bound.port).toBeGreaterThan(0);
    expect(bound.address).toBe(`127.0.0.1:${bound.port}`);
  });

  it('answers a Pod creation with a JSONPatch that applies to the pod', async () => {
    const { port } = await start();
    const pod = realisticPod();
    // The API server adds its timeout as a query parameter.
    const reply = await post(port, podReview(pod, { uid: 'c0ffee00-1111-4222-8333-444455556666' }), {
      path: `${INJECT_PATH}?timeout=10s`,
    });
    const { apiVersion, kind, response } = review(reply);
    expect({ apiVersion, kind }).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    expect(response.uid).toBe('c0ffee00-1111-4222-8333-444455556666');
    expect(response.allowed).toBe(true);
    expect(response.patchType).toBe('JSONPatch');
    expect(response.warnings).toBeUndefined();
    const patch = JSON.parse(
      Buffer.from(response.patch!, 'base64').toString('utf8'),
    ) as jsonpatch.Operation[];
    const patched = jsonpatch.applyPatch(pod, patch, true, true).newDocument as {
      metadata: { annotations: Record<string, string> };
      spec: { containers: { name: string }[] };
    };
    expect(patched.metadata.annotations[INJECTED_ANNOTATION]).toBe('true');
    expect(patched.spec.containers.map((c) => c.name)).toEqual(['reviews', SIDECAR_NAME]);
  });

  it('allows the pod with a warning when the mutator throws', async () => {
    const { port } = await start({ mutator: throwing });
    const { response } = review(await post(port, podReview()));
    expect(response).toEqual({
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      allowed: true,
      warnings: [
        'trellis: sidecar not injected: internal error in the injector: boom: cannot read properties of undefined',
      ],
    });
  });

  it('refuses what the API server never sends with a Status naming the problem', async () => {
    const { port } = await start();
    const body = JSON.stringify(podReview());

    const get = await request(port, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(status(get)).toMatchObject({
      reason: 'MethodNotAllowed',
      message: 'method GET not allowed: the webhook serves POST /inject only',
    });

    const elsewhere = await request(port, { path: '/mutate', body });
    expect(elsewhere.status).toBe(404);
    expect(status(elsewhere).message).toBe('not found: the webhook serves POST /inject only');

    const text = await request(port, { body, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(status(text).message).toBe('content type must be application/json, got "text/plain"');

    const charset = await request(port, {
      body,
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
    });
    expect(charset.status).toBe(200);

    const v1beta1 = await post(port, { ...podReview(), apiVersion: 'admission.k8s.io/v1beta1' });
    expect(v1beta1.status).toBe(400);
    expect(status(v1beta1)).toMatchObject({
      reason: 'BadRequest',
      message:
        'apiVersion admission.k8s.io/v1beta1 is not served: admission.k8s.io/v1 is required (admissionReviewVersions: ["v1"])',
    });

    const broken = await request(port, { body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) });
    expect(broken.status).toBe(400);
    expect(status(broken).message).toBe('the body is not valid UTF-8');
  });

  it('refuses a declared body over the limit with 413 before it is sent', async () => {
    const { port } = await start();
    const reply = await request(port, { hold: true, headers: { 'content-length': 4 * 1024 * 1024 } });
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
    expect(status(reply).message).toBe('the request body is over 3145728 bytes');
  });

  it('refuses a chunked body as soon as it passes the limit', async () => {
    const { port } = await start({ limits: { maxBodyBytes: 1000 } });
    const reply = await request(port, { hold: true, body: 'x'.repeat(1001) });
    expect(reply.status).toBe(413);
    expect(status(reply).message).toBe('the request body is over 1000 bytes');
  });

  it('answers Expect: 100-continue with the refusal, or with 100 and then the review', async () => {
    const { port } = await start();
    const refused = await request(port, {
      hold: true,
      headers: { 'content-length': 4 * 1024 * 1024, expect: '100-continue' },
    });
    expect(refused.status).toBe(413);
    const body = JSON.stringify(podReview());
    const accepted = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: INJECT_PATH,
          ca: first.certChainPem,
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            expect: '100-continue',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(accepted).toBe(200);
  });

  it('keeps connections alive between reviews', async () => {
    const { port } = await start();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const a = await post(port, podReview(), { agent });
    const b = await post(port, podReview(), { agent });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers.connection).toBe('keep-alive');
    expect(b.reusedSocket).toBe(true);
  });

  it('keeps an idle connection past the stalled-socket timeout: the keep-alive timeout applies', async () => {
    // Node's client keeps a socket for the server's Keep-Alive hint (whole seconds) less one second.
    const { port } = await start({ limits: { socketTimeoutMs: 200, keepAliveTimeoutMs: 3_000 } });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const first = await post(port, podReview(), { agent });
    expect(first.headers['keep-alive']).toBe('timeout=3, max=1000');
    await new Promise((r) => setTimeout(r, 500));
    expect((await post(port, podReview(), { agent })).reusedSocket).toBe(true);
  });

  it('closes a connection after maxRequestsPerSocket reviews', async () => {
    const { port } = await start({ limits: { maxRequestsPerSocket: 2 } });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const a = await post(port, podReview(), { agent });
    const b = await post(port, podReview(), { agent });
    expect(a.headers.connection).toBe('keep-alive');
    expect(b.headers.connection).toBe('close');
  });

  it('answers 429 beyond maxInFlight, and serves again once a slot is free', async () => {
    const { port, server } = await start({ limits: { maxInFlight: 1 } });
    // The first request holds the only slot: its body never ends.
    let holder: http.ClientRequest | undefined;
    const held = request(port, { hold: true, body: '{"apiVersion":', onRequest: (req) => (holder = req) });
    await waitFor(() => server.requestsInFlight() === 1);
    const busy = await post(port, podReview());
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    expect(status(busy)).toMatchObject({
      reason: 'TooManyRequests',
      message: 'busy: 1 admission reviews are being answered',
    });
    // The client gives up: its slot is freed.
    holder?.destroy();
    await held.catch(() => undefined);
    await waitFor(() => server.requestsInFlight() === 0);
    expect((await post(port, podReview())).status).toBe(200);
  });

  it('gives up on a body that does not arrive within the deadline with 408', async () => {
    const { port, server } = await start({ limits: { answerDeadlineMs: 300 } });
    const started = performance.now();
    const reply = await request(port, { hold: true, body: '{"apiVersion": "admission.k8s.io/v1"' });
    expect(reply.status).toBe(408);
    expect(reply.headers.connection).toBe('close');
    expect(status(reply).message).toBe('the request body did not arrive within 300 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
    await waitFor(() => server.requestsInFlight() === 0);
  });

  it('serves a new certificate to new connections after the provider changes it', async () => {
    const certificates = new MutableCertificate(first);
    const { port } = await start({ certificates });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [first.certChainPem] });
    agents.push(agent);
    const before = await post(port, podReview(), { agent, ca: first.certChainPem });
    expect(before.status).toBe(200);

    certificates.set(second);
    // A new connection trusting only the new certificate verifies it.
    const after = await post(port, podReview(), { ca: second.certChainPem });
    expect(after.status).toBe(200);
    expect(after.peerFingerprint).not.toBe(before.peerFingerprint);
    expect(after.peerFingerprint).toBe(fingerprint(second));
    expect(before.peerFingerprint).toBe(fingerprint(first));
    // ... and one trusting only the old one fails the handshake.
    await expect(post(port, podReview(), { ca: first.certChainPem })).rejects.toThrow(
      /self.signed|verify|certificate/i,
    );
    // The open connection keeps its certificate.
    const reused = await post(port, podReview(), { agent, ca: first.certChainPem });
    expect(reused.reusedSocket).toBe(true);
    expect(reused.peerFingerprint).toBe(fingerprint(first));
  });

  it('keeps the current certificate when the provider offers a broken one', async () => {
    const certificates = new MutableCertificate(first);
    const { port } = await start({ certificates });
    certificates.set({ certChainPem: second.certChainPem, privateKeyPem: 'not a key' });
    const reply = await post(port, podReview());
    expect(reply.status).toBe(200);
    expect(reply.peerFingerprint).toBe(fingerprint(first));
  });

  it('stops listening to the provider and closes open connections on close()', async () => {
    const certificates = new MutableCertificate(first);
    const { server, port } = await start({ certificates });
    const agent = new https.Agent({ keepAlive: true });
    agents.push(agent);
    await post(port, podReview(), { agent });
    expect(certificates.listenerCount()).toBe(1);
    await server.close();
    expect(certificates.listenerCount()).toBe(0);
    await expect(post(port, podReview())).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a certificate Node cannot use when listening', async () => {
    const server = new WebhookServer({
      logger: silentLogger(),
      mutator: annotateAndAddContainer,
      certificates: new MutableCertificate({ certChainPem: 'nope', privateKeyPem: 'nope' }),
    });
    servers.push(server);
    await expect(server.listen('127.0.0.1:0')).rejects.toThrow();
  });

  it('refuses a malformed address', async () => {
    const server = new WebhookServer({
      logger: silentLogger(),
      mutator: annotateAndAddContainer,
      certificates: new MutableCertificate(first),
    });
    await expect(server.listen('localhost')).rejects.toThrow('webhook address "localhost" has no port');
  });
});

function fingerprint(certificate: WebhookCertificate): string {
  return new X509Certificate(certificate.certChainPem).fingerprint256;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
