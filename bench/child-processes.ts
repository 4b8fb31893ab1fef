// Every process the benchmark starts goes through here, so every one of them is killed when the
// run ends, however it ends; and every IPC reply is awaited with a deadline.
import { type ChildProcess, fork, type SpawnOptions, spawn } from 'node:child_process';

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function forkTracked(
  modulePath: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  return track(
    fork(modulePath, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [], env }),
  );
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, [...args], options));
}

/** Kills every child still running; SIGKILL, as this is the last resort. */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** Resolves when the child exits; after `ms` kills it and resolves. */
export function exited(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

interface Waiter<T> {
  readonly accept: (message: T) => boolean;
  readonly resolve: (message: T) => void;
  readonly reject: (err: Error) => void;
}

/** The IPC messages of one child, each handed to the first waiter that wants it, else kept. */
export class Inbox<T extends { readonly type: string }> {
  private readonly kept: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private exitReason: string | undefined;

  constructor(
    readonly child: ChildProcess,
    private readonly label: string,
  ) {
    child.on('message', (message: T) => {
      const index = this.waiters.findIndex((w) => w.accept(message));
      if (index < 0) {
        this.kept.push(message);
        return;
      }
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve(message);
    });
    child.once('exit', (code, signal) => {
      this.exitReason = `${label} exited (${signal ?? code})`;
      for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(this.exitReason));
    });
  }

  send(message: unknown): void {
    if (this.child.connected) this.child.send(message as object);
  }

  /** The next message of `type` (and matching `accept`), or a rejection after `ms` or on exit. */
  next<K extends T['type']>(
    type: K,
    ms: number,
    accept: (message: Extract<T, { type: K }>) => boolean = () => true,
  ): Promise<Extract<T, { type: K }>> {
    const wanted = (m: T): m is Extract<T, { type: K }> =>
      m.type === type && accept(m as Extract<T, { type: K }>);
    const index = this.kept.findIndex(wanted);
    if (index >= 0) return Promise.resolve(this.kept.splice(index, 1)[0] as Extract<T, { type: K }>);
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        accept: wanted,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<T, { type: K }>);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.label}: no "${type}" within ${Math.round(ms / 1000)} s`));
      }, ms);
      this.waiters.push(waiter);
    });
  }
}
