import { describe, expect, it } from 'vitest';
import { gatewayApiFamily } from './family.js';
import { GATEWAY_API_SUPPORT } from './support.js';

describe('the Gateway API support table', () => {
  it('lists every field once per kind, with a note for each unsupported one', () => {
    const keys = GATEWAY_API_SUPPORT.map((r) => `${r.kind} ${r.field}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const row of GATEWAY_API_SUPPORT.filter((r) => !r.supported)) expect(row.note).toBeTruthy();
    expect(gatewayApiFamily.support).toBe(GATEWAY_API_SUPPORT);
  });

  it('names what is unsupported', () => {
    const unsupported = GATEWAY_API_SUPPORT.filter((r) => !r.supported).map((r) => `${r.kind} ${r.field}`);
    expect(unsupported).toEqual([
      'HTTPRoute spec.parentRefs[].sectionName',
      'HTTPRoute spec.hostnames',
      'HTTPRoute spec.useDefaultGateways',
      'HTTPRoute spec.rules[].filters[].extensionRef',
      'HTTPRoute spec.rules[].filters[].externalAuth',
      'HTTPRoute spec.rules[].backendRefs[].filters',
      'HTTPRoute spec.rules[].sessionPersistence',
      'GRPCRoute spec.parentRefs[].sectionName',
      'GRPCRoute spec.hostnames',
      'GRPCRoute spec.useDefaultGateways',
      'GRPCRoute spec.rules[].filters[].extensionRef',
      'GRPCRoute spec.rules[].backendRefs[].filters',
      'GRPCRoute spec.rules[].sessionPersistence',
    ]);
  });

  it('covers the v1 fields, the retry and timeouts, and CORS', () => {
    const fields = new Set(GATEWAY_API_SUPPORT.filter((r) => r.kind === 'HTTPRoute').map((r) => r.field));
    for (const field of [
      'spec.rules[].matches[].path.type',
      'spec.rules[].matches[].queryParams[].value',
      'spec.rules[].filters[].requestMirror.fraction.denominator',
      'spec.rules[].filters[].requestRedirect.path.replacePrefixMatch',
      'spec.rules[].filters[].cors.allowOrigins',
      'spec.rules[].timeouts.backendRequest',
      'spec.rules[].retry.backoff',
      'spec.rules[].backendRefs[].weight',
    ]) {
      expect(fields).toContain(field);
    }
  });

  it('reads HTTPRoute v1/v1beta1, GRPCRoute v1/v1alpha2 and ReferenceGrant v1/v1beta1', () => {
    expect(gatewayApiFamily.kinds.map((k) => `${k.group}/${k.kind}:${k.versions.join(',')}`)).toEqual([
      'gateway.networking.k8s.io/HTTPRoute:v1,v1beta1',
      'gateway.networking.k8s.io/GRPCRoute:v1,v1alpha2',
      'gateway.networking.k8s.io/ReferenceGrant:v1,v1beta1',
    ]);
  });
});
