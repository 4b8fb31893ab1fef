// The certificate authority: one signing chain, the roots the mesh trusts, and issuance.
//
// Its material comes either from a store (a root Trellis generated on first start, ECDSA P-256,
// ten years, and rotates on request) or from a directory in Istio's `cacerts` layout (a root and
// intermediate the user supplies and rotates). Both go through the same checks
// (ca-material.ts) before anything is signed. Time comes from the injected clock only.
import { checkIdentity, spiffeId, type WorkloadIdentity } from '../model/identity.js';
import { fail, ok, type Result } from '../model/result.js';
import { type CaMaterialText, type ValidatedCa, validateCaMaterial } from './ca-material.js';
import type { CaLoadError, CaStore } from './ca-store.js';
import { readCacertsDir } from './cacerts.js';
import { type CsrError, checkCsr } from './csr.js';
import {
  DEFAULT_WORKLOAD_TTL_MS,
  type IssuedCertificate,
  type IssuingChain,
  issueLeaf,
  type LeafRequest,
  type SignedCertificate,
} from './issue.js';
import { type GeneratedKey, generateKey, generateKeyAsync, type KeyAlgorithm } from './keys.js';
import { LeafTemplate } from './leaf-template.js';
import { createRoot, ROOT_TTL_MS } from './root.js';
import type { CaExpiry } from './rotation.js';

export interface Clock {
  now(): number;
}

export type CaSource = { readonly store: CaStore } | { readonly cacertsDir: string };

export interface AuthorityOptions {
  readonly source: CaSource;
  readonly clock: Clock;
  /** Written in a generated root's subject (O=). Default `cluster.local`. */
  readonly trustDomain?: string;
  /** Default and maximum lifetime of a leaf. Default 24 h. */
  readonly workloadTtlMs?: number;
  readonly rootTtlMs?: number;
  /** Told each note of an issuance (a validity cut to the issuer's), besides the returned notes. */
  readonly onWarning?: (message: string) => void;
}

export interface IssueOptions {
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Lifetime from now; default the authority's workload TTL. */
  readonly ttlMs?: number;
}

export interface RootInfo {
  readonly fingerprintSha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly current: boolean;
  /** Trusted, not signing yet: the first step of a root rotation (stageRoot). */
  readonly staged?: boolean;
  readonly pem: string;
}

/** A root trusted but not signing yet, with its key, kept until activateStagedRoot. */
interface StagedRoot {
  readonly cert: ValidatedCa['signing'];
  readonly certPem: string;
  readonly keyPem: string;
}

