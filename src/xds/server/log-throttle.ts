// Text a client wrote, on its way into our logs. A client picks its node id, its NACK messages, its
// nonces and versions; logged whole and on every request, eight NACKing streams with 64 kB messages
// wrote 716 MB of logs in 15 s. So client text is cut to 1 KiB with its length (boundedText), and a
// stream's lines of each kind (a NACK, a stale nonce) are rate-limited: a LogThrottle lets a few per
// window through and counts the rest, saying how many it dropped on the next line it lets through
// or when the stream ends. What the lines report is still recorded in full elsewhere
// (/debug/syncz, /debug/config-errors, metrics): only the log lines are dropped.
import type { Logger } from '../../log.js';

/** Characters of client text kept in a log line, a status message or /debug/syncz. */
export const MAX_CLIENT_TEXT_CHARS = 1024;

/** The text as the client sent it, or its first `max` characters and a marker saying how long it was. */
export function boundedText(text: string, max = MAX_CLIENT_TEXT_CHARS): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in two: half a character would not survive JSON and UTF-8.
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return `${text.slice(0, end)}… [truncated, ${text.length} characters in all]`;
}

export interface LogThrottleOptions {
  /** Lines of one kind logged per window; the rest are counted. */
  readonly lines: number;
  readonly windowMs: number;
}

/** Ten lines of each kind per stream per minute. */
export const DEFAULT_LOG_THROTTLE: LogThrottleOptions = { lines: 10, windowMs: 60_000 };

type Level = 'debug' | 'info' | 'warn';

interface KindState {
  windowStart: number;
  logged: number;
  /** Dropped and not yet reported. */
  suppressed: number;
  level: Level;
}

/** A rate limit on log lines of each kind: one per stream, or one for the whole server. */
export class LogThrottle {
  private readonly kinds = new Map<string, KindState>();

  constructor(
    private readonly logger: Logger,
    private readonly options: LogThrottleOptions = DEFAULT_LOG_THROTTLE,
    /** Milliseconds, monotonic. */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /**
   * Logs `msg` unless this stream already logged `options.lines` lines of `kind` in the current
   * window. The first line let through after some were dropped carries `suppressed: n`.
   */
  log(level: Level, kind: string, fields: Record<string, unknown>, msg: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const now = this.clock();
    let state = this.kinds.get(kind);
    if (!state) {
      state = { windowStart: now, logged: 0, suppressed: 0, level };
      this.kinds.set(kind, state);
    } else if (now - state.windowStart >= this.options.windowMs) {
      state.windowStart = now;
      state.logged = 0;
    }
    if (state.logged >= this.options.lines) {
      state.suppressed++;
      return;
    }
    state.logged++;
    const suppressed = state.suppressed;
    state.suppressed = 0;
    this.logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }

  /** Says, once per kind, how many lines were dropped and not yet reported: when the stream ends. */
  flush(): void {
    for (const [kind, state] of this.kinds) {
      if (state.suppressed === 0) continue;
      const { lines, windowMs } = this.options;
      this.logger[state.level](
        { kind, suppressed: state.suppressed, lines, windowMs },
        'log lines suppressed',
      );
      state.suppressed = 0;
    }
  }
}
