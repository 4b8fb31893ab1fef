// Each identity's secrets, for the streams that proved it: one certificate per identity (not per
// stream), issued when its first stream subscribes, rotated at about half its life (with jitter,
// so a fleet started together does not rotate together), and pushed to that identity's streams
// alone. A rotation rebuilds one identity's map; nothing else in the mesh is touched.
//
// A certificate outlives its streams for a while: a proxy that reconnects (or a second replica
// of the pod's stream) gets the same one until it is due, instead of a fresh issuance per connect.
import { LRUCache } from 'lru-cache';
import { rotationTime } from '../ca/rotation.js';
import type { Logger } from '../log.js';
import { describeIdentity, spiffeId, type WorkloadIdentity } from '../model/identity.js';
import { realScheduler, runAt, type Scheduler } from '../scheduler.js';
import type { SecretMap, SecretSource, SecretSubscription } from './cache/secret-overlay.js';
import type { CachedResource } from './cache/snapshot.js';
import {
  IDENTITY_SECRET,
  identitySecret,
  TRUST_BUNDLE_SECRET,
  trustBundleSecret,
  type WorkloadKeyPair,
} from './secret-resources.js';

export type IssuedWorkload = WorkloadKeyPair & { readonly notBefore: Date; readonly notAfter: Date };

/** What the CA does for this module (src/ca implements it). */
export interface WorkloadIssuer {
  /** At once, or later (a key made off the event loop). */
  issueWorkload(identity: WorkloadIdentity): IssuedWorkload | Promise<IssuedWorkload>;
  /** Every root a workload should trust now, PEM, concatenated. */
  trustBundlePem(): string;
}

export interface IdentitySecretsOptions {
  readonly issuer: WorkloadIssuer;
  readonly logger: Logger;
  readonly scheduler?: Scheduler;
  /** Uniform in [0, 1): where within the jitter window a certificate rotates. */
  readonly random?: () => number;
  /** Certificates kept for identities with no stream, until each is due (default 10,000). */
  readonly maxIdle?: number;
  /** Told of each issuance (metrics). */
  readonly onIssued?: (reason: 'new' | 'rotation') => void;
}

// When issuance fails (a bug, or a CA that cannot sign), try again after this long.
const RETRY_MS = 10_000;

interface Issued {
  readonly resource: CachedResource;
  readonly rotateAt: number;
}

interface Entry {
  readonly identity: WorkloadIdentity;
  readonly listeners: Set<(secrets: SecretMap) => void>;
  issued?: Issued;
  map: SecretMap;
  cancelTimer?: () => void;
}

export class IdentitySecrets implements SecretSource {
  private readonly issuer: WorkloadIssuer;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly random: () => number;
  private readonly onIssued: (reason: 'new' | 'rotation') => void;
  private readonly entries = new Map<string, Entry>();
  private readonly idle: LRUCache<string, Issued>;
  private readonly anonymous = new Set<(secrets: SecretMap) => void>();
  private bundle: CachedResource;
  private publicMap: SecretMap;

  constructor(options: IdentitySecretsOptions) {
    this.issuer = options.issuer;
    this.logger = options.logger;
    this.scheduler = options.scheduler ?? realScheduler;
    this.random = options.random ?? Math.random;
    this.onIssued = options.onIssued ?? (() => {});
    this.idle = new LRUCache({ max: options.maxIdle ?? 10_000 });
    this.bundle = trustBundleSecret(this.issuer.trustBundlePem());
    this.publicMap = new Map([[TRUST_BUNDLE_SECRET, this.bundle]]);
  }

