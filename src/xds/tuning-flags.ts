// The values of the tuning flags of `trellis serve` (--debounce-quiet 100ms, --encode-cache-bytes
// 64Mi): read here so the CLI stays a list of flags, and the rules can be tested without a process.
import { fail, ok, type Result } from '../model/result.js';

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** "100ms", "1s", "1.5s", "2m", "24h" → milliseconds (whole); a bare number is milliseconds too. */
export function parseDurationMs(text: string): Result<number, string> {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return fail([`"${text}" is not a duration like 100ms, 1s, 2m or 24h`]);
  const ms = Math.round(Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 'ms'] ?? 1));
  return Number.isSafeInteger(ms) ? ok(ms) : fail([`"${text}" is too long`]);
}

/** "67108864", "64Mi", "512Ki", "1Gi" → bytes; "0" is allowed (it turns the memo off). */
export function parseByteSize(text: string): Result<number, string> {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  if (!match) return fail([`"${text}" is not a size like 67108864, 512Ki, 64Mi or 1Gi`]);
  const bytes = Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] ?? 1);
  return Number.isSafeInteger(bytes) ? ok(bytes) : fail([`"${text}" is too large`]);
}
