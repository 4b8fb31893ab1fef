// Which proxies see a route at all. Istio's sourceLabels and sourceNamespace are about the caller,
// not the request: a route carrying them is sent only to proxies whose own pod qualifies, so the
// check costs nothing per request. match.port narrows a route table that covers several ports.
import type { Labels } from '../../model/mesh.js';
import type { RouteMatch } from '../../model/routing.js';

/** The proxy a configuration is for: its namespace, and its pod's labels when the pod is known. */
export interface RouteViewer {
  readonly namespace: string;
  readonly labels?: Labels;
}

export function visibleTo(match: RouteMatch, viewer: RouteViewer, port: number): boolean {
  if (match.port !== undefined && match.port !== port) return false;
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== viewer.namespace) return false;
  const wanted = Object.entries(match.sourceLabels ?? {});
  if (wanted.length === 0) return true;
  // A proxy whose pod we do not know cannot prove it carries the labels.
  const labels = viewer.labels;
  return labels !== undefined && wanted.every(([key, value]) => labels[key] === value);
}
