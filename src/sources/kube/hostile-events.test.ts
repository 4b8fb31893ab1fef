// Bad inputs through the watch (issue 14): 2,000 seeded hostile cases (test/kube-api/hostile-events.ts)
// against one running KubeSource fed by the fake API server over the real wire: fields of the wrong
// type or out of range, missing fields, unknown fields, bodies of another kind or apiVersion, objects
// the informer cannot file, deletes of what never existed or was deleted already, MODIFIED before
// ADDED, events older than what is served, junk bookmarks, events of no known type, lines that are
// not JSON, ERROR events, a resourceVersion the server refuses, and bursts of valid writes.
//
// Cases run in batches of objects no two cases share; each batch is followed by a sentinel write to
// every watched kind (so the state waited for has seen every event before it) and checked: each
// invalid object has an issue naming it and the field, each valid one is served with its content,
// each event that could not be filed was logged with why, nothing else was logged, and every issue is
// precise. Then the batch's objects are deleted and the state must be the baseline again, issues
// included. At checkpoints the watches are expired (relist) or ended (resume) and a baseline object is
// changed and changed back. Reproduce a failure with HOSTILE_SEED=<seed>.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeApiServer, startFakeApiServer } from '../../../test/kube-api/fake-api-server.js';
import {
  CLASSES,
  type Expectation,
  generateEventCase,
  type HostileEventCase,
  KIND_NAMES,
  type KindName,
  type Obj,
  type ObjectRef,
  originOf,
  type Step,
  validObject,
} from '../../../test/kube-api/hostile-events.js';
import { FAKE_RESOURCES, type FakeResource, fakeResource } from '../../../test/kube-api/object-store.js';
import { formatIssue, type Issue } from '../../model/issue.js';
import type { SourceState } from '../source.js';
import { KUBE_KINDS } from './kube-kinds.js';
import { KubeSource } from './kube-source.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20_251_114);
/** Fixed: the loop runs exactly this many cases. */
const CASES = 2_000;
/** Cases whose events are in flight together. */
const BATCH = 25;
/** Every wait for the source is bounded by this. */
const WAIT_MS = 10_000;
const CHECKPOINT_EVERY = 250;
/** Stop collecting after this many failures: the first ones say enough. */
const MAX_FAILURES = 30;
const MAX_LINE_CHARS = 600;
const SENTINEL = 'sentinel';

const RESOURCES = new Map<KindName, FakeResource>(KIND_NAMES.map((kind) => [kind, fakeResource(kind)]));
const KINDS = KUBE_KINDS.filter((k) => (KIND_NAMES as readonly string[]).includes(k.kind));

// ---------------------------------------------------------------------------------------------------
// The baseline: served before, during and after the run, with the same content.

const svc = (name: string, clusterIP: string, ports: Obj[]): Obj => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { clusterIP, selector: { app: name }, ports },
});

const slice = (service: string, port: number, addresses: string[]): Obj => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'main', port, protocol: 'TCP' }],
  endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
});

const pod = (name: string, app: string, version: string, ip: string, port: number): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', labels: { app, version } },
  spec: {
    serviceAccountName: app,
    containers: [{ name: app, ports: [{ name: 'main', containerPort: port }] }],
  },
  status: { podIP: ip },
});

const WEB_SLICE = slice('web', 8080, ['10.1.0.1', '10.1.0.2']);

const BASELINE: readonly Obj[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'shop' } } },
  svc('web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }]),
  svc('api', '10.96.0.11', [{ name: 'grpc', port: 9090, appProtocol: 'grpc', targetPort: 9090 }]),
  svc('db', '10.96.0.12', [{ name: 'tcp', port: 5432, targetPort: 5432 }]),
  WEB_SLICE,
  slice('api', 9090, ['10.1.1.1']),
  slice('db', 5432, ['10.1.2.1']),
  pod('web-0', 'web', 'v1', '10.1.0.1', 8080),
  pod('api-0', 'api', 'v1', '10.1.1.1', 9090),
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'shop', generation: 2 },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: [{ name: 'api', port: 9090 }],
        },
        { backendRefs: [{ name: 'web', port: 80 }] },
      ],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'api', namespace: 'shop', generation: 3 },
    spec: {
      hosts: ['api'],
      http: [
        { route: [{ destination: { host: 'api', subset: 'v1' } }], timeout: '2s', retries: { attempts: 2 } },
      ],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'api', namespace: 'shop', generation: 4 },
    spec: {
      host: 'api',
      trafficPolicy: { connectionPool: { tcp: { maxConnections: 50 } } },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    },
  },
  // Broken from the start and never touched: their issues must stay through relists and resumes.
  svc('broken', '10.96.0.13', [{ name: 'http', port: '80' }]),
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'broken', namespace: 'shop', generation: 1 },
    spec: { hosts: 'db', http: [] },
  },
];

