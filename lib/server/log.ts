/**
 * Logs on stderr. Start-up, shutdown and errors are always written; one line per request only with
 * --json-output, where every line is a JSON object (for log collectors) instead of plain text.
 */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A request's summary line (status, route, timings); written only with --json-output. */
  request(fields: Record<string, unknown>): void;
}

export function createLogger(json: boolean, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const line = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    if (json) {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
    } else {
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(`crossrank: ${level === 'info' ? '' : `${level}: `}${msg}${rest ? ` ${rest}` : ''}\n`);
    }
  };
  return {
    info: (msg, fields) => line('info', msg, fields),
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
    request: (fields) => {
      if (json) line('info', 'request', fields);
    },
  };
}
