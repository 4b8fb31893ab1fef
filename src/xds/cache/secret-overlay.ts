// A proxy's secrets are laid over its group's snapshot, never compiled into it. Proxies of one group
// share one Snapshot and every per-type map in it, with the encodings inside; each proxy's own
// secrets (its certificate and key, keyed by its identity) replace only the Secret type. So sharing
// survives identities, and a key never sits in a map another proxy could be sent.
import type { WorkloadIdentity } from '../../model/identity.js';
import { TYPE_URL } from '../envoy/type-urls.js';
import type { CachedResource, Snapshot } from './snapshot.js';

export type SecretMap = ReadonlyMap<string, CachedResource>;

/** The Secrets a sidecar asks for over SDS, named as Istio names them: its own chain and key... */
export const IDENTITY_SECRET = 'default';
/** ...and the roots it trusts. */
export const TRUST_BUNDLE_SECRET = 'ROOTCA';

/** What a stream is watching: the current secrets, and how to stop. */
export interface SecretSubscription {
  current(): SecretMap;
  stop(): void;
}

/**
 * Secrets per identity. Streams of one identity share one map (its encoding made once); a stream
 * with no proved identity gets only what is public (the trust bundle).
 */
export interface SecretSource {
  subscribe(
    identity: WorkloadIdentity | undefined,
    onChange: (secrets: SecretMap) => void,
  ): SecretSubscription;
}

/** The group's snapshot with the Secret type replaced by this proxy's own secrets. */
export function overlaySecrets(snapshot: Snapshot, secrets: SecretMap): Snapshot {
  const resources = new Map(snapshot.resources);
  resources.set(TYPE_URL.secret, secrets);
  return snapshot.changeStamp === undefined
    ? { resources }
    : { resources, changeStamp: snapshot.changeStamp };
}
