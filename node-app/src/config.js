import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The app's identity, from package.json. */
export const packageInfo = Object.freeze({ name: pkg.name, version: pkg.version });

export const LOG_LEVELS = Object.freeze(['debug', 'info', 'warn', 'error']);

/** Thrown by loadConfig; its message lists every invalid variable by name. */
export class ConfigError extends Error {
  name = 'ConfigError';
}

const MiB = 1024 * 1024;

/**
 * Reads the app's settings from environment variables into one frozen object.
 * Every problem is collected, so a misconfigured deployment is fixed in one go.
 */
export function loadConfig(env = process.env) {
  const problems = [];
  const int = (name, fallback, min, max) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (value >= min && value <= max) return value;
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${env[name]}"`);
    return fallback;
  };

  const port = int('PORT', 4000, 1, 65535);
  // Finish well inside ECS's default 30 s stop timeout, after which it sends SIGKILL.
  const shutdownTimeoutMs = int('SHUTDOWN_TIMEOUT_MS', 10_000, 1, 120_000);
  // Outlive the ALB's 60 s idle timeout, so the ALB (not us) closes idle connections.
  const keepAliveTimeoutMs = int('KEEP_ALIVE_TIMEOUT_MS', 65_000, 1, 600_000);
  // Node's default; node refuses a request timeout shorter than the headers timeout.
  const requestTimeoutMs = int('REQUEST_TIMEOUT_MS', 300_000, 0, 3_600_000);
  const maxBodyBytes = int('MAX_BODY_BYTES', MiB, 0, 1024 * MiB);
  const maxHeaderBytes = int('MAX_HEADER_BYTES', 16 * 1024, 1024, MiB);
  // A headers timeout above the keep-alive timeout avoids a race where a request
  // arriving just as the keep-alive timer fires is answered with a reset.
  const headersTimeoutMs = keepAliveTimeoutMs + 1000;
  if (requestTimeoutMs !== 0 && requestTimeoutMs < headersTimeoutMs) {
    problems.push(
      `REQUEST_TIMEOUT_MS must be 0 (no limit) or at least KEEP_ALIVE_TIMEOUT_MS + 1000 ` +
        `(${headersTimeoutMs}), got "${env.REQUEST_TIMEOUT_MS}"`,
    );
  }

  const bool = (name) => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw || raw === 'false' || raw === '0') return false;
    if (raw === 'true' || raw === '1') return true;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return false;
  };
  // A test hook that holds requests open; off unless asked for, so a deployed app cannot be made to hold sockets.
  const slowEndpoint = bool('ENABLE_SLOW_ENDPOINT');

  const upstreamUrl = env.UPSTREAM_URL?.trim() || undefined;
  if (upstreamUrl !== undefined && !/^https?:\/\/[^/?#]+/.test(upstreamUrl)) {
    problems.push(`UPSTREAM_URL must be an absolute http:// or https:// URL, got "${env.UPSTREAM_URL}"`);
  }

  const logLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }

  if (problems.length > 0) throw new ConfigError(problems.join('; '));

  return Object.freeze({
    appName: env.APP_NAME?.trim() || packageInfo.name,
    version: packageInfo.version,
    port,
    // Unset means all interfaces: node listens on :: (dual stack), or 0.0.0.0 without IPv6.
    host: env.HOST?.trim() || undefined,
    shutdownTimeoutMs,
    keepAliveTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
    maxBodyBytes,
    maxHeaderBytes,
    logLevel,
    slowEndpoint,
    upstreamUrl,
  });
}
