// The floor server (floor-server.ts) seen from the orchestrator: start it, shape its push, push.
import { fileURLToPath } from 'node:url';
import { exited, forkTracked, Inbox } from './child-processes.js';
import type { FloorShape, FromFloor } from './ipc-messages.js';
import { cpuSeconds, rssBytes } from './proc-stats.js';
import { serverEnv } from './server-env.js';

const FLOOR = fileURLToPath(new URL('./floor-server.js', import.meta.url));

export class FloorProcess {
  private constructor(
    private readonly inbox: Inbox<FromFloor>,
    readonly port: number,
  ) {}

  static async start(timeoutMs: number): Promise<FloorProcess> {
    const inbox = new Inbox<FromFloor>(forkTracked(FLOOR, [], serverEnv()), 'floor server');
    const { port } = await inbox.next('listening', timeoutMs);
    return new FloorProcess(inbox, port);
  }

  get pid(): number {
    return this.inbox.child.pid ?? 0;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  rssBytes(): number {
    return rssBytes(this.pid);
  }

  /** Encodes the response of push `change` (once, for every stream); resolves with its sizes. */
  async prepare(
    change: number,
    typeUrl: string,
    name: string,
    sotw: FloorShape,
    delta: FloorShape,
    timeoutMs: number,
  ): Promise<{ sotwBytes: number; deltaBytes: number; real: boolean }> {
    this.inbox.send({ type: 'prepare', change, typeUrl, name, sotw, delta });
    return this.inbox.next('prepared', timeoutMs, (m) => m.change === change);
  }

  /** Makes the floor answer first requests with the responses captured in `file`. */
  async replay(file: string, timeoutMs: number): Promise<number> {
    this.inbox.send({ type: 'replay', file });
    return (await this.inbox.next('replaying', timeoutMs)).responses;
  }

  /** The floor's own memory figures (process.memoryUsage()). */
  async memory(
    timeoutMs: number,
  ): Promise<{ rssBytes: number; heapUsedBytes: number; externalBytes: number }> {
    this.inbox.send({ type: 'memory' });
    return this.inbox.next('memory', timeoutMs);
  }

  push(change: number): void {
    this.inbox.send({ type: 'push', change });
  }

  async stop(): Promise<void> {
    this.inbox.send({ type: 'stop' });
    await exited(this.inbox.child, 5_000);
  }
}
