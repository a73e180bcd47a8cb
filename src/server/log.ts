/**
 * JSON-lines logger on stdout. One object per line: {time, level, msg, ...fields}.
 * Writes go through the stream's own buffer, so logging never blocks the event loop.
 * Every line passes through redactFields: a URL or header field never carries a token.
 */
import type { LogLevel } from './config.ts';
import { redactFields } from './redact.ts';
import { isoNow } from './iso-time.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** A logger writing to `out` (stdout by default), dropping levels below `level`. */
export function createLogger(
  level: LogLevel,
  out: { write(s: string): unknown } = process.stdout,
  base: Fields = {},
): Logger {
  const min = RANK[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields): void => {
    if (RANK[lvl] < min) return;
    const line = redactFields({ time: isoNow(), level: lvl, msg, ...base, ...fields });
    out.write(`${JSON.stringify(line, errorReplacer)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(level, out, { ...base, ...fields }),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