const BASELINE_ISSUES = [
  'kube:core/Service/shop/broken[doc 0]: Service shop/broken: spec.ports[0].port: must be an integer 1..65535, got "80"',
  'kube:networking.istio.io/VirtualService/shop/broken[doc 0]: VirtualService shop/broken: spec.hosts: must be a list, got "db"',
];

/** What the state serves apart from the sentinels: it must be the same after every batch's cleanup. */
function projection(state: SourceState): string {
  const mesh = state.mesh;
  const notSentinel = (namespace: string | undefined) => namespace !== SENTINEL;
  return JSON.stringify({
    issues: state.issues,
    namespaces: mesh.namespaces.filter((n) => n.name !== SENTINEL),
    services: mesh.services.filter((s) => notSentinel(s.namespace)),
    endpointSlices: mesh.endpointSlices.filter((s) => notSentinel(s.namespace)),
    workloads: mesh.workloads.filter((w) => notSentinel(w.namespace)),
    routeTables: mesh.routing.routeTables.filter((t) => notSentinel(t.service.namespace)),
    backendPolicies: mesh.routing.backendPolicies.filter((p) => notSentinel(p.service.namespace)),
    rateLimits: mesh.routing.rateLimits,
    statuses: state.statuses.filter((s) => notSentinel(s.resource.namespace)),
    generations: ['HTTPRoute', 'VirtualService', 'DestinationRule'].map((kind) =>
      ['web', 'api', 'broken'].map((name) => state.generationOf?.({ kind, namespace: 'shop', name })),
    ),
  });
}

// ---------------------------------------------------------------------------------------------------
// Reading the state.

const find = <T extends { namespace: string; name: string }>(items: readonly T[], ref: ObjectRef) =>
  items.find((item) => item.namespace === ref.namespace && item.name === ref.name);

/** The marker of the object as served, or undefined when it is not served. */
function servedMarker(state: SourceState, ref: ObjectRef): number | undefined {
  const { mesh } = state;
  switch (ref.kind) {
    case 'Namespace': {
      const found = mesh.namespaces.find((n) => n.name === ref.name);
      return found ? Number(found.labels.marker) : undefined;
    }
    case 'Service':
      return find(mesh.services, ref)?.ports[0]?.port ?? (find(mesh.services, ref) ? -1 : undefined);
    case 'EndpointSlice':
      return (
        find(mesh.endpointSlices, ref)?.ports[0]?.port ?? (find(mesh.endpointSlices, ref) ? -1 : undefined)
      );
    case 'Pod':
      return find(mesh.workloads, ref)?.ports[0]?.port ?? (find(mesh.workloads, ref) ? -1 : undefined);
    default:
      return state.generationOf?.({ kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name });
  }
}

function pathMatches(actual: string, expected: string, exact: boolean): boolean {
  if (actual === expected) return true;
  return (
    !exact &&
    actual.startsWith(expected) &&
    (actual[expected.length] === '.' || actual[expected.length] === '[')
  );
}

/** What the issue says that is not precise, if anything. */
function imprecision(issue: Issue): string | undefined {
  const line = formatIssue(issue);
  if (!issue.message.trim()) return 'has an empty message';
  if (!issue.reason) return 'has no reason';
  if (issue.reason === 'InternalError') return 'is an InternalError';
  if (line.length > MAX_LINE_CHARS) return `is ${line.length} characters long`;
  if (line.includes('[object Object]')) return 'says [object Object]';
  if (/\bundefined\b|\bNaN\b/.test(line)) return 'says undefined or NaN';
  if (/\n\s+at .+:\d+:\d+/.test(line)) return 'holds a stack trace';
  if (!issue.origin.startsWith('kube:')) return 'has an origin that is no Kubernetes object';
  return undefined;
}

