import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GLIBC_TUNABLES, MALLOC_CONF, serverAllocator } from '../../bench/server-env.js';

describe('serverAllocator', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-allocator-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('preloads the first jemalloc found, with the image settings', () => {
    const found = path.join(dir, 'libjemalloc.so.2');
    writeFileSync(found, '');
    const allocator = serverAllocator([path.join(dir, 'missing.so'), found]);
    expect(allocator.env.LD_PRELOAD).toBe(found);
    expect(allocator.env.MALLOC_CONF).toBe(MALLOC_CONF);
    expect(allocator.env.GLIBC_TUNABLES).toBe(process.env.GLIBC_TUNABLES);
    expect(allocator.description).toMatch(/^jemalloc .*as in the image$/);
  });

  it("falls back to glibc's fixed mmap threshold, and says it is not what ships", () => {
    const allocator = serverAllocator([path.join(dir, 'missing.so')]);
    expect(allocator.env.GLIBC_TUNABLES).toBe(GLIBC_TUNABLES);
    expect(allocator.env.LD_PRELOAD).toBe(process.env.LD_PRELOAD);
    expect(allocator.description).toContain("NOT the image's allocator");
  });
});
