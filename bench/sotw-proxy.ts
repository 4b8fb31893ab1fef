// A state-of-the-world ADS client that behaves like Envoy: wildcard CDS and LDS, then EDS for the
// EDS names of its clusters and RDS for the route names of its listeners, re-requested whenever
// those sets change, and every response ACKed with the names it currently wants.

import type * as grpc from '@grpc/grpc-js';
import {
  type DiscoveryRequestObject,
  type DiscoveryResponseObject,
  discoveryCodecs,
  STREAM_AGGREGATED_RESOURCES,
} from '../src/xds/server/ads-service.js';
import { clusterEdsName, listenerRouteNames } from './resource-refs.js';
import {
  CDS,
  EDS,
  LDS,
  type ProxyEvents,
  RDS,
  SimulatedProxy,
  sameNames,
  type Variant,
} from './simulated-proxy.js';

interface TypeState {
  version: string;
  nonce: string;
  /** What we ask for, sorted; empty for the wildcard types. */
  names: readonly string[];
  /** Sequence numbers: a named type is current once a response came after the last subscription change. */
  subscribedSeq: number;
  respondedSeq: number;
  acked: boolean;
}

export class SotwProxy extends SimulatedProxy {
  readonly variant: Variant = 'sotw';
  private stream: grpc.ClientDuplexStream<DiscoveryRequestObject, DiscoveryResponseObject> | undefined;
  private readonly types = new Map<string, TypeState>();
  private seq = 0;
  private baseline: string | undefined;

  constructor(
    nodeId: string,
    events: ProxyEvents,
    private readonly port: number,
  ) {
    super(nodeId, events);
  }

  start(): void {
    const { request, response } = discoveryCodecs();
    const stream = this.openStream(
      this.port,
      STREAM_AGGREGATED_RESOURCES,
      request,
      response,
      (r: DiscoveryResponseObject) => this.onResponse(r),
    );
    this.stream = stream;
    stream.write({
      node: { id: this.nodeId, user_agent_name: 'envoy' },
      type_url: CDS,
      resource_names: [],
    });
    this.state(CDS);
    stream.write({ type_url: LDS, resource_names: [] });
    this.state(LDS);
  }

  protected subscribes(typeUrl: string, name: string): boolean {
    if (typeUrl === CDS || typeUrl === LDS) return true;
    return this.types.get(typeUrl)?.names.includes(name) ?? false;
  }

  protected rememberBaseline(typeUrl: string): void {
    this.baseline = this.types.get(typeUrl)?.version;
  }

  private state(typeUrl: string): TypeState {
    let s = this.types.get(typeUrl);
    if (!s) {
      s = { version: '', nonce: '', names: [], subscribedSeq: 0, respondedSeq: 0, acked: false };
      this.types.set(typeUrl, s);
    }
    return s;
  }

  private onResponse(res: DiscoveryResponseObject): void {
    const typeUrl = res.type_url;
    const s = this.state(typeUrl);
    s.version = res.version_info;
    s.nonce = res.nonce;
    s.respondedSeq = ++this.seq;
    this.received.resources += res.resources.length;
    // Like Envoy: ask for what the new clusters and listeners need before ACKing them.
    if (typeUrl === CDS) {
      const names = new Set<string>();
      for (const any of res.resources) {
        const name = clusterEdsName(any.value);
        if (name) names.add(name);
      }
      this.follow(EDS, [...names].sort());
    } else if (typeUrl === LDS) {
      const names = new Set<string>();
      for (const any of res.resources) for (const name of listenerRouteNames(any.value)) names.add(name);
      this.follow(RDS, [...names].sort());
    }
    this.stream?.write({
      version_info: res.version_info,
      response_nonce: res.nonce,
      type_url: typeUrl,
      resource_names: [...s.names],
    });
    s.acked = true;
    if (this.watch?.typeUrl === typeUrl && s.version !== this.baseline) this.changeAcked();
    this.becomeReadyIf(this.isCurrent());
  }

  private follow(typeUrl: string, names: readonly string[]): void {
    const s = this.state(typeUrl);
    if (sameNames(s.names, names)) return;
    s.names = names;
    s.subscribedSeq = ++this.seq;
    this.stream?.write({
      version_info: s.version,
      response_nonce: s.nonce,
      type_url: typeUrl,
      resource_names: [...names],
    });
  }

  private isCurrent(): boolean {
    const named = (typeUrl: string) => {
      const s = this.types.get(typeUrl);
      return !s || s.names.length === 0 || s.respondedSeq > s.subscribedSeq;
    };
    return (
      (this.types.get(CDS)?.acked ?? false) &&
      (this.types.get(LDS)?.acked ?? false) &&
      named(EDS) &&
      named(RDS)
    );
  }
}