// RFC 1123 host names, with an optional leading wildcard label.
const DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export class CertificateAuthority {
  private chain: IssuingChain;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: AuthorityOptions,
    private ca: ValidatedCa,
    private staged: StagedRoot | undefined,
  ) {
    this.chain = issuingChain(ca);
  }

  /** Loads (or, for an empty store, generates and saves) the CA; every refusal names its source. */
  static async open(options: AuthorityOptions): Promise<Result<CertificateAuthority, CaLoadError>> {
    const material = await loadMaterial(options);
    if (!material.ok) return material;
    const ca = validateCaMaterial(material.value, options.clock.now());
    if (!ca.ok) return fail(ca.errors);
    const stored = 'store' in options.source ? await options.source.store.load() : undefined;
    const stagedText = stored?.ok ? stored.value?.staged : undefined;
    if (!stagedText) return ok(new CertificateAuthority(options, ca.value, undefined));
    // A staged root is checked like any root: a self-signed CA whose key matches.
    const staged = validateCaMaterial(
      { signingCert: stagedText.cert, signingKey: stagedText.key, roots: stagedText.cert },
      options.clock.now(),
    );
    if (!staged.ok) return fail(staged.errors);
    return ok(
      new CertificateAuthority(options, ca.value, {
        cert: staged.value.signing,
        certPem: stagedText.cert.text,
        keyPem: stagedText.key.text,
      }),
    );
  }

  get generated(): boolean {
    return 'store' in this.options.source;
  }

  private get ttlMs(): number {
    return this.options.workloadTtlMs ?? DEFAULT_WORKLOAD_TTL_MS;
  }

  /**
   * Reads the store again and takes what another writer saved there (in a cluster, the leader's root
   * rotation as seen by the other replicas). True when the roots, the signing root or the staged root
   * changed. A store that cannot be read, or holds what would not load, changes nothing.
   */
  reloadFromStore(): Promise<Result<boolean, string>> {
    return this.serialised(async () => {
      if (!('store' in this.options.source)) return ok(false);
      const stored = await this.options.source.store.load();
      if (!stored.ok) return fail(stored.errors.map((e) => e.message));
      if (!stored.value) return fail([`${this.options.source.store.description} holds no CA any more`]);
      const { rootCerts, rootKey, staged: stagedText } = stored.value;
      const now = this.options.clock.now();
      const ca = validateCaMaterial(
        { signingCert: firstCertificate(rootCerts), signingKey: rootKey, roots: rootCerts },
        now,
      );
      if (!ca.ok) return fail(ca.errors.map((e) => e.message));
      let staged: StagedRoot | undefined;
      if (stagedText) {
        const checked = validateCaMaterial(
          { signingCert: stagedText.cert, signingKey: stagedText.key, roots: stagedText.cert },
          now,
        );
        if (!checked.ok) return fail(checked.errors.map((e) => e.message));
        staged = { cert: checked.value.signing, certPem: stagedText.cert.text, keyPem: stagedText.key.text };
      }
      const before = this.trustBundlePem() + this.ca.signing.fingerprintSha256;
      this.ca = ca.value;
      this.staged = staged;
      this.chain = issuingChain(ca.value);
      return ok(this.trustBundlePem() + this.ca.signing.fingerprintSha256 !== before);
    });
  }

  /** A key pair and certificate for a workload: one URI SAN, its SPIFFE ID. */
  issueWorkload(identity: WorkloadIdentity, options: IssueOptions = {}): IssuedCertificate {
    const checked = checkIdentity(identity);
    if (!checked.ok) throw new TypeError(`issueWorkload: ${checked.errors[0]}`);
    return this.issueWithKey({ uri: spiffeId(identity) }, options);
  }

  /** issueWorkload with the key made off the event loop (RSA); ECDSA answers at once. */
  async issueWorkloadAsync(
    identity: WorkloadIdentity,
    options: IssueOptions = {},
  ): Promise<IssuedCertificate> {
    const checked = checkIdentity(identity);
    if (!checked.ok) throw new TypeError(`issueWorkload: ${checked.errors[0]}`);
    const key = await generateKeyAsync(options.keyAlgorithm);
    return this.issueForKey(key, { uri: spiffeId(identity) }, options);
  }

  /** A key pair and certificate for Trellis's own TLS port: DNS SANs, serverAuth + clientAuth. */
  issueServing(dnsNames: readonly string[], options: IssueOptions = {}): IssuedCertificate {
    if (dnsNames.length === 0 || dnsNames.length > 100)
      throw new TypeError(`issueServing: 1 to 100 DNS names, got ${dnsNames.length}`);
    for (const name of dnsNames)
      if (name.length > 253 || !DNS_NAME.test(name))
        throw new TypeError(`issueServing: "${name}" is not a DNS name`);
    return this.issueWithKey({ dns: [...dnsNames] }, options);
  }

  /** Signs a workload's CSR for the identity its caller proved; see csr.ts for what is refused. */
  signCsr(
    csrPem: string,
    authenticated: WorkloadIdentity,
    validityMs?: number,
  ): Result<SignedCertificate, CsrError> {
    const identity = checkIdentity(authenticated);
    if (!identity.ok)
      return fail([{ code: 'PERMISSION_DENIED', message: `authenticated identity: ${identity.errors[0]}` }]);
    if (validityMs !== undefined && !(Number.isFinite(validityMs) && validityMs >= 1000))
      return fail([
        { code: 'INVALID_ARGUMENT', message: `validity ${validityMs} ms is not a duration of at least 1 s` },
      ]);
    const checked = checkCsr(csrPem, authenticated);
    if (!checked.ok) return checked;
    const notes = [...checked.value.notes];
    let ttlMs = validityMs ?? this.ttlMs;
    if (ttlMs > this.ttlMs) {
      notes.push(`validity of ${validityMs} ms asked; cut to the maximum of ${this.ttlMs} ms`);
      ttlMs = this.ttlMs;
    }
    const signed = this.sign({
      spkiDer: checked.value.spkiDer,
      keyKind: checked.value.keyKind,
      san: { uri: spiffeId(authenticated) },
      ttlMs,
    });
    return ok({ ...signed, notes: [...notes, ...signed.notes] });
  }

  /** Every trusted root, PEM concatenated, the current one first. */
  trustBundlePem(): string {
    return [...this.ca.roots.map((r) => r.pem), ...(this.staged ? [this.staged.cert.pem] : [])].join('');
  }

  roots(): RootInfo[] {
    const roots: RootInfo[] = this.ca.roots.map((r, i) => ({
      fingerprintSha256: r.fingerprintSha256,
      notBefore: r.notBefore,
      notAfter: r.notAfter,
      current: i === 0,
      pem: r.pem,
    }));
    const staged = this.staged?.cert;
    if (staged)
      roots.push({
        fingerprintSha256: staged.fingerprintSha256,
        notBefore: staged.notBefore,
        notAfter: staged.notAfter,
        current: false,
        staged: true,
        pem: staged.pem,
      });
    return roots;
  }

  /** Expiry of every CA certificate: the trusted roots and the chain from the signing one. */
  expiries(): CaExpiry[] {
    const chain = this.generated ? [] : [this.ca.signing, ...this.ca.intermediates];
    const roots = [...this.ca.roots, ...(this.staged ? [this.staged.cert] : [])];
    return [...roots.map((c) => expiry('root', c)), ...chain.map((c) => expiry('intermediate', c))];
  }

  /**
   * The first step of a root rotation that never breaks a handshake: a new root joins the trust
   * bundle but signs nothing yet. Once every proxy trusts it (the caller watches the ACKs),
   * activateStagedRoot makes it sign; the old root stays trusted until its last leaf expired and
   * the caller retires it.
   */
  stageRoot(): Promise<Result<RootInfo, string>> {
    return this.serialised(async () => {
      if (!('store' in this.options.source))
        return fail([
          'the root was supplied in a cacerts directory; rotate it there, Trellis does not own it',
        ]);
      if (this.staged) return fail([`root ${this.staged.cert.fingerprintSha256} is staged already`]);
      const root = createRoot(
        this.options.trustDomain ?? 'cluster.local',
        this.options.clock.now(),
        this.options.rootTtlMs ?? ROOT_TTL_MS,
      );
      const staged = validateCaMaterial(
        {
          signingCert: { source: 'new root', text: root.certPem },
          signingKey: { source: 'new root key', text: root.keyPem },
          roots: { source: 'new root', text: root.certPem },
        },
        this.options.clock.now(),
      );
      if (!staged.ok) return fail(staged.errors.map((e) => e.message));
      const stagedRoot = { cert: staged.value.signing, certPem: root.certPem, keyPem: root.keyPem };
      const saved = await this.persist(
        this.options.source.store,
        this.ca.roots.map((r) => r.pem),
        this.ca.signingKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        stagedRoot,
      );
      return saved.ok ? ok(this.roots().at(-1)!) : saved;
    });
  }

  /** The staged root signs from now on; the old roots stay trusted until retired. */
  activateStagedRoot(): Promise<Result<RootInfo, string>> {
    return this.serialised(async () => {
      if (!('store' in this.options.source)) return fail(['the root was supplied in a cacerts directory']);
      const staged = this.staged;
      if (!staged) return fail(['no root is staged']);
      const switched = await this.persist(
        this.options.source.store,
        [staged.certPem, ...this.ca.roots.map((r) => r.pem)],
        staged.keyPem,
        undefined,
      );
      return switched.ok ? ok(this.roots()[0]!) : switched;
    });
  }

  /**
   * A new self-signed root that signs from now on; the old roots stay in the trust bundle until
   * retired. Only for a generated root: a user-supplied one is rotated by the user.
   */
  rotateRoot(): Promise<Result<RootInfo, string>> {
    return this.serialised(async () => {
      if (!('store' in this.options.source))
        return fail([
          'the root was supplied in a cacerts directory; rotate it there, Trellis does not own it',
        ]);
      const root = createRoot(
        this.options.trustDomain ?? 'cluster.local',
        this.options.clock.now(),
        this.options.rootTtlMs ?? ROOT_TTL_MS,
      );
      const switched = await this.persist(
        this.options.source.store,
        [root.certPem, ...this.ca.roots.map((r) => r.pem)],
        root.keyPem,
        this.staged,
      );
      return switched.ok ? ok(this.roots()[0]!) : switched;
    });
  }

  /** Removes a root that is no longer current from the trust bundle, for good. */
  retireRoot(fingerprintSha256: string): Promise<Result<RootInfo[], string>> {
    return this.serialised(async () => {
      if (!('store' in this.options.source))
        return fail(['the root was supplied in a cacerts directory; edit root-cert.pem there']);
      const index = this.ca.roots.findIndex((r) => r.fingerprintSha256 === fingerprintSha256.toLowerCase());
      if (index < 0) return fail([`no trusted root has the SHA-256 fingerprint ${fingerprintSha256}`]);
      if (index === 0) return fail([`root ${fingerprintSha256} is the current root; rotate first`]);
      const kept = this.ca.roots.filter((_, i) => i !== index).map((r) => r.pem);
      const key = this.ca.signingKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const switched = await this.persist(this.options.source.store, kept, key, this.staged);
      return switched.ok ? ok(this.roots()) : switched;
    });
  }

  private issueWithKey(san: LeafRequest['san'], options: IssueOptions): IssuedCertificate {
    return this.issueForKey(generateKey(options.keyAlgorithm), san, options);
  }

  private issueForKey(key: GeneratedKey, san: LeafRequest['san'], options: IssueOptions): IssuedCertificate {
    const ttlMs = options.ttlMs ?? this.ttlMs;
    if (!(Number.isFinite(ttlMs) && ttlMs >= 1000))
      throw new RangeError(`TTL ${ttlMs} ms is not at least 1 s`);
    const signed = this.sign({ spkiDer: key.spkiDer, keyKind: key.kind, san, ttlMs });
    return { ...signed, privateKeyPem: key.privateKeyPem };
  }

  private sign(request: LeafRequest): SignedCertificate {
    const signed = issueLeaf(this.chain, request, this.options.clock.now());
    for (const note of signed.notes) this.options.onWarning?.(note);
    return signed;
  }

  /** Saves first, switches after: a failed save leaves both the store and the CA as they were. */
  private async persist(
    store: CaStore,
    rootPems: string[],
    keyPem: string,
    staged: StagedRoot | undefined,
  ): Promise<Result<true, string>> {
    const text: CaMaterialText = generatedMaterial(store, rootPems.join(''), keyPem);
    const ca = validateCaMaterial(text, this.options.clock.now());
    if (!ca.ok) return fail(ca.errors.map((e) => e.message));
    await store.save({
      rootCertsPem: rootPems.join(''),
      rootKeyPem: keyPem,
      ...(staged ? { stagedRoot: { certPem: staged.certPem, keyPem: staged.keyPem } } : {}),
    });
    this.ca = ca.value;
    this.staged = staged;
    this.chain = issuingChain(ca.value);
    return ok(true);
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

async function loadMaterial(options: AuthorityOptions): Promise<Result<CaMaterialText, CaLoadError>> {
  const { source } = options;
  if ('cacertsDir' in source) return readCacertsDir(source.cacertsDir);
  const stored = await source.store.load();
  if (!stored.ok) return fail(stored.errors);
  if (stored.value) {
    const { rootCerts, rootKey } = stored.value;
    return ok({ signingCert: firstCertificate(rootCerts), signingKey: rootKey, roots: rootCerts });
  }
  const root = createRoot(
    options.trustDomain ?? 'cluster.local',
    options.clock.now(),
    options.rootTtlMs ?? ROOT_TTL_MS,
  );
  // Another replica may have saved its root since the load: then that one is ours too.
  const held = await source.store.init({ rootCertsPem: root.certPem, rootKeyPem: root.keyPem });
  if (!held.ok) return fail(held.errors);
  const { rootCerts, rootKey } = held.value;
  return ok({ signingCert: firstCertificate(rootCerts), signingKey: rootKey, roots: rootCerts });
}

function generatedMaterial(store: CaStore, rootsPem: string, keyPem: string): CaMaterialText {
  const roots = { source: `${store.description} (rootCertsPem)`, text: rootsPem };
  return {
    signingCert: firstCertificate(roots),
    signingKey: { source: `${store.description} (rootKeyPem)`, text: keyPem },
    roots,
  };
}

/** A generated CA signs with its current root, the first certificate of the stored list. */
function firstCertificate(roots: { source: string; text: string }): { source: string; text: string } {
  const end = roots.text.indexOf('-----END CERTIFICATE-----');
  const text = end < 0 ? roots.text : `${roots.text.slice(0, end + '-----END CERTIFICATE-----'.length)}\n`;
  return { source: `${roots.source}, first certificate`, text };
}

function issuingChain(ca: ValidatedCa): IssuingChain {
  const template = new LeafTemplate({
    nameDer: ca.signing.subjectDer,
    keyId: ca.signing.keyId,
    key: ca.signingKey,
    scheme: ca.scheme,
  });
  const selfSigned = ca.signing.der.equals(ca.roots[0]!.der);
  return {
    template,
    signing: ca.signing,
    chainPem: selfSigned ? '' : [ca.signing, ...ca.intermediates].map((c) => c.pem).join(''),
    path: selfSigned ? [ca.signing] : [ca.signing, ...ca.intermediates, ca.roots[0]!],
  };
}

function expiry(which: 'root' | 'intermediate', cert: ValidatedCa['signing']): CaExpiry {
  return { which, notAfter: cert.notAfter, subject: cert.subject, fingerprintSha256: cert.fingerprintSha256 };
}
