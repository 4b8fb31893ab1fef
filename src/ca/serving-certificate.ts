// Trellis's own certificate for its TLS port, issued by the mesh CA like any workload's and rotated
// the same way (at 50-60 % of its life). It is a grpc-js CertificateProvider: grpc-js asks it for
// the identity (our chain and key) and for the roots that client certificates must chain to, and
// swaps the TLS context when either changes, without a restart or a dropped connection.
import type { Logger } from '../log.js';
import { runAt, type Scheduler } from '../scheduler.js';

export interface ServingIssuer {
  issueServing(dnsNames: readonly string[]): {
    readonly certChainPem: string;
    readonly privateKeyPem: string;
    readonly notBefore: Date;
    readonly notAfter: Date;
  };
  trustBundlePem(): string;
}

/** The parts of grpc-js's CertificateProvider (experimental API) we implement. */
interface IdentityUpdate {
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
}
type CaListener = (update: { readonly caCertificate: Buffer } | null) => void;
type IdentityListener = (update: IdentityUpdate | null) => void;

const RETRY_MS = 10_000;

export class ServingCertificate {
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private identity: IdentityUpdate | undefined;
  private roots: Buffer;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly issuer: ServingIssuer,
    private readonly dnsNames: readonly string[],
    private readonly logger: Logger,
    private readonly timers: Scheduler,
    private readonly random: () => number = Math.random,
  ) {
    this.roots = Buffer.from(issuer.trustBundlePem());
    this.issue();
  }

  /** The chain and key now served, for another TLS server of Trellis's (the webhook); never logged. */
  keyPair(): { readonly certChainPem: string; readonly privateKeyPem: string } | undefined {
    return this.identity
      ? {
          certChainPem: this.identity.certificate.toString(),
          privateKeyPem: this.identity.privateKey.toString(),
        }
      : undefined;
  }

  /** Calls `listener` after each new certificate; returns what unsubscribes it. */
  onRotate(listener: () => void): () => void {
    const wrapped: IdentityListener = () => listener();
    this.identityListeners.add(wrapped);
    return () => this.identityListeners.delete(wrapped);
  }

  /** The roots changed (a root rotation): client certificates are checked against the new set. */
  trustBundleChanged(): void {
    this.roots = Buffer.from(this.issuer.trustBundlePem());
    for (const listener of [...this.caListeners]) listener({ caCertificate: this.roots });
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  // grpc-js registers a provider's listeners before its own watcher of the credentials, so an
  // answer given inside add*Listener would be lost and the port would drop every connection until
  // the first rotation: the current values are handed over on the next turn instead.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener({ caCertificate: this.roots });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identity && this.identityListeners.has(listener)) listener(this.identity);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private issue(): void {
    if (this.stopped) return;
    try {
      const cert = this.issuer.issueServing(this.dnsNames);
      this.identity = {
        certificate: Buffer.from(cert.certChainPem),
        privateKey: Buffer.from(cert.privateKeyPem),
      };
      const life = cert.notAfter.getTime() - cert.notBefore.getTime();
      const rotateAt = cert.notBefore.getTime() + Math.round(life * (0.5 + 0.1 * this.random()));
      this.logger.info(
        { dnsNames: this.dnsNames, notAfter: cert.notAfter.toISOString() },
        'TLS port serving certificate issued',
      );
      for (const listener of [...this.identityListeners]) listener(this.identity);
      this.schedule(rotateAt);
    } catch (err) {
      this.logger.error(
        { reason: err instanceof Error ? err.message : String(err) },
        'TLS port serving certificate could not be issued; retrying',
      );
      this.schedule(this.timers.now() + RETRY_MS);
    }
  }

  private schedule(at: number): void {
    this.cancelTimer?.();
    this.cancelTimer = runAt(this.timers, at, () => this.issue());
  }
}
