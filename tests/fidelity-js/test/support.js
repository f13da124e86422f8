// Shared helpers for the fidelity suite. Everything here talks to the emulator the way a real
// integration would: through jsforce or plain HTTP, with the org's default development credentials.
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jsforce from 'jsforce';

const require = createRequire(import.meta.url);

// jsforce 3 no longer re-exports StreamingExtension from its main module.
export const { StreamingExtension } = require('jsforce/api/streaming');
export { jsforce };

export const API_VERSION = '62.0';

export const CREDENTIALS = Object.freeze({
  clientId: process.env.SF_CLIENT_ID ?? 'emulator-client',
  clientSecret: process.env.SF_CLIENT_SECRET ?? 'emulator-secret',
  username: process.env.SF_USERNAME ?? 'integration@emulator.local',
  password: process.env.SF_PASSWORD ?? 'emulator-password',
});

export function baseUrl() {
  const url = process.env.SF_EMULATOR_URL;
  if (!url) {
    throw new Error('SF_EMULATOR_URL is not set: run the suite through tests/fidelity-js/run.sh');
  }
  return url.replace(/\/$/, '');
}

export function repoRoot() {
  return process.env.SF_REPO_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

export const JWT_KEY_PATH = 'src/Connector.SalesforceEmulator/Dev/jwt-signing-key.DEVELOPMENT-ONLY.pem';

export function readJwtSigningKey() {
  const file = path.join(repoRoot(), JWT_KEY_PATH);
  if (!existsSync(file)) {
    throw new Error(`development JWT signing key not found at ${JWT_KEY_PATH}`);
  }
  return readFileSync(file, 'utf8');
}

/** A connection configured exactly as an integration would configure jsforce for the password grant. */
export function newOAuthConnection(extra = {}) {
  return new jsforce.Connection({
    ...extra,
    oauth2: {
      loginUrl: baseUrl(),
      clientId: CREDENTIALS.clientId,
      clientSecret: CREDENTIALS.clientSecret,
      redirectUri: `${baseUrl()}/callback`,
    },
    version: API_VERSION,
  });
}

/** Logs in with the password grant and returns the connection (jsforce re-logs in by itself on 401). */
export async function login(extra = {}) {
  const conn = newOAuthConnection(extra);
  await conn.login(CREDENTIALS.username, CREDENTIALS.password);
  return conn;
}

/** A short token unique to this process, so parallel test files never see each other's records. */
export function unique(prefix = 'fid') {
  return `${prefix}-${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Resolves with the promise's value, or rejects with a descriptive error after `ms`. */
export async function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns a truthy value (which is returned), or fails after `timeout` ms. */
export async function waitFor(probe, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= end) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Collects messages pushed by a streaming callback and lets a test await the first one matching a
 * predicate (already received or still to come), with a deadline.
 */
export class Inbox {
  messages = [];
  #waiters = [];

  push = (message) => {
    this.messages.push(message);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(message)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  };

  next(predicate, timeout = 20_000, what = 'a streaming message') {
    const found = this.messages.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    let waiter;
    const promise = new Promise((resolve) => {
      waiter = { predicate, resolve };
      this.#waiters.push(waiter);
    });
    return withDeadline(promise, timeout, what).finally(() => {
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) {
        this.#waiters.splice(index, 1);
      }
    });
  }
}

/** Plain HTTP against the emulator with a bearer token, for what the clients don't expose. */
export async function rawRequest(conn, method, pathAndQuery, { headers = {}, body } = {}) {
  const response = await fetch(`${conn.instanceUrl}${pathAndQuery}`, {
    method,
    headers: {
      Authorization: `Bearer ${conn.accessToken}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Runs `fn` and returns the error it throws; fails if it does not throw. */
export async function rejection(fn) {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const SALESFORCE_ID = /^[a-zA-Z0-9]{18}$/;
export const REST_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
export const STREAMING_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
