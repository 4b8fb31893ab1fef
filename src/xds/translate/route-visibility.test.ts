import { describe, expect, it } from 'vitest';
import { visibleTo } from './route-visibility.js';

describe('route visibility', () => {
  const viewer = { namespace: 'default', labels: { app: 'client', version: 'v1' } };

  it('shows a route to proxies whose pod carries all its source labels', () => {
    expect(visibleTo({ sourceLabels: { version: 'v1' } }, viewer, 80)).toBe(true);
    expect(visibleTo({ sourceLabels: { version: 'v2' } }, viewer, 80)).toBe(false);
    expect(visibleTo({ sourceLabels: { version: 'v1', team: 'x' } }, viewer, 80)).toBe(false);
  });

  it('hides a route with source labels from a proxy whose pod is unknown', () => {
    expect(visibleTo({ sourceLabels: { version: 'v1' } }, { namespace: 'default' }, 80)).toBe(false);
    expect(visibleTo({}, { namespace: 'default' }, 80)).toBe(true);
  });

  it('honours the source namespace and the service port', () => {
    expect(visibleTo({ sourceNamespace: 'default', port: 80 }, viewer, 80)).toBe(true);
    expect(visibleTo({ sourceNamespace: 'shop' }, viewer, 80)).toBe(false);
    expect(visibleTo({ port: 81 }, viewer, 80)).toBe(false);
  });
});
