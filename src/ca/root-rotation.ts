// Rotating a generated root without breaking a single handshake, in three steps that each wait for
// what makes the next one safe:
//   1. stage: the new root joins the trust bundle; the old root still signs every leaf.
//   2. activate, once every connected proxy has ACKed a bundle holding the new root: the new root
//      signs from now on. A proxy with a new leaf is trusted by all, since all trust both roots.
//   3. retire the old root, once no leaf it signed can still be alive (the longest leaf lifetime
//      after activation) and every proxy has ACKed the bundle again.
// Rotation starts by itself when the current root enters the last fifth of its life (Istio's
// self-signed CA does the same), or when asked. A restart resumes from the stored state: a staged
// root waits for the ACKs again, and an old root still trusted after activation is retired one
// leaf lifetime after the restart (the activation time is not stored, so this errs late).
import type { Logger } from '../log.js';
import type { Result } from '../model/result.js';
import { runAt, type Scheduler } from '../scheduler.js';
import type { RootInfo } from './authority.js';

export interface RotatingAuthority {
  readonly generated: boolean;
  roots(): RootInfo[];
  stageRoot(): Promise<Result<RootInfo, string>>;
  activateStagedRoot(): Promise<Result<RootInfo, string>>;
  retireRoot(fingerprintSha256: string): Promise<Result<RootInfo[], string>>;
}

export interface RootRotationOptions {
  readonly authority: RotatingAuthority;
  /** The trust bundle changed: push it (SDS) and check client certificates against it (TLS port). */
  readonly bundleChanged: () => void;
  /** Connected proxies that have not ACKed the bundle they are offered now, and the first ids. */
  readonly outdated: () => { readonly outdated: number; readonly outdatedProxies: readonly string[] };
  /** The longest a leaf lives (the workload TTL; CSR validity is capped by it). */
  readonly leafTtlMs: number;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** How often the steps check their condition (default 30 s). */
  readonly checkEveryMs?: number;
  /** Added to the leaf lifetime before the old root goes (default 10 min: back-dating, skew). */
  readonly leafSlackMs?: number;
}

export type RotationPhase =
  | { readonly phase: 'idle' }
  | { readonly phase: 'staged'; readonly root: string }
  | { readonly phase: 'draining'; readonly oldRoots: readonly string[]; readonly retireAt: number };

/** Rotate when less than this fraction of the current root's life is left. */
const ROTATE_WHEN_LEFT = 0.2;
// Leaves are back-dated for clock skew; one issued just before activation lives this much longer.
const DEFAULT_LEAF_SLACK_MS = 10 * 60_000;

export class RootRotation {
  private state: RotationPhase = { phase: 'idle' };
  private cancel: (() => void) | undefined;
  private busy = false;
  private lastWaitLog = 0;

  constructor(private readonly options: RootRotationOptions) {}

  /** Picks up where a previous run left off, and starts checking. */
  start(): void {
    if (!this.options.authority.generated) return;
    const roots = this.options.authority.roots();
    const staged = roots.find((r) => r.staged);
    const old = roots.filter((r) => !r.current && !r.staged).map((r) => r.fingerprintSha256);
    if (staged) this.state = { phase: 'staged', root: staged.fingerprintSha256 };
    else if (old.length > 0)
      this.state = {
        phase: 'draining',
        oldRoots: old,
        retireAt: this.options.scheduler.now() + this.drainMs(),
      };
    this.arm();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  phase(): RotationPhase {
    return this.state;
  }

  /** Starts a rotation now (an operator's decision, or the root's age). */
  async begin(): Promise<Result<RootInfo, string>> {
    const staged = await this.options.authority.stageRoot();
    if (staged.ok) {
      this.state = { phase: 'staged', root: staged.value.fingerprintSha256 };
      this.options.logger.warn(
        { root: staged.value.fingerprintSha256, notAfter: staged.value.notAfter.toISOString() },
        'root rotation: a new root is trusted; it signs once every proxy has ACKed it',
      );
      this.options.bundleChanged();
    }
    return staged;
  }

  /** One check of the current step's condition; the timer calls it, tests may too. */
  async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.step();
    } finally {
      this.busy = false;
    }
  }

  private async step(): Promise<void> {
    const { authority, scheduler, logger } = this.options;
    const now = scheduler.now();
    const state = this.state;
    if (state.phase === 'idle') {
      const current = authority.roots().find((r) => r.current);
      if (current && this.nearEnd(current, now)) await this.begin();
      return;
    }
    const { outdated, outdatedProxies } = this.options.outdated();
    if (outdated > 0) {
      // Said at most every ten minutes: a stuck proxy holds the rotation, and operators must know.
      if (now - this.lastWaitLog >= 600_000) {
        this.lastWaitLog = now;
        logger.warn(
          { phase: state.phase, outdated, proxies: outdatedProxies },
          'root rotation waits for proxies to ACK the trust bundle',
        );
      }
      return;
    }
    if (state.phase === 'staged') {
      const old = authority
        .roots()
        .filter((r) => !r.staged)
        .map((r) => r.fingerprintSha256);
      const activated = await authority.activateStagedRoot();
      if (!activated.ok)
        return void logger.error({ reason: activated.errors.join('; ') }, 'root rotation failed');
      this.state = {
        phase: 'draining',
        oldRoots: old,
        retireAt: now + this.drainMs(),
      };
      logger.warn(
        { root: activated.value.fingerprintSha256, retireAt: new Date(this.state.retireAt).toISOString() },
        'root rotation: the new root signs; the old one stays trusted until its last leaf expired',
      );
      // The order of the bundle changed (current root first): the same roots, pushed again.
      this.options.bundleChanged();
      return;
    }
    if (now < state.retireAt) return;
    for (const fingerprint of state.oldRoots) {
      const retired = await authority.retireRoot(fingerprint);
      if (!retired.ok)
        logger.error({ root: fingerprint, reason: retired.errors.join('; ') }, 'root retirement failed');
    }
    this.state = { phase: 'idle' };
    logger.warn({ retired: state.oldRoots }, 'root rotation done: the old root is no longer trusted');
    this.options.bundleChanged();
  }

  private drainMs(): number {
    return this.options.leafTtlMs + (this.options.leafSlackMs ?? DEFAULT_LEAF_SLACK_MS);
  }

  private nearEnd(root: RootInfo, now: number): boolean {
    const life = root.notAfter.getTime() - root.notBefore.getTime();
    return root.notAfter.getTime() - now < ROTATE_WHEN_LEFT * life;
  }

  private arm(): void {
    const every = this.options.checkEveryMs ?? 30_000;
    const { scheduler } = this.options;
    this.cancel = runAt(scheduler, scheduler.now() + every, () => {
      this.check().then(
        () => this.arm(),
        (err: unknown) => {
          this.options.logger.error({ err }, 'root rotation check failed');
          this.arm();
        },
      );
    });
  }
}
