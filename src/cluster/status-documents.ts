// What Trellis writes into a routing resource's `status`, computed from the source's statuses and
// issues and merged with the status the object has now. Pure: no I/O, no clock (the time of a
// transition is an argument).
//
// - Gateway API routes: one `status.parents[]` entry per parent Service, with our controllerName;
//   entries of other controllers are kept as they are (a route may attach to Gateways too).
// - Every other kind (Istio, SMI, PeerAuthentication, LocalRateLimitPolicy): `status.conditions`,
//   one per type, the parents' conditions folded into one (False wins, messages joined), and
//   `status.observedGeneration`. Condition types we never write are kept.
// - A condition keeps its lastTransitionTime while its status does not change.
// - A resource its parser rejected (error Issues, and no status from the model) is `Accepted: False`
//   with the first issue's reason and the field paths and messages of its first errors.
import { isDeepStrictEqual } from 'node:util';
import type { Issue } from '../model/issue.js';
import type { Condition, ResourceStatus } from '../model/routing.js';

export const CONTROLLER_NAME = 'trellis.dev/mesh-controller';

/** Kinds whose status is Gateway API route status (`parents[]`). */
const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

export interface StatusKey {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export const statusKeyText = (key: StatusKey): string => `${key.kind}/${key.namespace}/${key.name}`;

interface ParentConditions {
  readonly parent?: ResourceStatus['parent'];
  readonly conditions: readonly Condition[];
}

/** What we want to say about one resource, before it is merged with what the object says now. */
export interface DesiredStatus {
  readonly key: StatusKey;
  readonly entries: readonly ParentConditions[];
}

const MAX_ISSUES_IN_MESSAGE = 3;
const MAX_MESSAGE = 1024;

/**
 * The desired status of every resource of `kinds` that the source's state speaks of, keyed by
 * statusKeyText. Issues of severity error on such a resource make it rejected.
 */
export function desiredStatuses(
  statuses: readonly ResourceStatus[],
  issues: readonly Issue[],
  kinds: ReadonlySet<string>,
): Map<string, DesiredStatus> {
  const out = new Map<string, { key: StatusKey; entries: ParentConditions[] }>();
  const entry = (key: StatusKey) => {
    const text = statusKeyText(key);
    let found = out.get(text);
    if (!found) {
      found = { key, entries: [] };
      out.set(text, found);
    }
    return found;
  };
  for (const status of statuses) {
    if (!kinds.has(status.resource.kind)) continue;
    entry(status.resource).entries.push({
      ...(status.parent ? { parent: status.parent } : {}),
      conditions: status.conditions,
    });
  }
  const rejected = new Map<string, { key: StatusKey; issues: Issue[] }>();
  for (const issue of issues) {
    const ref = issue.resource;
    if (issue.severity !== 'error' || !ref || !kinds.has(ref.kind) || !ref.name) continue;
    const key = { kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name };
    const text = statusKeyText(key);
    const list = rejected.get(text) ?? { key, issues: [] };
    list.issues.push(issue);
    rejected.set(text, list);
  }
  for (const [text, { key, issues: found }] of rejected) {
    // A resource the model has statuses for was lowered (at least in part): those say more.
    if (out.has(text)) continue;
    const shown = found
      .slice(0, MAX_ISSUES_IN_MESSAGE)
      .map((i) => (i.fieldPath ? `${i.fieldPath}: ${i.message}` : i.message));
    const more = found.length - shown.length;
    out.set(text, {
      key,
      entries: [
        {
          conditions: [
            {
              type: 'Accepted',
              status: 'False',
              reason: (found[0] as Issue).reason,
              message: clip(`${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`),
            },
          ],
        },
      ],
    });
  }
  return out;
}

/** A condition as the API writes it. */
interface WrittenCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/**
 * The `status` to write, given the object's current `status` and `metadata.generation`, or
 * undefined when the object already says exactly that (nothing to write).
 */
export function mergedStatus(
  desired: DesiredStatus,
  live: { readonly status?: unknown; readonly generation?: number },
  now: string,
): Record<string, unknown> | undefined {
  const current = isRecord(live.status) ? live.status : {};
  const next = ROUTE_KINDS.has(desired.key.kind)
    ? routeStatus(desired, current, live.generation, now)
    : policyStatus(desired, current, live.generation, now);
  const merged = { ...current, ...next };
  return isDeepStrictEqual(merged, current) ? undefined : next;
}

function routeStatus(
  desired: DesiredStatus,
  current: Record<string, unknown>,
  generation: number | undefined,
  now: string,
): Record<string, unknown> {
  const existing = Array.isArray(current.parents) ? current.parents.filter(isRecord) : [];
  const others = existing.filter((p) => p.controllerName !== CONTROLLER_NAME);
  const ours = existing.filter((p) => p.controllerName === CONTROLLER_NAME);
  const parents = desired.entries
    .filter((e) => e.parent)
    .map((e) => {
      const parent = e.parent as NonNullable<ParentConditions['parent']>;
      const parentRef = {
        group: '',
        kind: 'Service',
        namespace: parent.service.namespace,
        name: parent.service.name,
        ...(parent.port !== undefined ? { port: parent.port } : {}),
      };
      const before = ours.find((p) => isDeepStrictEqual(p.parentRef, parentRef));
      return {
        parentRef,
        controllerName: CONTROLLER_NAME,
        conditions: written(e.conditions, conditionsOf(before), generation, now),
      };
    });
  return { parents: [...others, ...parents] };
}

function policyStatus(
  desired: DesiredStatus,
  current: Record<string, unknown>,
  generation: number | undefined,
  now: string,
): Record<string, unknown> {
  const byType = new Map<string, Condition[]>();
  for (const e of desired.entries)
    for (const c of e.conditions) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);
  const folded: Condition[] = [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, found]) => fold(found));
  const before = conditionsOf(current);
  const ours = new Set(folded.map((c) => c.type));
  const kept = before.filter((c) => typeof c.type === 'string' && !ours.has(c.type));
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: [...kept, ...written(folded, before, generation, now)],
  };
}

/** One condition of a type from several parents: the first False (or Unknown) wins. */
function fold(found: readonly Condition[]): Condition {
  const worst = found.find((c) => c.status === 'False') ?? found.find((c) => c.status === 'Unknown');
  if (worst) {
    const messages = [...new Set(found.filter((c) => c.status === worst.status).map((c) => c.message))];
    return { ...worst, message: clip(messages.join('; ')) };
  }
  const messages = [...new Set(found.map((c) => c.message))];
  return { ...(found[0] as Condition), message: clip(messages.join('; ')) };
}

function written(
  conditions: readonly Condition[],
  before: readonly Record<string, unknown>[],
  generation: number | undefined,
  now: string,
): WrittenCondition[] {
  return conditions.map((c) => {
    const old = before.find((b) => b.type === c.type);
    const since =
      old && old.status === c.status && typeof old.lastTransitionTime === 'string'
        ? old.lastTransitionTime
        : now;
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: clip(c.message),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: since,
    };
  });
}

function conditionsOf(value: unknown): Record<string, unknown>[] {
  if (!isRecord(value) || !Array.isArray(value.conditions)) return [];
  return value.conditions.filter(isRecord);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The API server caps a condition's message at 32 KiB; ours stay short enough to read.
function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
