// The wire format of the injector's webhook: reading an `admission.k8s.io/v1` AdmissionReview that
// the API server POSTs, and writing the AdmissionReview it answers. No I/O: the server
// (webhook-server.ts) hands the body over and sends back what this file returns.
//
// Two kinds of answer:
// - A request we cannot read as a v1 AdmissionReview with a uid is refused with 400 and a one-line
//   message: without a uid there is no answer the API server would accept, and it never sends one.
// - From the moment the uid is known, the answer is an AdmissionReview with `allowed: true`. If the
//   pod is not injected for any reason (not a Pod, not a CREATE, the mutator's error or throw, a
//   patch that would not apply) the answer carries no patch and a warning saying what was skipped
//   and why: our failure never blocks the user's pod, whatever the webhook's failurePolicy.
//
// Every patch is checked before it is sent: it is serialised as it will be sent, read back, and
// applied (RFC 6902, applyJsonPatch below) to the object freshly read from the body, which is what
// the API server applies it to. A patch that does not apply would fail the API server's call.

import jsonpatch from 'fast-json-patch';
import { fail, ok, type Result } from '../model/result.js';
import { scanJson } from '../sources/files/json-scan.js';

export const ADMISSION_REVIEW_API_VERSION = 'admission.k8s.io/v1';

/**
 * The deepest nesting of objects and arrays read in a review. A Pod nests about 10 levels under
 * the review's 3 (spec.affinity's node selector terms are the deepest), and the API server drops
 * the fields it does not know before calling us, so 100 is far above any real request; it bounds
 * the recursion of whatever reads the pod (mutator, patch check), not JSON.parse, which is iterative.
 */
export const DEFAULT_MAX_JSON_DEPTH = 100;

/**
 * Kubernetes shows warnings to the user (kubectl prints them); it asks for 120 characters where
 * possible and may cut those over 256. Ours are cut to 256 with an ellipsis, and control
 * characters become spaces, so a mutator's reason cannot break the header it ends up in.
 */
/** Warnings passed on from a mutator, at most. */
const MAX_WARNINGS = 20;
export const MAX_WARNING_CHARS = 256;

/** An RFC 6902 operation, as sent in the review's `patch`. */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string };

export interface PodMutationRequest {
  /** request.object as sent: a JSON object, otherwise unchecked. */
  readonly pod: unknown;
  /** request.namespace (a pod being created may have no metadata.namespace yet). */
  readonly namespace: string;
  /** Always CREATE today: other operations are skipped before the mutator is asked. */
  readonly operation: string;
  readonly dryRun: boolean;
}

/** The pod mutation, a pure function written elsewhere; namespace labels it looks up itself. */
/** A patch with what the user should hear about it (the API server shows warnings to kubectl). */
export interface PatchWithWarnings {
  readonly patch: readonly JsonPatchOperation[];
  readonly warnings: readonly string[];
}

export interface PodMutator {
  /** The JSONPatch for this pod (empty: nothing to do), with warnings or not, or why it could not be built. */
  mutate(request: PodMutationRequest): Result<readonly JsonPatchOperation[] | PatchWithWarnings, string>;
}

/** The `response` of the AdmissionReview we send. `allowed` is always true. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: true;
  readonly patchType?: 'JSONPatch';
  /** base64 of the JSON array of operations. */
  readonly patch?: string;
  readonly warnings?: readonly string[];
}

