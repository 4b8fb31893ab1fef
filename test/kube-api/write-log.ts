// Every mutating request (POST, PUT, PATCH, DELETE) the fake API server received, answered or not, in
// the order received: a test counts status writes, checks a patch's content type, or asserts that
// nothing was written.

export interface FakeWrite {
  /** 1 for the first write the server received, and so on. */
  readonly seq: number;
  /** Milliseconds since the server started (performance.now based). */
  readonly at: number;
  readonly method: string;
  /** The URL path, without the query. */
  readonly path: string;
  /** The query string, without the `?` ('' when none). */
  readonly query: string;
  /** `status` for a write of the status subresource; '' otherwise. */
  readonly subresource: string;
  /** The request's Content-Type without parameters ('' when absent). */
  readonly contentType: string;
  /** The HTTP status answered; 0 when no answer was sent (a hanging route). */
  readonly code: number;
  /** The parsed JSON body, or undefined. */
  readonly body: unknown;
}

export interface WriteFilter {
  readonly method?: string;
  readonly pathIncludes?: string;
  /** 'status' for status writes, '' for writes of main resources (and other paths). */
  readonly subresource?: string;
  readonly code?: number;
}

/** The most writes kept; older ones are dropped. */
const MAX_WRITES = 5_000;

export class WriteLog {
  private readonly entries: FakeWrite[] = [];
  private seq = 0;
  private readonly started = performance.now();

  isWrite(method: string): boolean {
    return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
  }

  record(entry: Omit<FakeWrite, 'seq' | 'at'>): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, at: performance.now() - this.started, ...entry });
    if (this.entries.length > MAX_WRITES) this.entries.splice(0, this.entries.length - MAX_WRITES);
  }

  /** The writes matching every field of `filter`, oldest first. */
  writes(filter: WriteFilter = {}): FakeWrite[] {
    return this.entries.filter(
      (w) =>
        (filter.method === undefined || w.method === filter.method.toUpperCase()) &&
        (filter.pathIncludes === undefined || w.path.includes(filter.pathIncludes)) &&
        (filter.subresource === undefined || w.subresource === filter.subresource) &&
        (filter.code === undefined || w.code === filter.code),
    );
  }

  clear(): void {
    this.entries.splice(0);
  }
}
