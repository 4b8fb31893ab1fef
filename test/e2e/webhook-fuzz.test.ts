// Fuzzing the injector's webhook through the real HTTPS server: a seeded, bounded stream of
// AdmissionReviews and pods made wrong in every way we could think of (a wrong type at every path,
// missing fields, bit flips, truncation, huge strings, deep nesting, objects that are not Pods),
// sent over keep-alive connections to one server per mutator (careful, careless, refusing,
// throwing, and one that changes its argument).
//
// For every case: no 5xx and no dropped connection; a 200 is a v1 AdmissionReview with the
// request's uid and `allowed: true`, and its patch (if any) applies, with fast-json-patch's
// validation, to the pod it was computed for; the status is the one an independent reading of the
// body predicts (200 for a v1 AdmissionReview with a uid, 413 over the size limit, else 400).

import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import jsonpatch from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodMutator } from '../../src/injector/admission-review.js';
import { MAX_WARNING_CHARS } from '../../src/injector/admission-review.js';
import { DEFAULT_WEBHOOK_LIMITS, INJECT_PATH, WebhookServer } from '../../src/injector/webhook-server.js';
import {
  annotateAndAddContainer,
  careless,
  podReview,
  realisticPod,
  refusing,
  throwing,
} from '../../src/injector/webhook-testing.js';
import { silentLogger } from '../../src/log.js';
import { ok } from '../../src/model/result.js';
import { seededRandom } from '../../src/sources/apis/shared/fuzz-mutations.js';
import { selfSigned } from '../helpers/openssl.js';

const SEED = 0x7e11_15;
const RANDOM_CASES = 4_000;
const CONCURRENCY = 8;
const MAX_DEPTH = DEFAULT_WEBHOOK_LIMITS.maxJsonDepth;
const MAX_BODY = DEFAULT_WEBHOOK_LIMITS.maxBodyBytes;

/** Changes its argument, then returns a patch that only applies to the pod as it was sent. */
const vandal: PodMutator = {
  mutate({ pod }) {
    if (typeof pod === 'object' && pod !== null && !Array.isArray(pod)) {
      const record = pod as Record<string, unknown>;
      const spec = record.spec;
      record.spec = 'gone';
      record.metadata = { annotations: {} };
      if (
        typeof spec === 'object' &&
        spec !== null &&
        Array.isArray((spec as { containers?: unknown }).containers)
      )
        return ok([{ op: 'add', path: '/spec/containers/-', value: { name: 'x', image: 'y' } }]);
    }
    return ok([{ op: 'add', path: '/metadata/annotations/x', value: 'y' }]);
  },
};

const MUTATORS: readonly [string, PodMutator][] = [
  ['careful', annotateAndAddContainer],
  ['careless', careless],
  ['refusing', refusing],
  ['throwing', throwing],
  ['vandal', vandal],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...prefix, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function setAt(root: Json, at: Path, value: Json | undefined): Json {
  if (at.length === 0) return value === undefined ? null : value;
  let node = root as Record<string | number, Json>;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = at.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return root;
}

function dig(root: Json, at: readonly string[]): { [key: string]: Json } | undefined {
  let node: Json | undefined = root;
  for (const key of at) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = node[key];
  }
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? node : undefined;
}

function nested(depth: number): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { n: value };
  return value;
}

