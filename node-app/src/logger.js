import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { LOG_LEVELS, packageInfo } from './config.js';

const SEVERITY = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

const noop = () => {};

/**
 * A tiny structured logger: one JSON line per record on `stream`
 * ({time, level, msg, ...fields, traceId, spanId}), each record also handed to
 * the OpenTelemetry logs API, a no-op unless the telemetry SDK is running.
 * Pass an Error as `fields.err`. Trace ids come from the active context.
 */
export function createLogger({ level = 'info', stream = process.stdout } = {}) {
  const threshold = LOG_LEVELS.indexOf(level);
  const otelLogger = logs.getLogger(packageInfo.name, packageInfo.version);

  const write = (lvl, msg, { err, ...fields } = {}) => {
    const span = trace.getSpanContext(context.active());
    const ids = span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
    const line = {
      time: new Date().toISOString(),
      level: lvl,
      msg,
      ...fields,
      ...(err !== undefined && { err: serializeError(err) }),
      ...ids,
    };
    stream.write(`${JSON.stringify(line)}\n`);
    otelLogger.emit({
      severityNumber: SEVERITY[lvl],
      severityText: lvl.toUpperCase(),
      body: msg,
      attributes: fields,
      exception: err,
    });
  };

  return Object.freeze(
    Object.fromEntries(
      LOG_LEVELS.map((lvl, i) => [lvl, i < threshold ? noop : (msg, fields) => write(lvl, msg, fields)]),
    ),
  );
}

function serializeError(err) {
  if (!(err instanceof Error)) return { message: String(err) };
  return { type: err.name, message: err.message, ...(err.code && { code: err.code }), stack: err.stack };
}
