// OAuth through jsforce: password grant, identity, JWT bearer, revocation and jsforce's automatic re-login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import {
  API_VERSION, CREDENTIALS, SALESFORCE_ID, baseUrl, jsforce, login, newOAuthConnection, rawRequest, readJwtSigningKey, rejection,
} from './support.js';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function base64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** An RS256 assertion exactly as the JWT bearer flow describes it: iss = client id, sub = username, aud = login host. */
function signAssertion(privateKey, claims = {}) {
  const body = {
    iss: CREDENTIALS.clientId,
    sub: CREDENTIALS.username,
    aud: baseUrl(),
    exp: Math.floor(Date.now() / 1000) + 180,
    ...claims,
  };
  const signingInput = `${base64url({ alg: 'RS256' })}.${base64url(body)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** A connection that knows only the login host: the JWT flow needs no client id or secret in the request. */
function jwtConnection() {
  return new jsforce.Connection({ oauth2: { loginUrl: baseUrl() }, version: API_VERSION });
}

test('password grant: jsforce login establishes a session on the emulator', async () => {
  const conn = newOAuthConnection();
  const userInfo = await conn.login(CREDENTIALS.username, CREDENTIALS.password);

  assert.match(userInfo.id, SALESFORCE_ID);
  assert.ok(userInfo.id.startsWith('005'), `user id ${userInfo.id} should have the User key prefix`);
  assert.match(userInfo.organizationId, SALESFORCE_ID);
  assert.ok(userInfo.organizationId.startsWith('00D'), `org id ${userInfo.organizationId} should have the Organization key prefix`);
  assert.equal(userInfo.url, `${baseUrl()}/id/${userInfo.organizationId}/${userInfo.id}`);
  assert.equal(conn.instanceUrl, baseUrl());
  assert.ok(conn.accessToken, 'an access token');
  assert.ok(conn.accessToken.startsWith(userInfo.organizationId.slice(0, 15)), 'Salesforce access tokens start with the 15-char org id');
});

test('password grant: wrong password is rejected as invalid_grant', async () => {
  const conn = newOAuthConnection();
  const error = await rejection(() => conn.login(CREDENTIALS.username, 'not-the-password'));
  assert.equal(error.name, 'invalid_grant');
  assert.equal(error.message, 'authentication failure');
});

test('password grant: unknown client id is rejected as invalid_client_id', async () => {
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: baseUrl(), clientId: 'someone-else', clientSecret: CREDENTIALS.clientSecret },
    version: API_VERSION,
  });
  const error = await rejection(() => conn.login(CREDENTIALS.username, CREDENTIALS.password));
  assert.equal(error.name, 'invalid_client_id');
});

test('identity: conn.identity() returns the integration user from the identity URL', async () => {
  const conn = await login();
  const userInfo = conn.userInfo;
  const identity = await conn.identity();

  assert.equal(identity.id, userInfo.url);
  assert.equal(identity.user_id, userInfo.id);
  assert.equal(identity.organization_id, userInfo.organizationId);
  assert.equal(identity.username, CREDENTIALS.username);
  assert.equal(identity.active, true);
  assert.ok(identity.urls && typeof identity.urls.rest === 'string', 'identity.urls.rest');
  assert.ok(identity.urls.rest.startsWith(baseUrl()), `urls.rest ${identity.urls.rest} should point at the instance`);
});

test('JWT bearer: an assertion signed with the development key yields a usable token', async () => {
  const conn = jwtConnection();
  const userInfo = await conn.authorize({ grant_type: JWT_GRANT, assertion: signAssertion(readJwtSigningKey()) });

  assert.match(userInfo.id, SALESFORCE_ID);
  assert.ok(userInfo.id.startsWith('005'));
  assert.equal(conn.instanceUrl, baseUrl());
  assert.equal(conn.refreshToken, undefined, 'the JWT bearer flow issues no refresh token');

  const identity = await conn.identity();
  assert.equal(identity.username, CREDENTIALS.username);

  const result = await conn.query(`SELECT Id, Username FROM User WHERE Id = '${userInfo.id}'`);
  assert.equal(result.totalSize, 1);
  assert.equal(result.records[0].Username, CREDENTIALS.username);
});

test('JWT bearer: an assertion signed with another key is rejected as invalid_grant', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const error = await rejection(() => jwtConnection().authorize({ grant_type: JWT_GRANT, assertion: signAssertion(privateKey) }));
  assert.equal(error.name, 'invalid_grant');
});

test('JWT bearer: an expired assertion is rejected as invalid_grant', async () => {
  const assertion = signAssertion(readJwtSigningKey(), { exp: Math.floor(Date.now() / 1000) - 600 });
  const error = await rejection(() => jwtConnection().authorize({ grant_type: JWT_GRANT, assertion }));
  assert.equal(error.name, 'invalid_grant');
});

test('JWT bearer: an assertion for a wrong audience is rejected as invalid_grant', async () => {
  const assertion = signAssertion(readJwtSigningKey(), { aud: 'https://not-a-login-host.example.com' });
  const error = await rejection(() => jwtConnection().authorize({ grant_type: JWT_GRANT, assertion }));
  assert.equal(error.name, 'invalid_grant');
});

test('revocation: a revoked token gets the real 401 INVALID_SESSION_ID and jsforce logs in again', async () => {
  const conn = await login();
  const oldToken = conn.accessToken;
  const refreshed = [];
  conn.on('refresh', (token) => refreshed.push(token));

  await conn.oauth2.revokeToken(oldToken);

  const stale = await rawRequest({ instanceUrl: conn.instanceUrl, accessToken: oldToken }, 'GET', `/services/data/v${API_VERSION}/limits`);
  assert.equal(stale.status, 401);
  assert.equal(stale.headers.get('www-authenticate'), 'Token');
  assert.deepEqual(stale.json, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);

  // jsforce's password-grant refresh delegate re-runs the grant on 401 and retries the call once.
  const result = await conn.query(`SELECT Id FROM User WHERE Id = '${conn.userInfo.id}'`);
  assert.equal(result.totalSize, 1);
  assert.notEqual(conn.accessToken, oldToken);
  assert.deepEqual(refreshed, [conn.accessToken]);
});

test('session expiry: after the org times every session out, jsforce logs in again on the 401', async () => {
  const conn = await login();
  const oldToken = conn.accessToken;
  const refreshed = [];
  conn.on('refresh', (token) => refreshed.push(token));

  // The emulator's control endpoint stands in for the two-hour session timeout.
  const expired = await fetch(`${baseUrl()}/emulator/sessions/expire`, { method: 'POST' });
  assert.equal(expired.status, 200);

  const stale = await rawRequest(conn, 'GET', `/services/data/v${API_VERSION}/limits`);
  assert.equal(stale.status, 401);
  assert.deepEqual(stale.json, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);

  const result = await conn.query(`SELECT Id FROM User WHERE Id = '${conn.userInfo.id}'`);
  assert.equal(result.totalSize, 1);
  assert.notEqual(conn.accessToken, oldToken);
  assert.deepEqual(refreshed, [conn.accessToken]);
});

test('revocation: a connection without credentials surfaces INVALID_SESSION_ID from a revoked JWT token', async () => {
  const conn = jwtConnection();
  await conn.authorize({ grant_type: JWT_GRANT, assertion: signAssertion(readJwtSigningKey()) });
  await conn.oauth2.revokeToken(conn.accessToken);

  const error = await rejection(() => conn.query(`SELECT Id FROM User WHERE Id = '${conn.userInfo.id}'`));
  assert.equal(error.errorCode, 'INVALID_SESSION_ID');
  assert.equal(error.message, 'Session expired or invalid');
});

/** Decodes the few HTML entities an encoder produces in attribute values. */
function htmlDecode(text) {
  return text
    .replace(/&#(\d+);/g, (_, code) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Plays the user at the login page: submits the form (hidden fields + credentials) and returns the redirect. */
async function signInThroughLoginPage(authorizationUrl) {
  const page = await fetch(authorizationUrl);
  assert.equal(page.status, 200);
  const html = await page.text();
  const formTag = html.match(/<form\b[^>]*>/i)?.[0];
  assert.ok(formTag, 'the authorize endpoint shows a login form');
  const action = new URL(htmlDecode(formTag.match(/\baction="([^"]*)"/i)?.[1] ?? new URL(authorizationUrl).pathname), authorizationUrl);
  const fields = new URLSearchParams();
  for (const input of html.matchAll(/<input\b[^>]*\btype="hidden"[^>]*>/gi)) {
    const name = input[0].match(/\bname="([^"]*)"/i)?.[1];
    const value = input[0].match(/\bvalue="([^"]*)"/i)?.[1] ?? '';
    if (name) {
      fields.append(htmlDecode(name), htmlDecode(value));
    }
  }
  fields.set('username', CREDENTIALS.username);
  fields.set('password', CREDENTIALS.password);
  const submitted = await fetch(action, { method: 'POST', body: fields, redirect: 'manual' });
  assert.equal(submitted.status, 302, 'a good login redirects back to the client');
  return new URL(submitted.headers.get('location'));
}

test('web-server flow with PKCE: jsforce authorizes with the code, then refreshes with the refresh token after revocation', async () => {
  const redirectUri = 'http://127.0.0.1:9/oauth/callback';
  const oauth2 = new jsforce.OAuth2({
    loginUrl: baseUrl(), clientId: CREDENTIALS.clientId, clientSecret: CREDENTIALS.clientSecret, redirectUri, useVerifier: true,
  });
  const state = 'fidelity-state-1';
  const authorizationUrl = oauth2.getAuthorizationUrl({ scope: 'api refresh_token', state });
  assert.ok(authorizationUrl.startsWith(`${baseUrl()}/services/oauth2/authorize?`));

  const callback = await signInThroughLoginPage(authorizationUrl);
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
  assert.equal(callback.searchParams.get('state'), state);
  const code = callback.searchParams.get('code');
  assert.ok(code, `an authorization code in ${callback}`);

  const conn = new jsforce.Connection({ oauth2, version: API_VERSION });
  const userInfo = await conn.authorize(code);
  assert.ok(userInfo.id.startsWith('005'));
  assert.ok(conn.refreshToken, 'the refresh_token scope yields a refresh token');
  assert.equal(conn.instanceUrl, baseUrl());

  // A code is single-use.
  const reused = await rejection(() => new jsforce.Connection({ oauth2, version: API_VERSION }).authorize(code));
  assert.equal(reused.name, 'invalid_grant');

  // The session ends (revoked like an expired session); jsforce's OAuth2 refresh delegate runs the
  // refresh_token grant on the 401 and retries.
  const oldToken = conn.accessToken;
  const refreshed = [];
  conn.on('refresh', (token) => refreshed.push(token));
  await conn.oauth2.revokeToken(oldToken);
  const result = await conn.query(`SELECT Id FROM User WHERE Id = '${userInfo.id}'`);
  assert.equal(result.totalSize, 1);
  assert.notEqual(conn.accessToken, oldToken);
  assert.deepEqual(refreshed, [conn.accessToken]);
});