/** The same for a log line. */
function logImprecision(line: string): string | undefined {
  if (line.length > MAX_LINE_CHARS) return `is ${line.length} characters long`;
  if (line.includes('[object Object]')) return 'says [object Object]';
  if (/\bundefined\b|\bNaN\b/.test(line)) return 'says undefined or NaN';
  if (/\n\s+at .+:\d+:\d+/.test(line)) return 'holds a stack trace';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

describe(`${CASES} generated hostile watch events (seed ${SEED})`, () => {
  let server: FakeApiServer;
  let source: KubeSource;
  const states: SourceState[] = [];
  const logs: { level: number; text: string }[] = [];
  const unhandled: string[] = [];
  let current = 'the start';
  let baseline = '';
  let sequence = 0;
  let timedOut = false;
  const onUnhandled = (reason: unknown) => {
    unhandled.push(
      `${current}: an unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`,
    );
  };

  const latest = () => states.at(-1)!;

  /** Polls (bounded) until `check` holds on the latest state. */
  async function waitForState(what: string, check: (state: SourceState) => boolean): Promise<SourceState> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const state = states.at(-1);
      if (state && check(state)) return state;
      if (Date.now() > deadline) throw stuck(what);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }

  async function waitUntil(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!check()) {
      if (Date.now() > deadline) throw stuck(what);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }

  /** A wait that timed out: the source is stuck, and the cases after this one would say nothing more. */
  function stuck(what: string): Error {
    timedOut = true;
    return new Error(`${current}: timed out after ${WAIT_MS} ms waiting for ${what}`);
  }

  /**
   * Writes the next sentinel of every kind and waits for a state that has them all: each watch's
   * events before its sentinel are in that state. Every informer is watching, or this times out.
   */
  async function sync(): Promise<SourceState> {
    sequence += 1;
    const marker = 1000 + (sequence % 60_000);
    for (const kind of KIND_NAMES) server.store.apply(validObject(kind, SENTINEL, marker, SENTINEL));
    return waitForState(`sentinel ${marker} of every kind`, (state) =>
      KIND_NAMES.every(
        (kind) =>
          servedMarker(
            state,
            kind === 'Namespace' ? { kind, name: SENTINEL } : { kind, namespace: SENTINEL, name: SENTINEL },
          ) === marker,
      ),
    );
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startFakeApiServer({ resources: FAKE_RESOURCES });
    for (const object of BASELINE) server.store.apply(object);
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) {
          if (!line) continue;
          const entry = JSON.parse(line) as { level: number; msg?: unknown; err?: unknown };
          logs.push({
            level: entry.level,
            text: entry.err ? `${entry.msg} (${String(entry.err)})` : String(entry.msg),
          });
        }
        done();
      },
    });
    source = new KubeSource(server.kubeConfig(), {
      logger: pino({ level: 'info' }, stream),
      kinds: KINDS,
      debounceMs: 5,
      backoffMs: { initial: 10, max: 100 },
    });
    states.push(await source.start((state) => states.push(state)));
    await waitUntil('a watch of every kind', () => server.store.watcherCount() === KINDS.length);
    await sync();
    baseline = projection(latest());
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await source?.stop();
    await server?.stop();
  });

  it('the generator is deterministic and covers every class and kind', () => {
    expect(JSON.stringify(generateEventCase(SEED, 7))).toBe(JSON.stringify(generateEventCase(SEED, 7)));
    const classes = new Set<string>();
    const kinds = new Set<string>();
    for (let i = 0; i < CASES; i++) {
      const c = generateEventCase(SEED, i);
      classes.add(c.cls);
      for (const step of c.steps) if (step.op === 'raw' || step.op === 'line') kinds.add(step.kind);
    }
    expect([...classes].sort(), `seed ${SEED}`).toEqual([...CLASSES].sort());
    expect([...kinds].sort(), `seed ${SEED}`).toEqual([...KIND_NAMES].sort());
  });

  it('serves the baseline as written, with the issues of its two broken objects', () => {
    const state = latest();
    const web = state.mesh.services.find((s) => s.namespace === 'shop' && s.name === 'web');
    expect(web?.ports.map((p) => p.port)).toEqual([80]);
    expect(state.mesh.services.filter((s) => s.namespace === 'shop').map((s) => s.name)).toEqual([
      'api',
      'db',
      'web',
    ]);
    const webSlice = state.mesh.endpointSlices.find((s) => s.name === 'web-1');
    expect(webSlice?.endpoints.flatMap((e) => e.addresses)).toEqual(['10.1.0.1', '10.1.0.2']);
    expect(state.mesh.workloads.filter((w) => w.namespace === 'shop').map((w) => w.name)).toEqual([
      'api-0',
      'web-0',
    ]);
    expect(
      state.mesh.routing.routeTables.some((t) => t.service.name === 'api' && t.service.namespace === 'shop'),
    ).toBe(true);
    expect(state.mesh.routing.backendPolicies.some((p) => p.service.name === 'api')).toBe(true);
    expect(state.generationOf?.({ kind: 'HTTPRoute', namespace: 'shop', name: 'web' })).toBe(2);
    expect(state.issues.map(formatIssue)).toEqual(BASELINE_ISSUES);
  });

  it(`${CASES} cases: no crash, a precise issue or log line for each, everything else still served`, async () => {
    const failures: string[] = [];
    let cases = 0;
    let batch: HostileEventCase[] = [];
    let nextCheckpoint = CHECKPOINT_EVERY;
    const flush = async () => {
      if (batch.length === 0) return;
      failures.push(...(await runBatch(batch)));
      cases += batch.length;
      batch = [];
      if (cases >= nextCheckpoint && failures.length < MAX_FAILURES && !timedOut) {
        failures.push(...(await checkpoint(nextCheckpoint / CHECKPOINT_EVERY)));
        nextCheckpoint += CHECKPOINT_EVERY;
      }
    };
    for (let index = 0; index < CASES && failures.length < MAX_FAILURES && !timedOut; index++) {
      const c = generateEventCase(SEED, index);
      if (c.disruptive) {
        await flush();
        batch = [c];
        await flush();
      } else {
        batch.push(c);
        if (batch.length >= BATCH) await flush();
      }
    }
    await flush();
    failures.push(...unhandled);
    expect(failures, `seed ${SEED}: reproduce with HOSTILE_SEED=${SEED}`).toEqual([]);
    expect(cases, `seed ${SEED}`).toBe(CASES);

    // After the loop: every informer still sees a change, and the baseline is served as it was.
    current = 'after the loop';
    await sync();
    expect(projection(latest())).toBe(baseline);
    const more = { ...WEB_SLICE, endpoints: [{ addresses: ['10.1.0.9'], conditions: { ready: true } }] };
    server.store.apply(more);
    await waitForState('the changed baseline slice', (s) =>
      s.mesh.endpointSlices.some((e) => e.name === 'web-1' && e.endpoints[0]?.addresses[0] === '10.1.0.9'),
    );
    server.store.apply(WEB_SLICE);
    await sync();
    expect(projection(latest())).toBe(baseline);
    expect(server.store.watcherCount()).toBe(KINDS.length);
    expect(unhandled).toEqual([]);
  });

  /** Runs the steps of a batch's cases, checks what became of each, then deletes their objects. */
  async function runBatch(batch: readonly HostileEventCase[]): Promise<string[]> {
    const failures: string[] = [];
    const where = (c: HostileEventCase) => `seed ${SEED} case ${c.index} (${c.description})`;
    current = `seed ${SEED} cases ${batch[0]!.index}..${batch.at(-1)!.index}`;
    const logStart = logs.length;
    try {
      for (const c of batch) {
        const versions: string[] = [];
        for (const step of c.steps) {
          const wrong = runStep(step, versions);
          if (wrong) failures.push(`${where(c)}: ${wrong}`);
        }
      }
      if (batch.some((c) => c.disruptive))
        await waitUntil('a watch of every kind again', () => server.store.watcherCount() >= KINDS.length);
      const state = await sync();
      const said = logs.slice(logStart);
      const explained = new Set<number>();
      for (const c of batch)
        failures.push(...checkCase(c, state, said, explained).map((f) => `${where(c)}: ${f}`));
      failures.push(...checkState(state, batch));
      failures.push(...checkLogs(said, explained, current));

      // Cleanup: the state is the baseline again, issues included.
      for (const c of batch) {
        const versions: string[] = [];
        for (const step of c.cleanup) {
          const wrong = runStep(step, versions);
          if (wrong) failures.push(`${where(c)}: cleanup: ${wrong}`);
        }
      }
      const cleanLogs = logs.length;
      const after = await sync();
      if (projection(after) !== baseline)
        failures.push(`${current}: after the cleanup, the state is not the baseline: ${difference(after)}`);
      failures.push(...checkLogs(logs.slice(cleanLogs), new Set(), `${current} cleanup`));
    } catch (err) {
      failures.push(
        `${current} (${batch
          .map((c) => c.description)
          .join('; ')
          .slice(0, 2000)}): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return failures;
  }

  /** Relists, resumes and a baseline change, with the checks that the baseline is served as it was. */
  async function checkpoint(n: number): Promise<string[]> {
    current = `seed ${SEED} checkpoint ${n}`;
    const failures: string[] = [];
    try {
      const logStart = logs.length;
      if (n % 2 === 1) server.store.expireWatches();
      else server.store.endWatches();
      await waitUntil(
        'a watch of every kind after the checkpoint',
        () => server.store.watcherCount() >= KINDS.length,
      );
      await sync();
      if (projection(latest()) !== baseline)
        failures.push(
          `${current}: after ${n % 2 === 1 ? 'a relist' : 'a resume'}, not the baseline: ${difference(latest())}`,
        );
      const address = `10.1.0.${100 + (n % 100)}`;
      server.store.apply({
        ...WEB_SLICE,
        endpoints: [{ addresses: [address], conditions: { ready: true } }],
      });
      await waitForState(`the baseline slice moved to ${address}`, (s) =>
        s.mesh.endpointSlices.some((e) => e.name === 'web-1' && e.endpoints[0]?.addresses[0] === address),
      );
      server.store.apply(WEB_SLICE);
      await sync();
      if (projection(latest()) !== baseline)
        failures.push(`${current}: the baseline is not back: ${difference(latest())}`);
      failures.push(...checkLogs(logs.slice(logStart), new Set(), current));
    } catch (err) {
      failures.push(`${current}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return failures;
  }

  /** Runs one step; says what went wrong with the test's own machinery, if anything. */
  function runStep(step: Step, versions: string[]): string | undefined {
    switch (step.op) {
      case 'apply':
        versions.push(server.store.apply(step.object));
        return undefined;
      case 'remove':
        server.store.remove(step.object);
        return undefined;
      case 'raw': {
        const event = structuredClone(step.event) as { object?: unknown };
        const object = event.object as { metadata?: Record<string, unknown> } | undefined;
        if (
          step.rv !== undefined &&
          object &&
          typeof object === 'object' &&
          object.metadata &&
          typeof object.metadata === 'object'
        ) {
          object.metadata.resourceVersion =
            step.rv === 'now' ? server.store.resourceVersion() : versions[step.rv];
        }
        const sent = server.store.sendRaw(RESOURCES.get(step.kind)!, event);
        return sent >= 1 ? undefined : `no watch of ${step.kind} was open to send the event to`;
      }
      case 'line': {
        const sent = server.store.sendRaw(RESOURCES.get(step.kind)!, step.text);
        return sent >= 1 ? undefined : `no watch of ${step.kind} was open to send the line to`;
      }
      case 'end-watches':
        server.store.endWatches();
        return undefined;
    }
  }

  /** Whether the state says of the case what it must; marks the log lines its expectations explain. */
  function checkCase(
    c: HostileEventCase,
    state: SourceState,
    said: typeof logs,
    explained: Set<number>,
  ): string[] {
    const out: string[] = [];
    const issuesOf = (ref: ObjectRef) => state.issues.filter((i) => i.origin === originOf(ref));
    const shownIssues = (ref: ObjectRef) =>
      issuesOf(ref).map(formatIssue).join(' | ').slice(0, 800) || 'none';
    const inMesh = (ref: ObjectRef) => servedMarker(state, ref) !== undefined;
    const expectations: readonly Expectation[] = c.expect;
    for (const e of expectations) {
      switch (e.type) {
        case 'issue': {
          const match = issuesOf(e.ref).find(
            (i) =>
              i.severity === e.severity &&
              pathMatches(i.fieldPath, e.fieldPath, e.exact) &&
              (!e.reasons || e.reasons.includes(i.reason)) &&
              i.resource?.kind === e.ref.kind &&
              (i.resource?.name ?? '') === e.ref.name &&
              (e.ref.namespace === undefined || i.resource?.namespace === e.ref.namespace),
          );
          if (!match)
            out.push(
              `no ${e.severity} about ${originOf(e.ref)} at ${e.fieldPath}${e.exact ? '' : ' (or under it)'}${e.reasons ? ` (${e.reasons.join('/')})` : ''}; its issues: ${shownIssues(e.ref)}`,
            );
          break;
        }
        case 'served': {
          const marker = servedMarker(state, e.ref);
          if (marker !== e.marker)
            out.push(`${originOf(e.ref)} is served with marker ${marker}, not ${e.marker}`);
          const errors = issuesOf(e.ref).filter((i) => i.severity === 'error');
          if (errors.length > 0)
            out.push(`${originOf(e.ref)} is served but has errors: ${shownIssues(e.ref)}`);
          if (!expectations.some((x) => x.type === 'issue') && issuesOf(e.ref).length > 0)
            out.push(`${originOf(e.ref)} has issues no one expected: ${shownIssues(e.ref)}`);
          break;
        }
        case 'absent':
          if (inMesh(e.ref)) out.push(`${originOf(e.ref)} is served, and should not be`);
          if (issuesOf(e.ref).length > 0) out.push(`${originOf(e.ref)} has issues: ${shownIssues(e.ref)}`);
          break;
        case 'not-served':
          if (inMesh(e.ref)) out.push(`${originOf(e.ref)} is served although invalid`);
          break;
        case 'warned':
        case 'restarted': {
          const at = said.findIndex(
            (l, i) => !explained.has(i) && l.level === 40 && e.words.every((w) => l.text.includes(w)),
          );
          if (at < 0) out.push(`no warning saying ${JSON.stringify(e.words)}`);
          else explained.add(at);
          break;
        }
      }
    }
    for (const ref of c.objects)
      for (const issue of issuesOf(ref)) {
        const bad = imprecision(issue);
        if (bad) out.push(`an issue ${bad}: ${formatIssue(issue).slice(0, 300)}`);
      }
    return out;
  }

  /** Every issue of the state is about the baseline or an object of the batch, and precise. */
  function checkState(state: SourceState, batch: readonly HostileEventCase[]): string[] {
    const out: string[] = [];
    const origins = new Set(batch.flatMap((c) => c.objects.map(originOf)));
    for (const issue of state.issues) {
      const line = formatIssue(issue);
      if (!origins.has(issue.origin) && !BASELINE_ISSUES.includes(line))
        out.push(`${current}: an issue about no object of the batch: ${line.slice(0, 300)}`);
      const bad = imprecision(issue);
      if (bad) out.push(`${current}: an issue ${bad}: ${line.slice(0, 300)}`);
    }
    for (const line of BASELINE_ISSUES)
      if (!state.issues.some((i) => formatIssue(i) === line))
        out.push(`${current}: the baseline issue is gone: ${line}`);
    return out;
  }

  /** Nothing logged that no expectation explains; nothing at error level; every line precise. */
  function checkLogs(said: typeof logs, explained: ReadonlySet<number>, when: string): string[] {
    const out: string[] = [];
    said.forEach((line, i) => {
      if (line.level >= 50) out.push(`${when}: logged an error: ${line.text.slice(0, 300)}`);
      else if (line.level === 40 && !explained.has(i))
        out.push(`${when}: an unexpected warning: ${line.text.slice(0, 300)}`);
      const bad = logImprecision(line.text);
      if (bad) out.push(`${when}: a log line ${bad}: ${line.text.slice(0, 300)}`);
    });
    return out;
  }

  /** Where a state differs from the baseline, shortly. */
  function difference(state: SourceState): string {
    const now = JSON.parse(projection(state)) as Record<string, unknown>;
    const then = JSON.parse(baseline) as Record<string, unknown>;
    const keys = Object.keys(then).filter((key) => JSON.stringify(now[key]) !== JSON.stringify(then[key]));
    return keys.map((key) => `${key}: ${JSON.stringify(now[key]).slice(0, 400)}`).join('; ') || 'nothing?';
  }
});