export interface AdmissionReviewResponse {
  readonly apiVersion: typeof ADMISSION_REVIEW_API_VERSION;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/** What was done with a readable review, for the log. */
export type AdmissionOutcome =
  | { readonly kind: 'patched'; readonly operations: number }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** The mutator or this file threw: a bug, logged with the error. */
  | { readonly kind: 'failed'; readonly reason: string; readonly error: unknown };

export type AdmissionAnswer =
  | {
      readonly status: 200;
      readonly uid: string;
      readonly review: AdmissionReviewResponse;
      readonly outcome: AdmissionOutcome;
    }
  | { readonly status: 400; readonly message: string };

/** The parts of a review read before the mutator is asked. */
export interface ReadReview {
  readonly uid: string;
  /** `request` as sent: its other fields are checked by admitPod. */
  readonly request: Readonly<Record<string, unknown>>;
}

export interface AnswerOptions {
  readonly maxDepth?: number;
}

/**
 * The whole answer to a request body: 400 with a message if it is not a v1 AdmissionReview with a
 * uid, else an AdmissionReview that allows the object, with the mutator's patch or a warning.
 */
export function answerAdmissionReview(
  body: string,
  mutator: PodMutator,
  options: AnswerOptions = {},
): AdmissionAnswer {
  const read = readAdmissionReview(body, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
  if (!read.ok) return { status: 400, message: read.errors[0] ?? 'bad request' };
  const { uid } = read.value;
  try {
    // The patch is checked on a fresh copy of the object: the mutator may have changed its argument.
    const fresh = () => (JSON.parse(body) as { request: { object: unknown } }).request.object;
    return { status: 200, uid, ...admitPod(read.value, mutator, fresh) };
  } catch (error) {
    return { status: 200, uid, ...failed(uid, error) };
  }
}

/**
 * Reads the envelope: JSON (UTF-8 is the caller's part) nested at most `maxDepth`, an object with
 * `apiVersion: admission.k8s.io/v1`, `kind: AdmissionReview` and a `request` object whose `uid` is a
 * non-empty string. An error is one line, naming the field; no part of the body is quoted back
 * except short values of apiVersion and kind.
 */
export function readAdmissionReview(
  body: string,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): Result<ReadReview, string> {
  const scan = scanJson(body, maxDepth, Number.POSITIVE_INFINITY);
  if (scan.syntax)
    return fail([`malformed JSON at byte offset ${scan.syntax.offset}: ${scan.syntax.message}`]);
  if (scan.tooDeep)
    return fail([`the JSON nests deeper than ${maxDepth} levels (at offset ${scan.tooDeep.offset})`]);
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch {
    return fail(['malformed JSON']);
  }
  if (!isRecord(review))
    return fail([`the body must be a JSON object (an AdmissionReview), not ${typeName(review)}`]);
  const { apiVersion, kind, request } = review;
  if (apiVersion !== ADMISSION_REVIEW_API_VERSION) {
    if (apiVersion === 'admission.k8s.io/v1beta1')
      return fail([
        `apiVersion admission.k8s.io/v1beta1 is not served: ${ADMISSION_REVIEW_API_VERSION} is required (admissionReviewVersions: ["v1"])`,
      ]);
    return fail([`apiVersion must be ${ADMISSION_REVIEW_API_VERSION}, got ${shortValue(apiVersion)}`]);
  }
  if (kind !== 'AdmissionReview') return fail([`kind must be AdmissionReview, got ${shortValue(kind)}`]);
  if (request === undefined || request === null) return fail(['request is missing']);
  if (!isRecord(request)) return fail([`request must be an object, not ${typeName(request)}`]);
  const { uid } = request;
  if (uid === undefined || uid === null) return fail(['request.uid is missing']);
  if (typeof uid !== 'string') return fail([`request.uid must be a string, not ${typeName(uid)}`]);
  if (uid === '') return fail(['request.uid is empty']);
  return ok({ uid, request });
}

/**
 * The answer to a readable review: the mutator's patch for a Pod being created, checked, or no
 * patch and a warning. `freshObject` returns request.object as sent, untouched by the mutator.
 */
export function admitPod(
  review: ReadReview,
  mutator: PodMutator,
  freshObject: () => unknown = () => structuredClone(review.request.object),
): { review: AdmissionReviewResponse; outcome: AdmissionOutcome } {
  const { uid, request } = review;
  const skip = (reason: string) => ({
    review: allow(uid, { warnings: [warning(`sidecar not injected: ${reason}`)] }),
    outcome: { kind: 'skipped', reason } as const,
  });
  const notPod = notAPodCreation(request);
  if (notPod) return skip(notPod);
  const { namespace, object, dryRun } = request;
  if (typeof namespace !== 'string' || namespace === '') return skip('request.namespace is missing');
  if (!isRecord(object)) return skip(`request.object must be an object, not ${typeName(object)}`);
  if (dryRun !== undefined && typeof dryRun !== 'boolean')
    return skip(`request.dryRun must be a boolean, not ${typeName(dryRun)}`);

  let result: Result<readonly JsonPatchOperation[] | PatchWithWarnings, string>;
  try {
    result = mutator.mutate({ pod: object, namespace, operation: 'CREATE', dryRun: dryRun === true });
  } catch (error) {
    return failed(uid, error);
  }
  if (typeof result !== 'object' || result === null) return skip('the mutator returned no result');
  if (!result.ok)
    return skip(
      Array.isArray(result.errors) && result.errors.length > 0
        ? result.errors.map(String).join('; ')
        : 'the mutator gave no reason',
    );
  const value: unknown = result.value;
  const withWarnings = isRecord(value) && 'patch' in value;
  const patch = withWarnings ? value.patch : value;
  // Bounded: a pod with many containers could make many.
  const told =
    withWarnings && Array.isArray(value.warnings)
      ? value.warnings.slice(0, MAX_WARNINGS).map((w) => warning(String(w)))
      : [];
  if (Array.isArray(patch) && patch.length === 0)
    return { review: allow(uid, told.length > 0 ? { warnings: told } : {}), outcome: { kind: 'unchanged' } };

  // What the API server will read: the operations as JSON, read back, with only the members RFC 6902
  // defines for each op.
  let operations: Result<JsonPatchOperation[], string>;
  try {
    operations = readPatch(JSON.parse(JSON.stringify(patch) ?? 'null') as unknown);
  } catch (error) {
    return skip(`the patch is not JSON (${errorMessage(error)})`);
  }
  if (!operations.ok) return skip(`the patch is invalid: ${operations.errors[0]}`);
  const applied = applyJsonPatch(freshObject(), operations.value);
  if (!applied.ok) return skip(`the patch does not apply: ${applied.errors[0]}`);
  return {
    review: allow(uid, {
      patch: Buffer.from(JSON.stringify(operations.value)).toString('base64'),
      ...(told.length > 0 ? { warnings: told } : {}),
    }),
    outcome: { kind: 'patched', operations: operations.value.length },
  };
}

/** An AdmissionReview that allows the object, with a patch and warnings if given. */
export function allow(
  uid: string,
  extra: { readonly patch?: string; readonly warnings?: readonly string[] } = {},
): AdmissionReviewResponse {
  return {
    apiVersion: ADMISSION_REVIEW_API_VERSION,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(extra.patch !== undefined ? { patchType: 'JSONPatch' as const, patch: extra.patch } : {}),
      ...(extra.warnings && extra.warnings.length > 0 ? { warnings: extra.warnings } : {}),
    },
  };
}

/** The answer when something threw: allowed, with a warning that names the failure. */
export function failed(
  uid: string,
  error: unknown,
): { review: AdmissionReviewResponse; outcome: AdmissionOutcome } {
  const reason = `internal error in the injector: ${errorMessage(error)}`;
  return {
    review: allow(uid, { warnings: [warning(`sidecar not injected: ${reason}`)] }),
    outcome: { kind: 'failed', reason, error },
  };
}

/** A warning as Kubernetes wants it: prefixed, one line of printable text, at most MAX_WARNING_CHARS. */
export function warning(text: string): string {
  const line = `trellis: ${text}`.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
  const chars = [...line];
  return chars.length <= MAX_WARNING_CHARS ? line : `${chars.slice(0, MAX_WARNING_CHARS - 1).join('')}…`;
}

// Why a request is not a Pod being created, or undefined if it is one. request.kind is the object's
// kind as the webhook registered it; a subresource (pods/ephemeralcontainers, pods/binding, ...)
// is never a pod creation.
function notAPodCreation(request: Readonly<Record<string, unknown>>): string | undefined {
  const { kind, resource, subResource, operation } = request;
  if (!isRecord(kind)) return 'request.kind is missing, so the object is not known to be a Pod';
  const group = typeof kind.group === 'string' ? kind.group : '';
  if (kind.kind !== 'Pod' || group !== '' || kind.version !== 'v1') {
    const gvk = `${group === '' ? '' : `${shortText(group)}/`}${shortText(kind.version)} ${shortText(kind.kind)}`;
    return `the object is a ${gvk}, not a v1 Pod`;
  }
  if (isRecord(resource) && resource.resource !== undefined && resource.resource !== 'pods')
    return `the resource is ${shortText(resource.resource)}, not pods`;
  if (subResource !== undefined && subResource !== '')
    return `the request is for the subresource pods/${shortText(subResource)}`;
  if (operation !== 'CREATE')
    return typeof operation === 'string'
      ? `operation ${shortText(operation)}: only pods being created are injected`
      : 'request.operation is missing';
  return undefined;
}

/** Checks that `value` is a JSON Patch document: an array of well-formed operations. */
export function readPatch(value: unknown): Result<JsonPatchOperation[], string> {
  if (!Array.isArray(value)) return fail([`a patch is an array, not ${typeName(value)}`]);
  const out: JsonPatchOperation[] = [];
  for (const [i, op] of value.entries()) {
    const at = `operation ${i}`;
    if (!isRecord(op)) return fail([`${at} is not an object`]);
    const { path, from } = op;
    if (typeof path !== 'string') return fail([`${at} has no path`]);
    if (!pointer(path)) return fail([`${at}: path ${shortValue(path)} is not a JSON pointer`]);
    switch (op.op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!Object.hasOwn(op, 'value')) return fail([`${at} (${op.op} ${shortText(path)}) has no value`]);
        out.push({ op: op.op, path, value: op.value });
        break;
      case 'remove':
        out.push({ op: 'remove', path });
        break;
      case 'move':
      case 'copy':
        if (typeof from !== 'string' || !pointer(from))
          return fail([`${at} (${op.op} ${shortText(path)}) has no valid from`]);
        out.push({ op: op.op, from, path });
        break;
      default:
        return fail([`${at} has an unknown op ${shortValue(op.op)}`]);
    }
  }
  return ok(out);
}

