// The environment both servers under test run in: the image's (Dockerfile), so that the benchmark
// measures what ships, and the floor gets the same so that the ratios compare servers, not
// allocators.
//
// The image runs Node on jemalloc. glibc's malloc keeps what a cold start freed in the middle of
// its heap: a burst interleaves short-lived buffers with long-lived HTTP/2 session state, and glibc
// gives pages back only from the top of the heap (free) or when asked (malloc_trim, which Node
// never calls). At 1,000 services and 2,000 proxies that was 73 MB of Trellis's steady RSS: calling
// malloc_trim(0) from a debugger took it from 351 to 275 MB. jemalloc's background thread returns
// pages left unused for dirty_decay_ms whatever their place, with no help from the process.
// muzzy_decay_ms:0 gives them back with MADV_DONTNEED at once: pages given back with MADV_FREE
// still count in RSS until the kernel needs them.
import { existsSync } from 'node:fs';

/** jemalloc's settings, in the image and for both servers here. */
export const MALLOC_CONF = 'background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0';

/** Where the image links Debian's libjemalloc2, whatever the architecture (Dockerfile). */
export const IMAGE_JEMALLOC = '/usr/local/lib/libjemalloc.so.2';

/**
 * Where Debian's libjemalloc2 puts the library on this machine. Debian's multiarch directories
 * name the CPU as the kernel does (x86_64, aarch64), not as Node does (x64, arm64).
 */
const DEBIAN_JEMALLOC = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libjemalloc.so.2`;

/**
 * Without jemalloc (not installed here: `apt-get install libjemalloc2`), glibc with a fixed mmap
 * threshold. glibc raises its threshold each time a large block is freed (up to 32 MiB), so a cold
 * start's megabyte responses are carved from the heap and stay there once freed: the bare grpc-js
 * floor kept 1.2 GB of RSS for 35 MB of JavaScript heap. A fixed 128 KiB sends them to mmap, which
 * returns them on free (bench/RESULTS.md).
 */
export const GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072';

export interface ServerAllocator {
  /** For the report: which allocator both servers ran on, and with what. */
  readonly description: string;
  /** This process's environment, with the allocator's settings. */
  readonly env: NodeJS.ProcessEnv;
}

/** The allocator both servers run on: jemalloc where this machine has it, as in the image. */
export function serverAllocator(
  candidates: readonly string[] = [IMAGE_JEMALLOC, DEBIAN_JEMALLOC],
): ServerAllocator {
  const jemalloc = candidates.find((file) => existsSync(file));
  if (jemalloc)
    return {
      description: `jemalloc (${jemalloc}, MALLOC_CONF=${MALLOC_CONF}), as in the image`,
      env: { ...process.env, LD_PRELOAD: jemalloc, MALLOC_CONF },
    };
  return {
    description:
      `glibc malloc, GLIBC_TUNABLES=${GLIBC_TUNABLES}: NOT the image's allocator ` +
      '(jemalloc; `apt-get install libjemalloc2` to measure what ships)',
    env: { ...process.env, GLIBC_TUNABLES },
  };
}

/** This process's environment, with the server's allocator settings. */
export function serverEnv(): NodeJS.ProcessEnv {
  return serverAllocator().env;
}
