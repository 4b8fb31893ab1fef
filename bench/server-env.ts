// The environment both servers under test run in: the image's (Dockerfile), so that the benchmark
// measures what ships, and the floor gets the same so that the ratios compare servers, not
// allocators.
//
// glibc raises its mmap threshold each time a large block is freed (up to 32 MiB), so after a cold
// start the buffers of megabyte responses are carved from the heap arenas and, once freed, stay
// in the process: at 1,000 services and 2,000 proxies the bare grpc-js floor kept 1.2 GB of RSS
// for 35 MB of JavaScript heap. A fixed threshold sends blocks of 128 KiB and more to mmap, which
// returns them on free; the floor's steady RSS fell to 0.3 GB (bench/RESULTS.md).
export const GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072';

/** This process's environment, with the server's malloc settings. */
export function serverEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GLIBC_TUNABLES };
}
