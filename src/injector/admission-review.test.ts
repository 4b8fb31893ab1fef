import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { fail, ok } from '../model/result.js';
import {
  type AdmissionAnswer,
  answerAdmissionReview,
  applyJsonPatch,
  type JsonPatchOperation,
  MAX_WARNING_CHARS,
  type PodMutationRequest,
  type PodMutator,
  readPatch,
  warning,
} from './admission-review.js';
import {
  annotateAndAddContainer,
  careless,
  INJECTED_ANNOTATION,
  podReview,
  realisticPod,
  refusing,
  SIDECAR_NAME,
  throwing,
} from './webhook-testing.js';

const answer = (body: unknown, mutator: PodMutator = annotateAndAddContainer): AdmissionAnswer =>
  answerAdmissionReview(typeof body === 'string' ? body : JSON.stringify(body), mutator);

function allowed(a: AdmissionAnswer) {
  if (a.status !== 200) throw new Error(`expected 200, got ${a.status}: ${a.message}`);
  expect(a.review.apiVersion).toBe('admission.k8s.io/v1');
  expect(a.review.kind).toBe('AdmissionReview');
  expect(a.review.response.allowed).toBe(true);
  expect(a.review.response.uid).toBe(a.uid);
  return a.review.response;
}

function decodedPatch(a: AdmissionAnswer): jsonpatch.Operation[] {
  const response = allowed(a);
  expect(response.patchType).toBe('JSONPatch');
  return JSON.parse(Buffer.from(response.patch!, 'base64').toString('utf8')) as jsonpatch.Operation[];
}

describe('reading an AdmissionReview: every refusal is 400 with one line', () => {
  const review = podReview();
  const cases: [string, string, string][] = [
    [
      'malformed JSON',
      '{"apiVersion": "admission.k8s.io/v1",',
      'malformed JSON at byte offset 37: unexpected end of input',
    ],
    ['a JSON syntax error', '{"a": tru}', 'malformed JSON at byte offset 6: expected a value'],
    ['an array', '[]', 'the body must be a JSON object (an AdmissionReview), not an array'],
    ['a number', '42', 'the body must be a JSON object (an AdmissionReview), not a number'],
    ['null', 'null', 'the body must be a JSON object (an AdmissionReview), not null'],
    [
      'no apiVersion',
      JSON.stringify({ ...review, apiVersion: undefined }),
      'apiVersion must be admission.k8s.io/v1, got nothing',
    ],
    [
      'admission.k8s.io/v1beta1',
      JSON.stringify({ ...review, apiVersion: 'admission.k8s.io/v1beta1' }),
      'apiVersion admission.k8s.io/v1beta1 is not served: admission.k8s.io/v1 is required (admissionReviewVersions: ["v1"])',
    ],
    [
      'another apiVersion',
      JSON.stringify({ ...review, apiVersion: 'v1' }),
      'apiVersion must be admission.k8s.io/v1, got "v1"',
    ],
    [
      'apiVersion a number',
      JSON.stringify({ ...review, apiVersion: 1 }),
      'apiVersion must be admission.k8s.io/v1, got a number',
    ],
    ['another kind', JSON.stringify({ ...review, kind: 'Pod' }), 'kind must be AdmissionReview, got "Pod"'],
    ['no kind', JSON.stringify({ ...review, kind: undefined }), 'kind must be AdmissionReview, got nothing'],
    ['no request', JSON.stringify({ ...review, request: undefined }), 'request is missing'],
    ['a null request', JSON.stringify({ ...review, request: null }), 'request is missing'],
    [
      'a string request',
      JSON.stringify({ ...review, request: 'x' }),
      'request must be an object, not a string',
    ],
    [
      'no uid',
      JSON.stringify({ ...review, request: { ...review.request, uid: undefined } }),
      'request.uid is missing',
    ],
    [
      'a numeric uid',
      JSON.stringify({ ...review, request: { ...review.request, uid: 7 } }),
      'request.uid must be a string, not a number',
    ],
    [
      'an empty uid',
      JSON.stringify({ ...review, request: { ...review.request, uid: '' } }),
      'request.uid is empty',
    ],
    [
      'nesting deeper than 100',
      JSON.stringify({ ...review, extra: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) }),
      'the JSON nests deeper than 100 levels (at offset ',
    ],
  ];
  it.each(cases)('%s', (_name, body, message) => {
    const a = answer(body);
    expect(a.status).toBe(400);
    if (a.status !== 400) return;
    if (message.endsWith('offset ')) expect(a.message.startsWith(message)).toBe(true);
    else expect(a.message).toBe(message);
    expect(a.message).not.toContain('\n');
  });

  it('never quotes a long value back', () => {
    const a = answer({ ...review, kind: 'K'.repeat(10_000) });
    expect(a.status).toBe(400);
    if (a.status === 400) expect(a.message.length).toBeLessThan(120);
  });

  it('quotes no text of a syntax error, only its offset', () => {
    const a = answer('{"apiVersion": "secret-token-abc" oops}');
    expect(a).toEqual({ status: 400, message: 'malformed JSON at byte offset 34: expected "," or "}"' });
  });
});

