import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets anywhere in a log object. pino replaces them before a line is
 * written, so a careless `logger.info({ headers })` still cannot leak a key. Prompts and inputs
 * are never logged on purpose (only ids, counts, scores and error codes); the last paths censor
 * them should a careless call pass one.
 */
const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  '*.headers.cookie',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'connectionParams.authorization',
  '*.apiKey',
  '*.api_key',
  'apiKey',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  // Prompts and user input (data protection, issue #7).
  'messages',
  '*.messages',
  'prompt',
  '*.prompt',
  'input',
  '*.input',
  'variables',
  '*.variables',
];

/**
 * Properties in which database drivers carry a statement or what it was given: PGlite's `query`,
 * `params` and `queryOptions`, pg's `detail`, `where`, `hint` and `internalQuery` (which quote
 * values). The store throws its own errors without them; pg-boss, with its own connections, does
 * not, so the `err` serializer drops them from any error it writes, however deeply nested.
 */
const STATEMENT_DATA = new Set([
  'query',
  'params',
  'queryOptions',
  'detail',
  'where',
  'hint',
  'internalQuery',
]);

function withoutStatementData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStatementData);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !STATEMENT_DATA.has(key))
      .map(([key, nested]) => [key, withoutStatementData(nested)]),
  );
}

const serializers = {
  err: (error: unknown) => withoutStatementData(pino.stdSerializers.err(error as Error)),
};

export interface LoggerOptions {
  level: string;
  /** Human-readable lines for a developer at a terminal; JSON otherwise. */
  pretty: boolean;
}

export function createLogger(options: LoggerOptions, destination?: NodeJS.WritableStream): Logger {
  const base = {
    level: options.level,
    serializers,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.pretty && !destination && prettyPrinterInstalled()) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return destination ? pino(base, destination as pino.DestinationStream) : pino(base);
}

/** pino-pretty is a development dependency; a production install omits it and logs JSON. */
function prettyPrinterInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
