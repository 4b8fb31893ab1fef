// An incremental (delta) ADS client that behaves like Envoy: wildcard CDS and LDS, then subscribes
// to (and unsubscribes from) EDS and RDS names as clusters and listeners come and go, and ACKs
// every response by its nonce.

import type * as grpc from '@grpc/grpc-js';
import {
  DELTA_AGGREGATED_RESOURCES,
  type DeltaDiscoveryRequestObject,
  type DeltaDiscoveryResponseObject,
  discoveryCodecs,
} from '../src/xds/server/ads-service.js';
import { clusterEdsName, listenerRouteNames } from './resource-refs.js';
import { CDS, EDS, LDS, type ProxyEvents, RDS, SimulatedProxy, type Variant } from './simulated-proxy.js';

interface TypeState {
  /** Explicit subscriptions (EDS, RDS); the wildcard types have none. */
  readonly subscribed: Set<string>;
  /** Subscribed names not yet received nor declared absent. */
  readonly missing: Set<string>;
  /** What we hold, with what it makes us ask for (CDS: its EDS name; LDS: its route names). */
  readonly held: Map<string, readonly string[]>;
  acked: boolean;
}

export class DeltaProxy extends SimulatedProxy {
  readonly variant: Variant = 'delta';
  private stream:
    | grpc.ClientDuplexStream<DeltaDiscoveryRequestObject, DeltaDiscoveryResponseObject>
    | undefined;
  private readonly types = new Map<string, TypeState>();

  constructor(
    nodeId: string,
    events: ProxyEvents,
    private readonly port: number,
  ) {
    super(nodeId, events);
  }

  start(): void {
    const { deltaRequest, deltaResponse } = discoveryCodecs();
    const stream = this.openStream(
      this.port,
      DELTA_AGGREGATED_RESOURCES,
      deltaRequest,
      deltaResponse,
      (r: DeltaDiscoveryResponseObject) => this.onResponse(r),
    );
    this.stream = stream;
    stream.write({
      node: { id: this.nodeId, user_agent_name: 'envoy' },
      type_url: CDS,
      resource_names_subscribe: [],
    });
    this.state(CDS);
    stream.write({ type_url: LDS, resource_names_subscribe: [] });
    this.state(LDS);
  }

  protected subscribes(typeUrl: string, name: string): boolean {
    if (typeUrl === CDS || typeUrl === LDS) return true;
    return this.types.get(typeUrl)?.subscribed.has(name) ?? false;
  }

  protected rememberBaseline(): void {}

  private state(typeUrl: string): TypeState {
    let s = this.types.get(typeUrl);
    if (!s) {
      s = { subscribed: new Set(), missing: new Set(), held: new Map(), acked: false };
      this.types.set(typeUrl, s);
    }
    return s;
  }

  private onResponse(res: DeltaDiscoveryResponseObject): void {
    const typeUrl = res.type_url;
    const s = this.state(typeUrl);
    const watch = this.watch?.typeUrl === typeUrl ? this.watch : undefined;
    let carriesWatched = watch?.expectAll ?? false;
    this.received.resources += res.resources.length;
    for (const r of res.resources) {
      s.held.set(r.name, this.follows(typeUrl, r.resource.value));
      s.missing.delete(r.name);
      if (watch && r.name === watch.name) {
        carriesWatched = true;
        this.watchedResourceBytes = r.resource.value.length;
      }
    }
    for (const name of res.removed_resources) {
      s.held.delete(name);
      s.missing.delete(name);
    }
    if (typeUrl === CDS) this.follow(EDS, s.held);
    else if (typeUrl === LDS) this.follow(RDS, s.held);
    this.stream?.write({ type_url: typeUrl, response_nonce: res.nonce });
    s.acked = true;
    if (carriesWatched) this.changeAcked();
    this.becomeReadyIf(this.isCurrent());
  }

  private follows(typeUrl: string, value: Uint8Array): readonly string[] {
    if (typeUrl === CDS) {
      const name = clusterEdsName(value);
      return name ? [name] : [];
    }
    return typeUrl === LDS ? listenerRouteNames(value) : [];
  }

  /** Subscribes to what `parents` now need and unsubscribes from what they no longer do. */
  private follow(typeUrl: string, parents: ReadonlyMap<string, readonly string[]>): void {
    const s = this.state(typeUrl);
    const wanted = new Set<string>();
    for (const names of parents.values()) for (const name of names) wanted.add(name);
    const subscribe = [...wanted].filter((name) => !s.subscribed.has(name)).sort();
    const unsubscribe = [...s.subscribed].filter((name) => !wanted.has(name)).sort();
    if (subscribe.length === 0 && unsubscribe.length === 0) return;
    for (const name of subscribe) {
      s.subscribed.add(name);
      if (!s.held.has(name)) s.missing.add(name);
    }
    for (const name of unsubscribe) {
      s.subscribed.delete(name);
      s.missing.delete(name);
      s.held.delete(name);
    }
    this.stream?.write({
      type_url: typeUrl,
      resource_names_subscribe: subscribe,
      resource_names_unsubscribe: unsubscribe,
    });
  }

  private isCurrent(): boolean {
    const complete = (typeUrl: string) => (this.types.get(typeUrl)?.missing.size ?? 0) === 0;
    return (
      (this.types.get(CDS)?.acked ?? false) &&
      (this.types.get(LDS)?.acked ?? false) &&
      complete(EDS) &&
      complete(RDS)
    );
  }
}