describe('answering a Pod being created', () => {
  it('echoes the uid and sends the patch as base64 JSON', () => {
    const a = answer(podReview(realisticPod(), { uid: 'b1f3c0de-0000-4000-8000-000000000001' }));
    expect(a.status).toBe(200);
    if (a.status !== 200) return;
    expect(a.uid).toBe('b1f3c0de-0000-4000-8000-000000000001');
    expect(a.outcome).toEqual({ kind: 'patched', operations: 2 });
    const response = allowed(a);
    expect(Object.keys(response).sort()).toEqual(['allowed', 'patch', 'patchType', 'uid']);
    const patch = decodedPatch(a);
    expect(patch).toEqual([
      { op: 'add', path: '/metadata/annotations/trellis.dev~1injected', value: 'true' },
      expect.objectContaining({ op: 'add', path: '/spec/containers/-' }),
    ]);
  });

  it('sends a patch that a real RFC 6902 implementation applies to the pod', () => {
    const pod = realisticPod();
    const patched = jsonpatch.applyPatch(
      structuredClone(pod),
      decodedPatch(answer(podReview(pod))),
      true,
      false,
    ).newDocument as ReturnType<typeof realisticPod> & {
      metadata: { annotations: Record<string, string> };
      spec: { containers: { name: string }[] };
    };
    expect(patched.metadata.annotations[INJECTED_ANNOTATION]).toBe('true');
    expect(patched.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe('2024-05-02T10:11:12Z');
    expect(patched.spec.containers.map((c) => c.name)).toEqual(['reviews', SIDECAR_NAME]);
  });

  it('adds the annotations map to a pod without one', () => {
    const pod = realisticPod() as { metadata: Record<string, unknown> };
    delete pod.metadata.annotations;
    const patch = decodedPatch(answer(podReview(pod)));
    expect(patch[0]).toEqual({
      op: 'add',
      path: '/metadata/annotations',
      value: { [INJECTED_ANNOTATION]: 'true' },
    });
    jsonpatch.applyPatch(structuredClone(pod), patch, true, false);
  });

  it('hands the mutator the pod, the request namespace, CREATE and dryRun', () => {
    const seen: PodMutationRequest[] = [];
    const spy: PodMutator = {
      mutate(request) {
        seen.push(request);
        return ok([]);
      },
    };
    const pod = realisticPod();
    answer(podReview(pod, { namespace: 'payments', dryRun: true }), spy);
    expect(seen).toEqual([{ pod, namespace: 'payments', operation: 'CREATE', dryRun: true }]);
  });

  it('answers an empty patch with allowed and nothing else', () => {
    const pod = realisticPod() as { metadata: { annotations: Record<string, string> } };
    pod.metadata.annotations[INJECTED_ANNOTATION] = 'true';
    const a = answer(podReview(pod));
    expect(a.status === 200 && a.outcome).toEqual({ kind: 'unchanged' });
    expect(allowed(a)).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('sends only the members RFC 6902 defines for each op', () => {
    const extra: PodMutator = {
      mutate: () =>
        ok([
          { op: 'add', path: '/metadata/labels/x', value: 'y', from: '/nope', note: 1 } as JsonPatchOperation,
        ]),
    };
    expect(decodedPatch(answer(podReview(), extra))).toEqual([
      { op: 'add', path: '/metadata/labels/x', value: 'y' },
    ]);
  });

  it('checks the patch against the object as sent, not as the mutator left it', () => {
    const vandal: PodMutator = {
      mutate({ pod }) {
        (pod as { spec: unknown }).spec = { containers: [] };
        (pod as { metadata: Record<string, unknown> }).metadata.extra = {};
        return ok([{ op: 'add', path: '/metadata/extra/x', value: 1 }]);
      },
    };
    const a = answer(podReview(), vandal);
    expect(allowed(a).warnings).toEqual([
      'trellis: sidecar not injected: the patch does not apply: operation 0 (add /metadata/extra/x): Cannot perform an `add` operation at the desired path',
    ]);
    expect(allowed(a).patch).toBeUndefined();
  });
});

describe('what is not injected is allowed, with a warning and no patch', () => {
  const skipped = (a: AdmissionAnswer, warningText: string) => {
    const response = allowed(a);
    expect(response).toEqual({ uid: response.uid, allowed: true, warnings: [warningText] });
  };
  const withRequest = (changes: Record<string, unknown>) => {
    const review = podReview();
    return { ...review, request: { ...review.request, ...changes } };
  };

  it('an object that is not a Pod', () => {
    skipped(
      answer(withRequest({ kind: { group: 'apps', version: 'v1', kind: 'Deployment' } })),
      'trellis: sidecar not injected: the object is a apps/v1 Deployment, not a v1 Pod',
    );
    skipped(
      answer(withRequest({ kind: { group: '', version: 'v1', kind: 'Service' } })),
      'trellis: sidecar not injected: the object is a v1 Service, not a v1 Pod',
    );
    skipped(
      answer(withRequest({ kind: undefined })),
      'trellis: sidecar not injected: request.kind is missing, so the object is not known to be a Pod',
    );
  });

  it('a subresource or another resource', () => {
    skipped(
      answer(withRequest({ subResource: 'ephemeralcontainers' })),
      'trellis: sidecar not injected: the request is for the subresource pods/ephemeralcontainers',
    );
    skipped(
      answer(withRequest({ resource: { group: '', version: 'v1', resource: 'bindings' } })),
      'trellis: sidecar not injected: the resource is bindings, not pods',
    );
  });

  it('an operation other than CREATE', () => {
    skipped(
      answer(withRequest({ operation: 'UPDATE' })),
      'trellis: sidecar not injected: operation UPDATE: only pods being created are injected',
    );
    skipped(
      answer(withRequest({ operation: 7 })),
      'trellis: sidecar not injected: request.operation is missing',
    );
  });

  it('a request without a namespace, object or with a bad dryRun', () => {
    skipped(
      answer(withRequest({ namespace: '' })),
      'trellis: sidecar not injected: request.namespace is missing',
    );
    skipped(
      answer(withRequest({ object: 'pod' })),
      'trellis: sidecar not injected: request.object must be an object, not a string',
    );
    skipped(
      answer(withRequest({ dryRun: 'yes' })),
      'trellis: sidecar not injected: request.dryRun must be a boolean, not a string',
    );
  });

  it('the mutator’s error', () => {
    const a = answer(podReview(), refusing);
    skipped(a, 'trellis: sidecar not injected: namespace shop: trust bundle ConfigMap not found');
    expect(a.status === 200 && a.outcome).toEqual({
      kind: 'skipped',
      reason: 'namespace shop: trust bundle ConfigMap not found',
    });
  });

  it('the mutator’s throw, kept for the log', () => {
    const a = answer(podReview(), throwing);
    skipped(
      a,
      'trellis: sidecar not injected: internal error in the injector: boom: cannot read properties of undefined',
    );
    expect(a.status === 200 && a.outcome.kind).toBe('failed');
    expect(a.status === 200 && a.outcome.kind === 'failed' && a.outcome.error).toBeInstanceOf(Error);
  });

  it('a mutator that returns nonsense', () => {
    const returns = (value: unknown): PodMutator => ({
      mutate: () => value as ReturnType<PodMutator['mutate']>,
    });
    skipped(
      answer(podReview(), returns(undefined)),
      'trellis: sidecar not injected: the mutator returned no result',
    );
    skipped(
      answer(podReview(), returns(fail([]))),
      'trellis: sidecar not injected: the mutator gave no reason',
    );
    skipped(
      answer(podReview(), returns(ok({ op: 'add' }))),
      'trellis: sidecar not injected: the patch is invalid: a patch is an array, not an object',
    );
    skipped(
      answer(podReview(), returns(ok([{ op: 'add', path: '/a', value: 1n }]))),
      'trellis: sidecar not injected: the patch is not JSON (Do not know how to serialize a BigInt)',
    );
    skipped(
      answer(podReview(), returns(ok([{ op: 'add', path: '/metadata/x' }]))),
      'trellis: sidecar not injected: the patch is invalid: operation 0 (add /metadata/x) has no value',
    );
  });

  it('a patch that does not apply to the pod', () => {
    const pod = realisticPod() as { metadata: Record<string, unknown> };
    delete pod.metadata.annotations;
    skipped(
      answer(podReview(pod), careless),
      'trellis: sidecar not injected: the patch does not apply: operation 1 (add /metadata/annotations/trellis.dev~1injected): Cannot perform an `add` operation at the desired path',
    );
  });
});

describe('warnings', () => {
  it("passes on the mutator's warnings with its patch, each one line, at most 20", () => {
    const many = Array.from({ length: 30 }, (_, i) => `probe ${i}\nleft as it is`);
    const answer = answerAdmissionReview(JSON.stringify(podReview()), {
      mutate: () => ({
        ok: true,
        value: { patch: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }], warnings: many },
      }),
    });
    if (answer.status !== 200) throw new Error(answer.message);
    expect(answer.review.response.patchType).toBe('JSONPatch');
    expect(answer.review.response.warnings).toHaveLength(20);
    expect(answer.review.response.warnings?.[0]).toBe('trellis: probe 0 left as it is');
  });

  it('are one line of at most 256 characters', () => {
    const w = warning(`a\nb\r\n\tc\u0000d\u2028e ${'x'.repeat(1000)}`);
    expect(w.startsWith('trellis: a b c d e xxx')).toBe(true);
    expect([...w]).toHaveLength(MAX_WARNING_CHARS);
    expect(w.endsWith('…')).toBe(true);
    expect(warning('short')).toBe('trellis: short');
  });
});

describe('JSON Patch', () => {
  it('refuses malformed operations', () => {
    expect(readPatch([{ op: 'frob', path: '/a' }])).toEqual(fail(['operation 0 has an unknown op "frob"']));
    expect(readPatch([{ op: 'add', path: 'a', value: 1 }])).toEqual(
      fail(['operation 0: path "a" is not a JSON pointer']),
    );
    expect(readPatch([{ op: 'add', path: '/a~2', value: 1 }])).toEqual(
      fail(['operation 0: path "/a~2" is not a JSON pointer']),
    );
    expect(readPatch([{ op: 'move', path: '/a' }])).toEqual(
      fail(['operation 0 (move /a) has no valid from']),
    );
    expect(readPatch([null])).toEqual(fail(['operation 0 is not an object']));
    expect(readPatch([{ op: 'remove' }])).toEqual(fail(['operation 0 has no path']));
  });

  it('says which operation does not apply (fast-json-patch applies them)', () => {
    const result = applyJsonPatch({ a: {} }, [
      { op: 'add', path: '/a/b', value: 1 },
      { op: 'remove', path: '/a/b/c' },
    ]);
    expect(result.ok ? '' : result.errors[0]).toMatch(/^operation 1 \(remove \/a\/b\/c\): /);
  });

  it('refuses a patch that would reach a prototype through a key named __proto__', () => {
    const target = JSON.parse('{"metadata": {}}') as Record<string, Record<string, unknown>>;
    const result = applyJsonPatch(target, [
      { op: 'add', path: '/metadata/__proto__', value: { polluted: true } },
    ]);
    expect(result.ok).toBe(false);
    expect(Object.getPrototypeOf(target.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
