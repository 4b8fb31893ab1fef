import { describe, expect, it } from 'vitest';
import { noopMetrics } from './xds-metrics.js';

describe('noopMetrics', () => {
  it('reports nowhere but still stamps changes', () => {
    expect(typeof noopMetrics.changeSeen()).toBe('number');
    expect(() => noopMetrics.converged(0)).not.toThrow();
  });
});