/** Nesting of a parsed value, counted as the server counts it (the root object is level 1). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) max = depth;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

function baseReview(rand: () => number): Json {
  const pod = realisticPod() as Record<string, Record<string, unknown>>;
  const which = Math.floor(rand() * 8);
  if (which === 1) delete pod.metadata!.annotations;
  if (which === 2) {
    const containers = pod.spec!.containers as Json[];
    for (let i = 0; i < 20; i++)
      containers.push({ name: `c${i}`, image: 'busybox', args: ['sleep', `${i}`] });
  }
  const review = podReview(pod, {
    uid: `fuzz-${Math.floor(rand() * 1e9)}`,
    dryRun: rand() < 0.2,
  }) as unknown as {
    request: Record<string, Json>;
  };
  if (which === 3) {
    review.request.kind = { group: 'apps', version: 'v1', kind: 'Deployment' };
    review.request.resource = { group: 'apps', version: 'v1', resource: 'deployments' };
    review.request.object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} };
  }
  if (which === 4) {
    review.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
    review.request.object = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } };
  }
  if (which === 5) review.request.operation = ['UPDATE', 'DELETE', 'CONNECT'][Math.floor(rand() * 3)]!;
  return review as unknown as Json;
}

const WRONG: readonly ((rand: () => number) => Json | undefined)[] = [
  () => undefined, // missing
  () => null,
  () => 0,
  () => -1.5e308,
  () => true,
  () => '',
  () => 'x',
  () => [],
  () => ({}),
  () => [null, 1, 'a', {}],
  () => ({ kind: 'Pod', metadata: 'm', spec: [] }),
  (rand) => 'h'.repeat(1_000 + Math.floor(rand() * 50_000)),
  (rand) => nested(Math.floor(rand() * 2 * MAX_DEPTH)),
  () => '\u0000\u2028\ud800 "quoted" \\ ~1/~0',
];

interface Case {
  readonly body: Buffer;
  readonly mutator: number;
  readonly contentType?: string;
}

function encode(value: Json): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Every path of the base review set to every wrong value: the systematic part. */
function systematicCases(rand: () => number): Case[] {
  const base = baseReview(() => 0);
  const out: Case[] = [];
  for (const at of paths(base)) {
    for (const wrong of WRONG) {
      const review = setAt(structuredClone(base), at, wrong(rand));
      out.push({ body: encode(review), mutator: out.length % MUTATORS.length });
    }
  }
  return out;
}

function randomCase(rand: () => number, index: number): Case {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  let review = baseReview(rand);
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const all = paths(review);
    review = setAt(review, pick(all), pick(WRONG)(rand));
  }
  let body = encode(review);
  const byteLevel = rand();
  if (byteLevel < 0.25) {
    body = Buffer.from(body);
    for (let flips = 1 + Math.floor(rand() * 4); flips > 0; flips--) {
      const at = Math.floor(rand() * body.length);
      body[at] = body[at]! ^ (1 << Math.floor(rand() * 8));
    }
  } else if (byteLevel < 0.4) {
    body = body.subarray(0, Math.floor(rand() * body.length));
  } else if (byteLevel < 0.42) {
    // A huge annotation: up to twice the body limit.
    const huge = structuredClone(review);
    const metadata = dig(huge, ['request', 'object', 'metadata']);
    if (metadata) metadata.annotations = { big: 'b'.repeat(Math.floor(rand() * 2 * MAX_BODY)) };
    body = encode(huge);
  }
  const contentType = rand() < 0.01 ? pick(['text/plain', 'application/yaml', '']) : undefined;
  return { body, mutator: index % MUTATORS.length, ...(contentType !== undefined ? { contentType } : {}) };
}

interface Expected {
  readonly status: number;
  readonly uid?: string;
  /** request.object as the server received it, for 200s. */
  readonly object?: unknown;
}

/** What the server must answer, read from the body independently of the server's code. */
function expected(body: Buffer, contentType: string | undefined): Expected {
  if (contentType !== undefined) return { status: 415 };
  if (body.length > MAX_BODY) return { status: 413 };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { status: 400 };
  }
  if (depthOf(value) > MAX_DEPTH) return { status: 400 };
  const review = value as { apiVersion?: unknown; kind?: unknown; request?: unknown };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { status: 400 };
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview')
    return { status: 400 };
  const request = review.request as { uid?: unknown; object?: unknown } | null | undefined;
  if (typeof request !== 'object' || request === null || Array.isArray(request)) return { status: 400 };
  if (typeof request.uid !== 'string' || request.uid === '') return { status: 400 };
  return { status: 200, uid: request.uid, object: request.object };
}

