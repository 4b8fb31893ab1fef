// What a stream keeps of a NACK, bounded. Envoy joins the errors of every resource it rejected into
// one error_detail message, which can run to megabytes, and every proxy that got the same push
// sends its own copy; a SotW response may carry thousands of resources. A stream keeps one NACK
// per type, so these bounds keep its memory, /debug/syncz and /debug/config-errors in proportion.
import { boundedText, MAX_CLIENT_TEXT_CHARS } from './log-throttle.js';
import type { RejectedResources } from './status.js';

export const MAX_NACK_MESSAGE_CHARS = MAX_CLIENT_TEXT_CHARS;
export const MAX_REJECTED_NAMES = 20;

/** The message as the client sent it, or its first 1 KiB and a marker saying how long it was. */
export function boundedMessage(message: string): string {
  return boundedText(message, MAX_NACK_MESSAGE_CHARS);
}

/** The names a rejected response carried, in any order: their count and the first few by name. */
export function rejectedResources(names: readonly string[], wholeResponse: boolean): RejectedResources {
  return { wholeResponse, count: names.length, names: [...names].sort().slice(0, MAX_REJECTED_NAMES) };
}
