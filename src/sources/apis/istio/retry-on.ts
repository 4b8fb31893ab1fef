// Istio's retryOn: a comma-separated list of Envoy retry conditions, gRPC status conditions and
// HTTP status codes, which Envoy takes as retriable-status-codes.
import { z } from 'zod';
import { string } from '../core/fields.js';

const CONDITIONS = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  // gRPC conditions (x-envoy-retry-grpc-on)
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

export interface RetryOn {
  readonly retryOn: readonly string[];
  readonly statusCodes: readonly number[];
}

export const retryOn = () =>
  string().transform((text, ctx): RetryOn => {
    const conditions: string[] = [];
    const statusCodes: number[] = [];
    for (const raw of text.split(',')) {
      const token = raw.trim();
      if (token === '') continue;
      if (/^\d+$/.test(token)) {
        const code = Number(token);
        if (code < 100 || code > 599) {
          ctx.addIssue({
            code: 'custom',
            message: `status code ${token} must be 100..599`,
            params: { complete: true },
          });
          return z.NEVER;
        }
        if (!statusCodes.includes(code)) statusCodes.push(code);
      } else if (CONDITIONS.has(token)) {
        if (!conditions.includes(token)) conditions.push(token);
      } else {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(token)} is not a retry condition (5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, … or an HTTP status code)`,
          params: { complete: true },
        });
        return z.NEVER;
      }
    }
    if (statusCodes.length > 0 && !conditions.includes('retriable-status-codes')) {
      conditions.push('retriable-status-codes');
    }
    return { retryOn: conditions, statusCodes };
  });