describe('fuzzing the webhook server', () => {
  let dir: string;
  let ca: string;
  const servers: { server: WebhookServer; port: number; agent: https.Agent }[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trellis-webhook-fuzz-'));
    const { certFile, keyFile } = await selfSigned(dir, 'injector', {
      subject: '/CN=trellis-injector.trellis-system.svc',
      extensions: ['subjectAltName=DNS:trellis-injector.trellis-system.svc,IP:127.0.0.1'],
    });
    ca = await fs.readFile(certFile, 'utf8');
    const certificate = { certChainPem: ca, privateKeyPem: await fs.readFile(keyFile, 'utf8') };
    expect(new X509Certificate(ca).checkIP('127.0.0.1')).toBe('127.0.0.1');
    for (const [, mutator] of MUTATORS) {
      const server = new WebhookServer({
        logger: silentLogger(),
        mutator,
        certificates: { current: () => certificate, onChange: () => () => undefined },
      });
      const { port } = await server.listen('127.0.0.1:0');
      const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });
      servers.push({ server, port, agent });
    }
  });

  afterAll(async () => {
    for (const { agent } of servers) agent.destroy();
    await Promise.all(servers.map(({ server }) => server.close()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  function send(c: Case): Promise<{ status: number; body: string; connection: string | undefined }> {
    const { port, agent } = servers[c.mutator]!;
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `${INJECT_PATH}?timeout=10s`,
          agent,
          timeout: 20_000,
          headers: {
            'content-type': c.contentType ?? 'application/json',
            'content-length': c.body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              connection: res.headers.connection,
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
      req.on('error', reject);
      // A body the server refuses by its declared length is not sent.
      req.end(c.body.length > MAX_BODY ? undefined : c.body);
    });
  }

  it('answers thousands of broken reviews without a crash, a 5xx or a patch that does not apply', async () => {
    const rand = seededRandom(SEED);
    const cases = systematicCases(rand);
    const systematic = cases.length;
    for (let i = 0; i < RANDOM_CASES; i++) cases.push(randomCase(rand, i));
    expect(cases.length).toBeGreaterThanOrEqual(5_000);

    const tally = new Map<string, number>();
    const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
    const failures: string[] = [];
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index]!;
        const want = expected(c.body, c.contentType);
        const got = await send(c);
        const where = `case ${index} (${MUTATORS[c.mutator]![0]}, ${c.body.length} bytes)`;
        count(`${got.status}`);
        if (got.status !== want.status) {
          failures.push(`${where}: status ${got.status}, expected ${want.status}: ${got.body.slice(0, 200)}`);
          continue;
        }
        if (got.status !== 200) {
          const status = JSON.parse(got.body) as { kind?: unknown; code?: unknown; message?: unknown };
          if (status.kind !== 'Status' || status.code !== got.status || typeof status.message !== 'string')
            failures.push(`${where}: a refusal that is not a Status: ${got.body.slice(0, 200)}`);
          else if (status.message.includes('\n')) failures.push(`${where}: a message of several lines`);
          continue;
        }
        const answer = JSON.parse(got.body) as {
          apiVersion?: unknown;
          kind?: unknown;
          response?: {
            uid?: unknown;
            allowed?: unknown;
            patchType?: unknown;
            patch?: unknown;
            warnings?: unknown;
          };
        };
        const response = answer.response;
        if (
          answer.apiVersion !== 'admission.k8s.io/v1' ||
          answer.kind !== 'AdmissionReview' ||
          !response ||
          response.uid !== want.uid ||
          response.allowed !== true
        ) {
          failures.push(
            `${where}: not an allowing AdmissionReview for uid ${want.uid}: ${got.body.slice(0, 200)}`,
          );
          continue;
        }
        const warnings: unknown = response.warnings ?? [];
        if (
          !Array.isArray(warnings) ||
          warnings.some(
            (w) => typeof w !== 'string' || [...w].length > MAX_WARNING_CHARS || /[\p{Cc}]/u.test(w),
          )
        )
          failures.push(`${where}: bad warnings ${JSON.stringify(warnings).slice(0, 200)}`);
        if (response.patch === undefined) {
          count(Array.isArray(warnings) && warnings.length > 0 ? 'allowed+warning' : 'allowed');
          if (response.patchType !== undefined) failures.push(`${where}: a patchType without a patch`);
          continue;
        }
        count('patched');
        if (response.patchType !== 'JSONPatch' || typeof response.patch !== 'string') {
          failures.push(`${where}: patchType ${String(response.patchType)}`);
          continue;
        }
        try {
          const ops = JSON.parse(
            Buffer.from(response.patch, 'base64').toString('utf8'),
          ) as jsonpatch.Operation[];
          jsonpatch.applyPatch(structuredClone(want.object), ops, true, true);
        } catch (error) {
          failures.push(`${where}: the patch does not apply: ${String(error).slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `webhook fuzz: ${cases.length} cases (${systematic} systematic) in ${seconds.toFixed(1)} s:`,
      Object.fromEntries([...tally].sort()),
    );

    expect(failures.slice(0, 20)).toEqual([]);
    // Every kind of answer was reached.
    for (const key of ['200', '400', '413', 'patched', 'allowed+warning'])
      expect(tally.get(key) ?? 0).toBeGreaterThan(0);
    // The servers are still up and answer a good review with a patch.
    for (const { port, agent } of servers.slice(0, 1)) {
      const reply = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(podReview());
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: INJECT_PATH,
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(reply).toBe(200);
    }
  });
});
