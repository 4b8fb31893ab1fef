// A call to the Kubernetes API through client-node that can be given up: client-node 1.3 takes no
// AbortSignal, but it creates one agent per request, which the call's middleware sees; destroying
// it ends the request's socket, so an abandoned call leaves no connection behind.
import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';

export class AbortableCall {
  private agent: { destroy(): void } | undefined;
  private aborted = false;

  // The object-parameter API takes the Observable kind of middleware (client-node's own stub).
  readonly middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      if (this.aborted) return new Observable(Promise.reject(new Error('the call was abandoned')));
      this.agent = context.getAgent();
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
  };

  /** The options to pass to the call, its own middleware appended. */
  get options(): ConfigurationOptions<ObservableMiddleware> {
    return { middleware: [this.middleware], middlewareMergeStrategy: 'append' };
  }

  abort(): void {
    this.aborted = true;
    this.agent?.destroy();
  }
}

/**
 * `call(options)`, rejected after `ms` with a message naming `what`, its request abandoned then.
 * The call must pass `options` to client-node (they can be extended, e.g. by setHeaderOptions).
 */
export async function withDeadline<T>(
  what: string,
  ms: number,
  call: (options: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
): Promise<T> {
  const abortable = new AbortableCall();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abortable.abort();
      reject(new Error(`${what} took longer than ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => call(abortable.options)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