  subscribe(
    identity: WorkloadIdentity | undefined,
    onChange: (secrets: SecretMap) => void,
  ): SecretSubscription {
    if (!identity) {
      this.anonymous.add(onChange);
      return { current: () => this.publicMap, stop: () => this.anonymous.delete(onChange) };
    }
    const key = spiffeId(identity);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { identity, listeners: new Set(), map: this.publicMap };
      this.entries.set(key, entry);
      const kept = this.idle.get(key);
      this.idle.delete(key);
      if (kept && kept.rotateAt > this.scheduler.now()) this.install(entry, kept);
      else this.issue(entry, 'new');
    }
    entry.listeners.add(onChange);
    const held = entry;
    return {
      current: () => held.map,
      stop: () => {
        held.listeners.delete(onChange);
        if (held.listeners.size > 0 || this.entries.get(key) !== held) return;
        this.entries.delete(key);
        held.cancelTimer?.();
        if (held.issued) this.idle.set(key, held.issued);
      },
    };
  }

  /** The roots changed (a root rotation began or ended): every map gets the new ROOTCA. */
  trustBundleChanged(): void {
    this.bundle = trustBundleSecret(this.issuer.trustBundlePem());
    this.publicMap = new Map([[TRUST_BUNDLE_SECRET, this.bundle]]);
    for (const listener of [...this.anonymous]) listener(this.publicMap);
    for (const entry of this.entries.values()) {
      entry.map = entry.issued ? this.mapOf(entry.issued) : this.publicMap;
      this.notify(entry);
    }
  }

  /** Identities with a stream now: for metrics and tests. */
  identities(): number {
    return this.entries.size;
  }

  /**
   * Issues the identity's certificate. An issuer that answers at once (ECDSA keys take ~35 µs) is
   * installed now, and the caller notifies if it must; one that answers later (an RSA key is made
   * on the thread pool, 100-350 ms) is installed and notified when it does, if the identity still
   * has streams; until then they have the trust bundle alone.
   */
  private issue(entry: Entry, reason: 'new' | 'rotation'): void {
    let answer: IssuedWorkload | Promise<IssuedWorkload>;
    try {
      answer = this.issuer.issueWorkload(entry.identity);
    } catch (err) {
      this.failed(entry, err);
      return;
    }
    if (!(answer instanceof Promise)) {
      this.issued(entry, answer, reason);
      return;
    }
    entry.cancelTimer?.();
    entry.cancelTimer = undefined;
    answer.then(
      (cert) => {
        if (this.entries.get(spiffeId(entry.identity)) !== entry) return;
        this.issued(entry, cert, reason);
        this.notify(entry);
      },
      (err: unknown) => {
        if (this.entries.get(spiffeId(entry.identity)) === entry) this.failed(entry, err);
      },
    );
  }

  private issued(entry: Entry, cert: IssuedWorkload, reason: 'new' | 'rotation'): void {
    const rotateAt = rotationTime(cert, this.random).getTime();
    this.install(entry, { resource: identitySecret(cert), rotateAt });
    this.onIssued(reason);
    this.logger.info(
      { identity: describeIdentity(entry.identity), reason, notAfter: cert.notAfter.toISOString() },
      'workload certificate issued',
    );
  }

  private failed(entry: Entry, err: unknown): void {
    // The message may be anything the CA says; it never holds key material (the CA's contract).
    this.logger.error(
      {
        identity: describeIdentity(entry.identity),
        reason: err instanceof Error ? err.message : String(err),
      },
      'workload certificate could not be issued; retrying',
    );
    this.schedule(entry, this.scheduler.now() + RETRY_MS);
  }

  private install(entry: Entry, issued: Issued): void {
    entry.issued = issued;
    entry.map = this.mapOf(issued);
    this.schedule(entry, issued.rotateAt);
  }

  private schedule(entry: Entry, at: number): void {
    entry.cancelTimer?.();
    entry.cancelTimer = runAt(this.scheduler, at, () => {
      entry.cancelTimer = undefined;
      if (this.entries.get(spiffeId(entry.identity)) !== entry) return;
      this.issue(entry, entry.issued ? 'rotation' : 'new');
      this.notify(entry);
    });
  }

  private mapOf(issued: Issued): SecretMap {
    return new Map([
      [IDENTITY_SECRET, issued.resource],
      [TRUST_BUNDLE_SECRET, this.bundle],
    ]);
  }

  private notify(entry: Entry): void {
    for (const listener of [...entry.listeners]) listener(entry.map);
  }
}
