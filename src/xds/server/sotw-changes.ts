// What a state-of-the-world client holds of a type, and what it lacks of a selection. In SotW a
// RouteConfiguration, ClusterLoadAssignment or Secret response may carry part of what the client
// asked for: the client keeps the resources a response does not mention
// (https://www.envoyproxy.io/docs/envoy/latest/api-docs/xds_protocol, "Grouping Resources into
// Responses"). So those types send only the resources whose version the client does not hold, and
// an endpoint change costs one ClusterLoadAssignment per subscriber.
//
// Streams of one group ACK the same shared selections, so they hold the same objects: what one of
// them holds is a reference, and the changes from one held state to a selection are computed once
// per pair, as one response object that the streams share (its encoding too, see ads-service.ts).

import { pairMemo } from '../../pair-memo.js';
import type { CachedResource } from '../cache/snapshot.js';
import { isFullStateType } from './resource-types.js';
import { nextNonce, type Selection, type SotwResponse, type Subscription } from './sotw-selection.js';

/**
 * What a client holds of a type, by name: the resources of the selections it ACKed, less the names
 * it unsubscribed from since (a client drops those). Shared and never changed.
 */
export type Held = ReadonlyMap<string, CachedResource>;

// A selection's resources by name, made the first time a stream ACKs one that is not the whole map.
const byNames = new WeakMap<Selection, Held>();

function resourcesByName(selection: Selection): Held {
  const { of, response } = selection;
  // The whole map selected: the map is its own index.
  if (response.resources.length === of.size) return of;
  let held = byNames.get(selection);
  if (!held) {
    held = new Map(response.resources.map((r) => [r.name, r]));
    byNames.set(selection, held);
  }
  return held;
}

/**
 * What the client holds once it ACKs a response of `selection`, partial or whole, holding `before`:
 * all of the selection, since a partial response carries exactly what the client lacked of it, and
 * (but for Listeners and Clusters, whose responses are the whole set) what it held that the
 * selection leaves out. `sub` is the subscription when the ACK comes, which may have dropped names
 * since the response went out. Once per held state and selection, like the response.
 */
export function heldAfterAck(before: Held | undefined, selection: Selection, sub: Subscription): Held {
  let held = resourcesByName(selection);
  if (before && !isFullStateType(selection.response.typeUrl)) held = keptBeside(selection, before);
  return sub.key === selection.subscriptionKey ? held : withoutUnsubscribed(held, sub);
}

// A resource still asked for but gone from the snapshot is not in the selection, and the client
// keeps it: it is sent again only if it comes back different.
const keptBeside = pairMemo((selection: Selection, before: Held): Held => {
  const selected = resourcesByName(selection);
  const left = [...before].filter(([name]) => !selected.has(name));
  return left.length === 0 ? selected : new Map([...selected, ...left]);
});

const narrowed = new WeakMap<Held, Map<string, Held>>();

/**
 * What is left of `held` once the client subscribes to `sub`: a name it no longer asks for is
 * forgotten, and is sent again if the client asks for it again. Once per held state and subscription.
 */
export function withoutUnsubscribed(held: Held, sub: Subscription): Held {
  if (sub.wildcard) return held;
  let byKey = narrowed.get(held);
  if (!byKey) {
    byKey = new Map();
    narrowed.set(held, byKey);
  }
  let left = byKey.get(sub.key);
  if (!left) {
    let all = true;
    for (const name of held.keys()) {
      if (sub.names.has(name)) continue;
      all = false;
      break;
    }
    left = all ? held : new Map([...held].filter(([name]) => sub.names.has(name)));
    byKey.set(sub.key, left);
  }
  return left;
}

/**
 * The response that brings a client holding `held` level with `selection`: the resources whose
 * version it does not hold, under the selection's version. The selection's own response when that
 * is all of it (a client that holds nothing shares it with every other); undefined when it lacks none.
 */
export function changesFor(held: Held | undefined, selection: Selection): SotwResponse | undefined {
  return held ? changesFrom(held, selection) : selection.response;
}

const changesFrom = pairMemo((held: Held, selection: Selection): SotwResponse | undefined => {
  const { resources } = selection.response;
  const lacking = resources.filter((r) => {
    const kept = held.get(r.name);
    return kept !== r && kept?.version !== r.version;
  });
  if (lacking.length === 0) return undefined;
  return lacking.length === resources.length ? selection.response : partialResponse(selection, lacking);
});

// Groups hold different maps but lack the same few resources of a selection they share (every
// proxy's routes, after one route changed): the same partial response object for all of them, so
// its message is encoded once, not once per group (1,000 encodings of 262 kB per route change at
// 1,000 groups). A nonce may be shared by streams, as a selection's own response already is.
const partials = new WeakMap<Selection, Map<string, SotwResponse>>();
/** Partial responses kept per selection: one per distinct set of lacking resources. */
const PARTIALS_PER_SELECTION = 64;

function partialResponse(selection: Selection, lacking: readonly CachedResource[]): SotwResponse {
  let known = partials.get(selection);
  if (!known) {
    known = new Map();
    partials.set(selection, known);
  }
  // Resources of one selection with one name have one version: the names say which.
  const key = lacking.map((r) => r.name).join('\n');
  let response = known.get(key);
  if (response?.resources.every((r, i) => r === lacking[i])) return response;
  response = {
    typeUrl: selection.response.typeUrl,
    versionInfo: selection.version,
    nonce: nextNonce(),
    resources: lacking,
  };
  if (known.size < PARTIALS_PER_SELECTION) known.set(key, response);
  return response;
}
