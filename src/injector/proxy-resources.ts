// The sidecar's CPU and memory: the server's defaults (flags), overridden per pod by annotations
// (`trellis.dev/proxy-cpu`, `proxy-memory`, `proxy-cpu-limit`, `proxy-memory-limit`). A value that
// is not a Kubernetes quantity is not used: the default stays and a warning names the annotation,
// so a typo costs the pod its override, never its creation.
import type { JsonObject } from './pod-view.js';

export interface ResourceDefaults {
  readonly cpu: string;
  readonly memory: string;
  readonly cpuLimit?: string;
  readonly memoryLimit?: string;
}

export const DEFAULT_PROXY_RESOURCES: ResourceDefaults = { cpu: '100m', memory: '128Mi', memoryLimit: '1Gi' };

// Kubernetes resource.Quantity: a signed decimal with an optional binary or decimal suffix, or an
// exponent. Bounded: no annotation value reaches a regex longer than this.
const QUANTITY = /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$/;
const MAX_QUANTITY_CHARS = 64;

const ANNOTATIONS: readonly [keyof ResourceDefaults, string][] = [
  ['cpu', 'trellis.dev/proxy-cpu'],
  ['memory', 'trellis.dev/proxy-memory'],
  ['cpuLimit', 'trellis.dev/proxy-cpu-limit'],
  ['memoryLimit', 'trellis.dev/proxy-memory-limit'],
];

export function isQuantity(value: string): boolean {
  return value.length <= MAX_QUANTITY_CHARS && QUANTITY.test(value);
}

/** The container's `resources`, and a warning for each annotation that was not a quantity. */
export function proxyResources(
  annotations: Readonly<Record<string, string>>,
  defaults: ResourceDefaults,
): { value: JsonObject; warnings: string[] } {
  const chosen: Partial<Record<keyof ResourceDefaults, string>> = { ...defaults };
  const warnings: string[] = [];
  for (const [key, annotation] of ANNOTATIONS) {
    const value = annotations[annotation];
    if (value === undefined) continue;
    if (isQuantity(value)) chosen[key] = value;
    else
      warnings.push(
        `annotation ${annotation}: ${JSON.stringify(value.slice(0, MAX_QUANTITY_CHARS))} is not a Kubernetes quantity (e.g. 100m, 128Mi); the default ${defaults[key] ?? '(none)'} is used`,
      );
  }
  const limits: Record<string, string> = {};
  if (chosen.cpuLimit) limits.cpu = chosen.cpuLimit;
  if (chosen.memoryLimit) limits.memory = chosen.memoryLimit;
  return {
    value: {
      requests: { cpu: chosen.cpu ?? defaults.cpu, memory: chosen.memory ?? defaults.memory },
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    warnings,
  };
}
