// Between gRPC messages and the protocol streams: a decoded request becomes a SotwRequest or a
// DeltaRequest, and a response becomes the message grpc-js writes. The server drives SotW and
// delta streams alike through WireStream; only this file knows how their messages differ.
import type { Logger } from '../../log.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { CachedResource, Snapshot } from '../cache/snapshot.js';
import type { XdsMetrics } from '../xds-metrics.js';
import type {
  AnyObject,
  DeltaDiscoveryRequestObject,
  DeltaDiscoveryResponseObject,
  DiscoveryRequestObject,
  DiscoveryResponseObject,
  ResourceObject,
} from './ads-service.js';
import { type DeltaRequest, type DeltaResponse, DeltaStream } from './delta-stream.js';
import type { LogThrottleOptions } from './log-throttle.js';
import type { NackingStream } from './nack-report.js';
import { type SotwRequest, type SotwResponse, SotwStream } from './sotw-stream.js';
import type { ProxySyncStatus, XdsVariant } from './status.js';
import type { XdsBudgets } from './stream-limits.js';

/** One identified stream of either variant, as the server drives it. */
export interface WireStream<Req> extends NackingStream {
  readonly proxy: MeshProxy;
  readonly variant: XdsVariant;
  onSnapshot(snapshot: Snapshot): void;
  /** `typeUrl` is the request's, or the per-type service's when the request leaves it out. */
  onRequest(request: Req, typeUrl: string): void;
  /** The transport, full since a `write` returned false, can take more. */
  onWritable(): void;
  /** The stream ended, however it ended. */
  onClosed(): void;
  status(): ProxySyncStatus;
  /** The version of a resource the proxy last ACKed (it runs with it), if any. */
  ackedVersion(typeUrl: string, name: string): string | undefined;
}

/** What every stream of a server shares. */
export interface WireStreamContext {
  readonly logger: Logger;
  /** Where the stream reports its pushes, NACKs and convergence. */
  readonly metrics: XdsMetrics;
  readonly budgets: XdsBudgets;
  readonly logThrottle: LogThrottleOptions;
}

/** `write` returns false when the transport is full: the stream then waits for onWritable(). */
export type WireStreamFactory<Req, Res> = (
  proxy: MeshProxy,
  context: WireStreamContext,
  write: (response: Res) => boolean,
) => WireStream<Req>;

export const sotwWireStream: WireStreamFactory<DiscoveryRequestObject, DiscoveryResponseObject> = (
  proxy,
  { logger, metrics, budgets, logThrottle },
  write,
) => {
  const stream = new SotwStream({
    proxy,
    logger,
    metrics,
    budgets,
    logThrottle,
    send: (response) => write(sotwMessage(response)),
  });
  return {
    proxy,
    variant: 'sotw',
    onSnapshot: (snapshot) => stream.onSnapshot(snapshot),
    onRequest: (request, typeUrl) => stream.onRequest(toSotwRequest(request, typeUrl)),
    onWritable: () => stream.onWritable(),
    onClosed: () => stream.onClosed(),
    status: () => stream.status(),
    heldNacks: () => stream.heldNacks(),
    sentVersion: (typeUrl) => stream.sentVersion(typeUrl),
    ackedVersion: (typeUrl, name) => stream.ackedVersion(typeUrl, name),
  };
};

export const deltaWireStream: WireStreamFactory<DeltaDiscoveryRequestObject, DeltaDiscoveryResponseObject> = (
  proxy,
  { logger, metrics, budgets, logThrottle },
  write,
) => {
  const stream = new DeltaStream({
    proxy,
    logger,
    metrics,
    budgets,
    logThrottle,
    send: (response) => write(deltaMessage(response)),
  });
  return {
    proxy,
    variant: 'delta',
    onSnapshot: (snapshot) => stream.onSnapshot(snapshot),
    onRequest: (request, typeUrl) => stream.onRequest(toDeltaRequest(request, typeUrl)),
    onWritable: () => stream.onWritable(),
    onClosed: () => stream.onClosed(),
    status: () => stream.status(),
    heldNacks: () => stream.heldNacks(),
    sentVersion: (typeUrl) => stream.sentVersion(typeUrl),
    ackedVersion: (typeUrl, name) => stream.ackedVersion(typeUrl, name),
  };
};

export function toSotwRequest(request: DiscoveryRequestObject, typeUrl: string): SotwRequest {
  const error = request.error_detail;
  return {
    typeUrl,
    versionInfo: request.version_info ?? '',
    resourceNames: request.resource_names ?? [],
    responseNonce: request.response_nonce ?? '',
    ...(error ? { errorDetail: { code: error.code ?? 0, message: error.message ?? '' } } : {}),
  };
}

export function toDeltaRequest(request: DeltaDiscoveryRequestObject, typeUrl: string): DeltaRequest {
  const error = request.error_detail;
  return {
    typeUrl,
    subscribe: request.resource_names_subscribe ?? [],
    unsubscribe: request.resource_names_unsubscribe ?? [],
    initialVersions: new Map(Object.entries(request.initial_resource_versions ?? {})),
    responseNonce: request.response_nonce ?? '',
    ...(error ? { errorDetail: { code: error.code ?? 0, message: error.message ?? '' } } : {}),
  };
}

// One message per response object: streams that send the same response send the same message,
// whose encoding is then shared (ads-service.ts).
const sotwMessages = new WeakMap<SotwResponse, DiscoveryResponseObject>();

// A resource's entry in a message, one object per cached resource (a resource has one type), not
// one per response: a group's complete response lists a thousand Clusters, a message lives as long
// as its response (streams keep the last one sent), and 2,000 groups held a million copies.
const anyOf = new WeakMap<CachedResource, AnyObject>();
const deltaEntryOf = new WeakMap<CachedResource, ResourceObject>();

function anyObject(typeUrl: string, resource: CachedResource): AnyObject {
  let any = anyOf.get(resource);
  if (!any) {
    any = { type_url: typeUrl, value: resource.value };
    anyOf.set(resource, any);
  }
  return any;
}

function sotwMessage(response: SotwResponse): DiscoveryResponseObject {
  let message = sotwMessages.get(response);
  if (!message) {
    message = {
      version_info: response.versionInfo,
      type_url: response.typeUrl,
      nonce: response.nonce,
      resources: response.resources.map((r) => anyObject(response.typeUrl, r)),
    };
    sotwMessages.set(response, message);
  }
  return message;
}

function deltaEntry(typeUrl: string, resource: CachedResource): ResourceObject {
  let entry = deltaEntryOf.get(resource);
  if (!entry) {
    entry = { name: resource.name, version: resource.version, resource: anyObject(typeUrl, resource) };
    deltaEntryOf.set(resource, entry);
  }
  return entry;
}

function deltaMessage(response: DeltaResponse): DeltaDiscoveryResponseObject {
  return {
    system_version_info: response.systemVersionInfo,
    type_url: response.typeUrl,
    nonce: response.nonce,
    resources: response.resources.map((r) => deltaEntry(response.typeUrl, r)),
    removed_resources: response.removedResources,
  };
}
