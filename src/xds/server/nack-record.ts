// What a stream keeps of a NACK, bounded. Envoy joins the errors of every resource it rejected into
// one error_detail message, which can run to megabytes, and every proxy that got the same push
// sends its own copy; a SotW response may carry thousands of resources. A stream keeps one NACK
// per type, so these bounds keep its memory, /debug/syncz and /debug/config-errors in proportion.
import type { RejectedResources } from './status.js';

export const MAX_NACK_MESSAGE_CHARS = 1024;
export const MAX_REJECTED_NAMES = 20;

/** The message as the client sent it, or its first 1 KiB and a marker saying how long it was. */
export function boundedMessage(message: string): string {
  if (message.length <= MAX_NACK_MESSAGE_CHARS) return message;
  // Never cut a surrogate pair in two: half a character would not survive JSON and UTF-8.
  const last = message.charCodeAt(MAX_NACK_MESSAGE_CHARS - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? MAX_NACK_MESSAGE_CHARS - 1 : MAX_NACK_MESSAGE_CHARS;
  return `${message.slice(0, end)}… [truncated, ${message.length} characters in all]`;
}

/** The names a rejected response carried, in any order: their count and the first few by name. */
export function rejectedResources(names: readonly string[], wholeResponse: boolean): RejectedResources {
  return { wholeResponse, count: names.length, names: [...names].sort().slice(0, MAX_REJECTED_NAMES) };
}
