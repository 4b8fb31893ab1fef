// Keeps every connected proxy's snapshot in the cache up to date: on each new source state, and
// when a proxy connects. The server learns nothing of translation; the sources nothing of proxies.
//
// A proxy's configuration is made of parts (translate/translation-parts.ts): most of it is shared
// by every proxy that sees the same services, a small inbound part is its own workload's. Each part
// is compiled once per distinct key, however many proxies use it, and kept across source changes
// that leave everything it reads as it was (its fingerprint); within the clusters part each service
// port is a unit kept while its own inputs are unchanged. Each check goes by object identity first
// (the sources keep the objects of what did not change) and by content hash only where that fails.
// So an endpoint change recompiles one service's clusters, and costs every other proxy and unit a
// few lookups, not every proxy's configuration.
//
// Proxies with the same parts form a group with one snapshot object, assembled from the parts'
// per-type maps (shared, not copied, where a type comes from one part) by ProxyCompiler.assemble,
// the assembly path `trellis config-dump` and the golden tests go through too. Snapshots are
// handed to the cache after the whole rebuild, so the rebuild's timing does not include the pushes.

import type { Logger } from '../log.js';
import { commonProfile, describeProfile, sameProfile } from '../model/client-profile.js';
import type { Issue } from '../model/issue.js';
import type { Mesh } from '../model/mesh.js';
import type { MeshProxy } from '../model/proxy.js';
import type { ResourceStatus } from '../model/routing.js';
import { sameItems } from '../same-items.js';
import type { Snapshot } from './cache/snapshot.js';
import type { SnapshotCache } from './cache/snapshot-cache.js';
import { type ClientGaps, clientGaps, gapsOf } from './client-gaps.js';
import {
  type CompiledPart,
  type PartError,
  type ProxyAssembly,
  ProxyCompiler,
  type ProxyView,
  type ResourceError,
} from './compile-proxy.js';
import { type DebounceOptions, Debouncer } from './push/debouncer.js';
import { danglingAcross, type ReferenceSummary } from './translate/references.js';
import type { ChangeStamp, XdsMetrics } from './xds-metrics.js';

interface Member {
  proxy: MeshProxy;
  streams: number;
  group?: string;
}

interface Group {
  /** Its parts' keys: proxies with equal parts share the group. */
  readonly key: string;
  readonly parts: readonly string[];
  /** Proxy ids, in the order they joined. */
  readonly members: Set<string>;
  snapshot: Snapshot | undefined;
  /** For a new group, what its first proxy had: a resource that fails keeps its version from it. */
  readonly seed: Snapshot | undefined;
  /** What the snapshot was assembled from (to keep what is unchanged the next time). */
  assembly: ProxyAssembly | undefined;
  references: readonly ReferenceSummary[];
  danglingReferences: readonly string[];
  errors: readonly PartError[];
}

interface PartEntry {
  readonly compiled: CompiledPart;
  /** The rebuild it was compiled in; a part that may read anything is reused only within it. */
  readonly generation: number;
  /** Groups that use it; at zero it is dropped. */
  users: number;
}

export interface ConfigErrors {
  /** Problems in the input manifests (file, document, resource, field). */
  readonly sources: readonly Issue[];
  /** Status conditions of routing resources: Accepted, ResolvedRefs, Conflicted. */
  readonly statuses: readonly ResourceStatus[];
  /** Generated resources that failed the strict encoder or the validate rules, per proxy. */
  readonly resources: readonly ResourceError[];
  /** Per proxy, names its listeners or routes use that were not generated. */
  readonly references: readonly { readonly proxyId: string; readonly problems: readonly string[] }[];
  /** Connected gRPC clients whose release goes without some feature, by client (client-gaps.ts). */
  readonly clients: readonly ClientGaps[];
}

export interface SnapshotBuilderOptions {
  /** How source changes are merged before a rebuild; defaults 100 ms quiet, 1 s maximum delay. */
  readonly debounce?: DebounceOptions;
  /** Where change stamps and translation times go (/metrics). */
  readonly metrics?: Pick<XdsMetrics, 'changeSeen' | 'translated'>;
}

