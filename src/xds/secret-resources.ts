// The two Secrets a sidecar asks for over SDS, as Envoy resources: `default` (its own certificate
// chain and key) and `ROOTCA` (the roots it trusts). They go through the same strict encoder as
// every resource, but never through the shared encode memo: a key is encoded for its own identity
// and held only in that identity's map. No error here carries a PEM: a failure names the field.
import type { Secret } from '../generated/envoy/extensions/transport_sockets/tls/v3/Secret.js';
import { IDENTITY_SECRET, TRUST_BUNDLE_SECRET } from './cache/secret-overlay.js';
import type { CachedResource } from './cache/snapshot.js';
import { contentHash } from './cache/snapshot.js';
import { encodeResource } from './envoy/resource-codec.js';
import { TYPE_URL } from './envoy/type-urls.js';

export { IDENTITY_SECRET, TRUST_BUNDLE_SECRET } from './cache/secret-overlay.js';

export interface WorkloadKeyPair {
  /** The leaf first, then its intermediates; never the root. */
  readonly certChainPem: string;
  readonly privateKeyPem: string;
}

export function identitySecret(pair: WorkloadKeyPair): CachedResource {
  return encodeSecret({
    name: IDENTITY_SECRET,
    tls_certificate: {
      certificate_chain: { inline_bytes: base64(pair.certChainPem) },
      private_key: { inline_bytes: base64(pair.privateKeyPem) },
    },
  });
}

export function trustBundleSecret(bundlePem: string): CachedResource {
  return encodeSecret({
    name: TRUST_BUNDLE_SECRET,
    validation_context: { trusted_ca: { inline_bytes: base64(bundlePem) } },
  });
}

function encodeSecret(secret: Secret & { readonly name: string }): CachedResource {
  const encoded = encodeResource(TYPE_URL.secret, secret);
  if (!encoded.ok)
    // Our own fixed shape failed the encoder: a bug. Only the paths are said, never the values.
    throw new Error(`Secret ${secret.name} does not encode: ${encoded.errors.map((e) => e.path).join(', ')}`);
  return { name: secret.name, version: contentHash(encoded.value.value), value: encoded.value.value };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
