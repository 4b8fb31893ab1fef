// The generated CA kept in a Secret of Trellis's namespace (`trellis-ca`), so every replica signs
// with one root and the root outlives the pods.
//
// - init() creates the Secret; a 409 AlreadyExists means another replica created it first, and its
//   root is read and used instead of ours: two replicas starting at the same moment end up with one.
// - save() (root rotation, leader only) replaces it conditionally on the resourceVersion last read
//   or written, so a write based on an outdated view fails instead of losing a root.
// - Keys are PEM text under fixed names; nothing of them is ever logged.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { type CaLoadError, type CaState, type CaStore, loadError, type StoredCa } from '../ca/ca-store.js';
import { withDeadline } from '../kube-call.js';
import { apiCode, apiMessage } from './api-errors.js';

export const CA_SECRET_NAME = 'trellis-ca';

const KEYS = {
  rootCerts: 'root-certs.pem',
  rootKey: 'root-key.pem',
  stagedCert: 'staged-root-cert.pem',
  stagedKey: 'staged-root-key.pem',
} as const;

type Loaded = { ok: true; value: StoredCa | undefined } | { ok: false; errors: readonly CaLoadError[] };

export class SecretCaStore implements CaStore {
  readonly description: string;
  private readonly api: CoreV1Api;
  private resourceVersion: string | undefined;

  constructor(
    config: KubeConfig,
    private readonly namespace: string,
    private readonly name = CA_SECRET_NAME,
    private readonly timeoutMs = 10_000,
  ) {
    this.api = config.makeApiClient(CoreV1Api);
    this.description = `secret ${namespace}/${name}`;
  }

  async load(): Promise<Loaded> {
    let secret: V1Secret;
    try {
      secret = await withDeadline(`reading ${this.description}`, this.timeoutMs, (options) =>
        this.api.readNamespacedSecret({ name: this.name, namespace: this.namespace }, options),
      );
    } catch (err) {
      if (apiCode(err) === 404) return { ok: true, value: undefined };
      return { ok: false, errors: [loadError(this.description, `unreadable: ${apiMessage(err)}`)] };
    }
    this.resourceVersion = secret.metadata?.resourceVersion;
    return this.parse(secret);
  }

  async init(
    ca: CaState,
  ): Promise<{ ok: true; value: StoredCa } | { ok: false; errors: readonly CaLoadError[] }> {
    const held = await this.load();
    if (!held.ok) return held;
    if (held.value) return { ok: true, value: held.value };
    try {
      const created = await withDeadline(`creating ${this.description}`, this.timeoutMs, (options) =>
        this.api.createNamespacedSecret({ namespace: this.namespace, body: this.secret(ca) }, options),
      );
      this.resourceVersion = created.metadata?.resourceVersion;
    } catch (err) {
      if (apiCode(err) !== 409)
        return { ok: false, errors: [loadError(this.description, `cannot be created: ${apiMessage(err)}`)] };
      // Another replica created it between our read and our create: its root is the mesh's.
    }
    const after = await this.load();
    if (!after.ok) return after;
    if (!after.value)
      return { ok: false, errors: [loadError(this.description, 'vanished right after it was created')] };
    return { ok: true, value: after.value };
  }

  async save(ca: CaState): Promise<void> {
    const body = this.secret(ca);
    if (this.resourceVersion) body.metadata = { ...body.metadata, resourceVersion: this.resourceVersion };
    try {
      const saved = await withDeadline(`writing ${this.description}`, this.timeoutMs, (options) =>
        this.api.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body }, options),
      );
      this.resourceVersion = saved.metadata?.resourceVersion;
    } catch (err) {
      if (apiCode(err) === 409)
        throw new Error(`${this.description} was changed by someone else since it was read: not overwritten`);
      throw new Error(`${this.description} cannot be written: ${apiMessage(err)}`);
    }
  }

  private secret(ca: CaState): V1Secret {
    const data: Record<string, string> = {
      [KEYS.rootCerts]: base64(ca.rootCertsPem),
      [KEYS.rootKey]: base64(ca.rootKeyPem),
    };
    if (ca.stagedRoot) {
      data[KEYS.stagedCert] = base64(ca.stagedRoot.certPem);
      data[KEYS.stagedKey] = base64(ca.stagedRoot.keyPem);
    }
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/name': 'trellis', 'app.kubernetes.io/component': 'ca' },
      },
      data,
    };
  }

  private parse(secret: V1Secret): Loaded {
    const data = secret.data ?? {};
    const text = (key: string) => {
      const value = data[key];
      return value === undefined
        ? undefined
        : { source: `${this.description} key ${key}`, text: unbase64(value) };
    };
    const rootCerts = text(KEYS.rootCerts);
    const rootKey = text(KEYS.rootKey);
    if (!rootCerts || !rootKey)
      return {
        ok: false,
        errors: [loadError(this.description, `must have both ${KEYS.rootCerts} and ${KEYS.rootKey}`)],
      };
    const stagedCert = text(KEYS.stagedCert);
    const stagedKey = text(KEYS.stagedKey);
    if ((stagedCert === undefined) !== (stagedKey === undefined))
      return {
        ok: false,
        errors: [loadError(this.description, `${KEYS.stagedCert} and ${KEYS.stagedKey} go together`)],
      };
    return {
      ok: true,
      value: {
        rootCerts,
        rootKey,
        ...(stagedCert && stagedKey ? { staged: { cert: stagedCert, key: stagedKey } } : {}),
      },
    };
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unbase64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}
