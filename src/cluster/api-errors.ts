// What a failed call to the API server said: its HTTP code and the `Status` message, from
// client-node's ApiException (1.x), for the callers that act on a code (404 absent, 409 lost race).
import { ApiException } from '@kubernetes/client-node';

export function apiCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** A one-line reason: the Status message when the API server sent one, cut to 300 characters. */
export function apiMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeParse(err.body) : err.body;
    const message =
      body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : `HTTP ${err.code}`;
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
  }
  return err instanceof Error ? err.message : String(err);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
