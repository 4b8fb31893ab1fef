// Structured JSON logs (pino). Modules take a Logger; only the CLI decides where it goes.
import { type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

export function createLogger(
  level: LogLevel = 'info',
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  return pino({ level, base: { app: 'trellis' } }, destination);
}

/** A logger that drops everything, for tests and one-shot commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