/**
 * Applies an RFC 6902 patch to `doc` with fast-json-patch (validating each operation, and refusing
 * to touch a prototype), and returns the patched document or why an operation fails.
 */
export function applyJsonPatch(
  doc: unknown,
  operations: readonly JsonPatchOperation[],
): Result<unknown, string> {
  try {
    return ok(jsonpatch.applyPatch(doc, operations as jsonpatch.Operation[], true, true).newDocument);
  } catch (error) {
    // The library names the operation that failed (its index is not always the right one).
    const failed = error instanceof jsonpatch.JsonPatchError ? error.operation : undefined;
    const index = failed ? operations.indexOf(failed as JsonPatchOperation) : -1;
    const at = failed
      ? `operation ${index >= 0 ? `${index} ` : ''}(${String(failed.op)} ${shortText(failed.path)})`
      : 'the patch';
    return fail([`${at}: ${errorMessage(error).split('\n')[0]}`]);
  }
}

/** RFC 6901: the reference tokens of a pointer, or undefined if it is not one. */
function pointer(text: string): string[] | undefined {
  if (text === '') return [];
  if (!text.startsWith('/') || /~(?![01])/.test(text)) return undefined;
  return text
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'missing';
  return `a ${typeof value}`;
}

/** A value for a message: a short string quoted, else its type. */
function shortValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  return typeof value === 'string' ? JSON.stringify(shortText(value)) : typeName(value);
}

/** At most 64 characters of a string from the request, for a message; other values by their type. */
function shortText(value: unknown): string {
  if (typeof value !== 'string') return `(${typeName(value)})`;
  const chars = [...value.slice(0, 128)];
  return chars.length > 64 ? `${chars.slice(0, 63).join('')}…` : chars.join('');
}

function errorMessage(error: unknown): string {
  return shortText(error instanceof Error ? error.message : String(error));
}
