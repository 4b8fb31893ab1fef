// StatusApi over the API server: routing resources are custom resources, read and patched through
// client-node's CustomObjectsApi (plain objects, nothing dropped), the status as a JSON merge patch
// on the status subresource with the read resourceVersion as a precondition.
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { withDeadline } from '../kube-call.js';
import { KUBE_KINDS, type KubeKind } from '../sources/kube/kube-kinds.js';
import { apiCode } from './api-errors.js';
import type { StatusKey } from './status-documents.js';
import type { LiveObject, StatusApi } from './status-publisher.js';

/**
 * The kinds whose status Trellis writes: the routing and policy resources users apply. Not the core
 * kinds, nor the ones only referred to (ReferenceGrant, HTTPRouteGroup), which say nothing of their own.
 */
export const STATUS_KINDS: readonly string[] = [
  'HTTPRoute',
  'GRPCRoute',
  'VirtualService',
  'DestinationRule',
  'Sidecar',
  'PeerAuthentication',
  'TrafficSplit',
  'LocalRateLimitPolicy',
];

export function statusKinds(kinds: readonly KubeKind[] = KUBE_KINDS): Map<string, KubeKind> {
  return new Map(kinds.filter((k) => STATUS_KINDS.includes(k.kind)).map((k) => [k.kind, k]));
}

export class KubeStatusApi implements StatusApi {
  private readonly api: CustomObjectsApi;

  constructor(
    config: KubeConfig,
    private readonly kinds: ReadonlyMap<string, KubeKind>,
    private readonly timeoutMs = 10_000,
  ) {
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  async read(key: StatusKey): Promise<LiveObject | undefined> {
    const kind = this.kindOf(key);
    try {
      const object: unknown = await withDeadline(
        `reading ${key.kind} ${key.namespace}/${key.name}`,
        this.timeoutMs,
        (options) =>
          this.api.getNamespacedCustomObject(
            {
              group: kind.group,
              version: kind.version,
              namespace: key.namespace,
              plural: kind.plural,
              name: key.name,
            },
            options,
          ),
      );
      const metadata = (object as { metadata?: { resourceVersion?: unknown; generation?: unknown } })
        .metadata;
      const generation = metadata?.generation;
      return {
        resourceVersion: typeof metadata?.resourceVersion === 'string' ? metadata.resourceVersion : '',
        ...(typeof generation === 'number' ? { generation } : {}),
        status: (object as { status?: unknown }).status,
      };
    } catch (err) {
      if (apiCode(err) === 404) return undefined;
      throw err;
    }
  }

  async writeStatus(
    key: StatusKey,
    status: Record<string, unknown>,
    resourceVersion: string,
    via: 'subresource' | 'object',
  ): Promise<'written' | 'conflict' | 'absent' | 'no-subresource'> {
    const kind = this.kindOf(key);
    const request = {
      group: kind.group,
      version: kind.version,
      namespace: key.namespace,
      plural: kind.plural,
      name: key.name,
      body: { metadata: { resourceVersion }, status },
    };
    try {
      await withDeadline(
        `writing the status of ${key.kind} ${key.namespace}/${key.name}`,
        this.timeoutMs,
        (options) => {
          const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, options);
          return via === 'subresource'
            ? this.api.patchNamespacedCustomObjectStatus(request, mergePatch)
            : this.api.patchNamespacedCustomObject(request, mergePatch);
        },
      );
      return 'written';
    } catch (err) {
      const code = apiCode(err);
      if (code === 409) return 'conflict';
      if (code === 404) {
        // The object was just read: a 404 of its status subresource means the CRD has none.
        if (via === 'subresource' && (await this.read(key))) return 'no-subresource';
        return 'absent';
      }
      throw err;
    }
  }

  private kindOf(key: StatusKey): KubeKind {
    const kind = this.kinds.get(key.kind);
    if (!kind) throw new Error(`no API resource known for kind ${key.kind}`);
    return kind;
  }
}