export interface BuilderStats {
  readonly encodeHits: number;
  readonly encodeMisses: number;
  /** Parts translated so far: one per distinct part whose inputs changed, not one per proxy. */
  readonly translations: number;
  /** Wall time of the last rebuild (every group), or of the last new group's build. */
  readonly lastTranslationMs: number;
  readonly groups: number;
  /** Distinct compiled parts held. */
  readonly parts: number;
}

/** Why a rebuild happens; the debouncer merges them. */
export type RebuildReason = 'sources';

export class SnapshotBuilder {
  private mesh: Mesh | undefined;
  private issues: readonly Issue[] = [];
  private statuses: readonly ResourceStatus[] = [];
  private readonly members = new Map<string, Member>();
  private groups = new Map<string, Group>();
  private parts = new Map<string, PartEntry>();
  private generation = 0;
  private readonly debouncer: Debouncer<RebuildReason>;
  private readonly metrics: Pick<XdsMetrics, 'changeSeen' | 'translated'> | undefined;
  /** The oldest source change not yet in the snapshots. */
  private pendingStamp: ChangeStamp | undefined;
  /** The change the snapshots being built reflect; carried on each new snapshot. */
  private buildStamp: ChangeStamp | undefined;
  private lastTranslationMs = 0;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly logger: Logger,
    private readonly compiler: ProxyCompiler = new ProxyCompiler(),
    options: SnapshotBuilderOptions = {},
  ) {
    this.metrics = options.metrics;
    this.debouncer = new Debouncer((reasons) => this.rebuildAll(reasons), options.debounce);
  }

  /** True once the first complete source state has been compiled. */
  get ready(): boolean {
    return this.mesh !== undefined;
  }

  /** A new source state. The first is compiled at once; later ones after the debounce. */
  update(mesh: Mesh, issues: readonly Issue[], statuses: readonly ResourceStatus[] = []): void {
    const first = this.mesh === undefined;
    this.mesh = mesh;
    this.issues = issues;
    this.statuses = statuses;
    if (this.metrics && this.pendingStamp === undefined) this.pendingStamp = this.metrics.changeSeen();
    this.debouncer.request('sources');
    if (first) this.debouncer.flushNow();
  }

  /** Rebuilds now what waits for the debounce; nothing when nothing waits. */
  flush(): void {
    this.debouncer.flushNow();
  }

  /** Drops a pending rebuild; for shutdown. */
  close(): void {
    this.debouncer.cancel();
  }

  connect(proxy: MeshProxy): void {
    const existing = this.members.get(proxy.id);
    if (existing) {
      existing.streams++;
      this.reconcileProfile(existing, proxy);
      return;
    }
    const member: Member = { proxy, streams: 1 };
    this.members.set(proxy.id, member);
    this.reportProfile(proxy);
    this.place(member);
  }

  /**
   * Streams of one node id share one snapshot (the cache is keyed by id), yet a shared bootstrap
   * may give the id to clients of different releases. They get the forms both read: those of a
   * client of unknown release (commonProfile), never the newer ones the first stream read.
   */
  private reconcileProfile(member: Member, proxy: MeshProxy): void {
    const profile = commonProfile(member.proxy.profile, proxy.profile);
    if (sameProfile(profile, member.proxy.profile)) return;
    this.logger.warn(
      {
        proxy: proxy.id,
        clients: [member.proxy.profile, proxy.profile].map((p) => (p ? describeProfile(p) : 'none')),
      },
      'streams of one node id from different clients: sending them the forms every client reads',
    );
    this.unplace(member);
    member.proxy = { ...member.proxy, profile };
    this.place(member);
  }

  /** Puts a member in the group of its current view, building the group if it is new. */
  private place(member: Member): void {
    if (!this.mesh) return; // the first source state builds it
    const { proxy } = member;
    // Grouped by the newest state even while a rebuild waits: the rebuild regroups everyone anyway.
    const view = this.compiler.view(this.mesh, proxy);
    const key = view.key;
    let group = this.groups.get(key);
    if (!group) {
      const started = performance.now();
      group = this.newGroup(key, view, undefined);
      this.build(group, view, new Map());
      this.retain(group);
      this.lastTranslationMs = performance.now() - started;
    }
    group.members.add(proxy.id);
    member.group = key;
    if (group.snapshot) this.cache.setSnapshot(proxy.id, group.snapshot);
  }

  /** A client that goes without some features it would be sent is said once per proxy. */
  private reportProfile(proxy: MeshProxy): void {
    const without = gapsOf(proxy);
    if (without.length === 0) return;
    this.logger.warn(
      { proxy: proxy.id, client: proxy.profile ? describeProfile(proxy.profile) : proxy.kind, without },
      'proxy connected with a client that goes without some features (docs/proxyless.md)',
    );
  }

  disconnect(proxy: MeshProxy): void {
    const member = this.members.get(proxy.id);
    if (!member) return;
    member.streams--;
    if (member.streams > 0) return;
    this.members.delete(proxy.id);
    this.unplace(member);
    this.cache.clear(proxy.id);
  }

  private unplace(member: Member): void {
    const group = member.group === undefined ? undefined : this.groups.get(member.group);
    group?.members.delete(member.proxy.id);
    if (group && group.members.size === 0) this.dropGroup(group);
    member.group = undefined;
  }

  configErrors(): ConfigErrors {
    const resources: ResourceError[] = [];
    const references: { proxyId: string; problems: readonly string[] }[] = [];
    for (const [proxyId, member] of this.members) {
      const group = member.group === undefined ? undefined : this.groups.get(member.group);
      if (!group) continue;
      for (const error of group.errors) resources.push({ ...error, proxyId });
      if (group.danglingReferences.length > 0)
        references.push({ proxyId, problems: group.danglingReferences });
    }
    const clients = clientGaps([...this.members.values()].map((m) => m.proxy));
    return { sources: this.issues, statuses: this.statuses, resources, references, clients };
  }

  stats(): BuilderStats {
    return {
      ...this.compiler.stats(),
      lastTranslationMs: this.lastTranslationMs,
      groups: this.groups.size,
      parts: this.parts.size,
    };
  }

  private newGroup(key: string, view: ProxyView, seed: Snapshot | undefined): Group {
    const group: Group = {
      key,
      parts: view.parts.map((p) => p.key),
      members: new Set(),
      snapshot: undefined,
      seed,
      assembly: undefined,
      references: [],
      danglingReferences: [],
      errors: [],
    };
    this.groups.set(key, group);
    return group;
  }

  private dropGroup(group: Group): void {
    this.groups.delete(group.key);
    for (const part of group.parts) {
      const entry = this.parts.get(part);
      if (entry && --entry.users <= 0) this.parts.delete(part);
    }
  }

  private rebuildAll(reasons: ReadonlySet<RebuildReason>): void {
    const mesh = this.mesh;
    if (!mesh) return;
    const started = performance.now();
    this.generation++;
    this.buildStamp = this.pendingStamp;
    this.pendingStamp = undefined;
    const previousGroups = this.groups;
    const previousParts = this.parts;
    this.groups = new Map();
    this.parts = new Map();
    const views = new Map<string, ProxyView>();
    for (const [proxyId, member] of this.members) {
      const view = this.compiler.view(mesh, member.proxy);
      const key = view.key;
      let group = this.groups.get(key);
      if (!group) {
        const kept = previousGroups.get(key);
        if (kept) {
          kept.members.clear();
          this.groups.set(key, kept);
          group = kept;
        } else {
          const before = member.group === undefined ? undefined : previousGroups.get(member.group);
          group = this.newGroup(key, view, before?.snapshot);
        }
        views.set(key, view);
      }
      group.members.add(proxyId);
      member.group = key;
    }
    for (const group of this.groups.values()) {
      const view = views.get(group.key);
      if (view) this.build(group, view, previousParts);
      this.retain(group);
    }
    // A group built later for a proxy that connects reflects no change: its snapshot is not stamped.
    this.buildStamp = undefined;
    // Timed before the streams hear of it: pushing is the server's work, reported on its own.
    this.lastTranslationMs = performance.now() - started;
    this.metrics?.translated(this.lastTranslationMs / 1000);
    for (const group of this.groups.values()) this.publish(group);
    this.logger.debug(
      {
        reasons: [...reasons],
        groups: this.groups.size,
        parts: this.parts.size,
        proxies: this.members.size,
        ms: this.lastTranslationMs,
      },
      'snapshots rebuilt',
    );
  }

  /** Counts the group as a user of each of its parts. */
  private retain(group: Group): void {
    for (const part of group.parts) {
      const entry = this.parts.get(part);
      if (entry) entry.users++;
    }
  }

  /** The part compiled for the current mesh: kept if what it reads did not change, else compiled. */
  private part(view: ProxyView, index: number, previousParts: ReadonlyMap<string, PartEntry>, group: Group) {
    const wanted = view.parts[index]!;
    const current = this.parts.get(wanted.key);
    if (current && this.reusable(current, wanted.fingerprint)) return current.compiled;
    const before = current ?? previousParts.get(wanted.key);
    if (before && this.reusable(before, wanted.fingerprint)) {
      this.adopt(wanted.key, before.compiled);
      return before.compiled;
    }
    const compiled = this.compiler.compilePart(view, wanted, {
      ...(before ? { previous: before.compiled } : {}),
      ...(group.seed ? { lastGood: group.seed } : {}),
    });
    this.reportPart(compiled, before?.compiled, group);
    this.adopt(wanted.key, compiled);
    return compiled;
  }

  private reusable(entry: PartEntry, fingerprint: string | undefined): boolean {
    if (entry.generation === this.generation) return true;
    return fingerprint !== undefined && entry.compiled.fingerprint === fingerprint;
  }

  private adopt(key: string, compiled: CompiledPart): void {
    this.parts.set(key, { compiled, generation: this.generation, users: this.parts.get(key)?.users ?? 0 });
  }

  private build(group: Group, view: ProxyView, previousParts: ReadonlyMap<string, PartEntry>): void {
    let assembly: ProxyAssembly;
    try {
      assembly = this.compiler.assemble(view, {
        partOf: (_part, index) => this.part(view, index, previousParts, group),
        ...(group.assembly && group.snapshot ? { previous: group.assembly } : {}),
      });
    } catch (err) {
      // A bug in translation must cost this group its update, not every other group theirs.
      this.logger.error(
        { proxy: [...group.members][0], proxies: group.members.size, err },
        'could not build a snapshot; the proxies keep the one they have',
      );
      return;
    }
    const { parts } = assembly;
    const references = parts.map((p) => p.references);
    if (!sameItems(references, group.references)) {
      const problems = danglingAcross(references);
      const fresh = problems.filter((p) => !group.danglingReferences.includes(p));
      if (fresh.length > 0) {
        this.logger.warn(
          { proxy: [...group.members][0], proxies: group.members.size, problems: fresh },
          'generated resources name what was not generated',
        );
      }
      group.references = references;
      group.danglingReferences = problems;
    }
    group.errors = parts.flatMap((p) => p.errors);
    group.assembly = assembly;
    // Unchanged content keeps the old snapshot object, so streams that have it are not even woken.
    if (!assembly.changed && group.snapshot) return;
    group.snapshot = {
      resources: assembly.resources,
      ...(this.buildStamp !== undefined ? { changeStamp: this.buildStamp } : {}),
    };
  }

  /** Hands the group's snapshot to the cache for each member that has another; streams push then. */
  private publish(group: Group): void {
    const snapshot = group.snapshot;
    if (!snapshot) return;
    for (const proxyId of group.members) {
      if (this.cache.getSnapshot(proxyId) !== snapshot) this.cache.setSnapshot(proxyId, snapshot);
    }
  }

  private reportPart(compiled: CompiledPart, before: CompiledPart | undefined, group: Group): void {
    for (const error of compiled.errors) {
      if (before?.errors.some((e) => e.typeUrl === error.typeUrl && e.name === error.name)) continue;
      this.logger.error(
        {
          proxy: [...group.members][0],
          part: compiled.key,
          typeUrl: error.typeUrl,
          resource: error.name,
          errors: error.errors,
        },
        'generated resource failed validation; not sent',
      );
    }
  }
}
