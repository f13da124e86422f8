// The official CometD JavaScript client (cometd 9 + cometd-nodejs-client 2) against the emulator's
// Streaming API: handshake, CDC subscribe with a replay extension, ordered delivery, disconnect, and
// recovery from `403::Unknown client` by re-handshaking and resubscribing from the last stored replayId.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adapt } from 'cometd-nodejs-client';
import { CometD } from 'cometd';
import { API_VERSION, Inbox, login, rawRequest, unique, withDeadline } from './support.js';

// Installs XMLHttpRequest (with a cookie jar, so BAYEUX_BROWSER is echoed) for the browser-oriented client.
adapt();

const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };
const LEAD_CHANNEL = '/data/LeadChangeEvent';

let conn;
const open = [];

/**
 * The replay extension an integration writes for the CometD client (the EMP-Connector pattern): it adds
 * ext.replay {channel: replayId} to /meta/subscribe and remembers the last replayId seen per channel, so a
 * resubscription after a re-handshake resumes right after the last event received.
 */
class ReplayExtension {
  replayFrom = new Map();

  outgoing = (message) => {
    if (message.channel === '/meta/subscribe' && this.replayFrom.has(message.subscription)) {
      message.ext = { ...(message.ext ?? {}), replay: { [message.subscription]: this.replayFrom.get(message.subscription) } };
    }
    return message;
  };

  incoming = (message) => {
    const replayId = message.data?.event?.replayId;
    if (!message.channel.startsWith('/meta/') && replayId !== undefined && this.replayFrom.has(message.channel)) {
      this.replayFrom.set(message.channel, replayId);
    }
    return message;
  };
}

function newClient() {
  const cometd = new CometD();
  // Salesforce streams over long-polling only; the emulator must never be asked to upgrade.
  cometd.unregisterTransport('websocket');
  cometd.configure({
    url: `${conn.instanceUrl}/cometd/${API_VERSION}`,
    requestHeaders: { Authorization: `Bearer ${conn.accessToken}` },
    appendMessageTypeToURL: false,
    logLevel: 'warn',
  });
  const replay = new ReplayExtension();
  cometd.registerExtension('replay', replay);
  open.push(cometd);
  return { cometd, replay };
}

function handshake(cometd) {
  return withDeadline(new Promise((resolve, reject) => {
    cometd.handshake((reply) => (reply.successful ? resolve(reply) : reject(new Error(`handshake failed: ${JSON.stringify(reply)}`))));
  }), 20_000, 'the handshake');
}

function subscribe(cometd, channel, onMessage) {
  return withDeadline(new Promise((resolve, reject) => {
    cometd.subscribe(channel, onMessage, (reply) => (reply.successful ? resolve(reply) : reject(new Error(`subscribe failed: ${JSON.stringify(reply)}`))));
  }), 20_000, `the subscription to ${channel}`);
}

function disconnect(cometd) {
  return withDeadline(new Promise((resolve) => cometd.disconnect(resolve)), 20_000, 'the disconnect');
}

const forRecords = (...ids) => (message) => ids.some((id) => message.data?.payload?.ChangeEventHeader?.recordIds?.includes(id));
const changeTypes = (messages) => messages.map((m) => `${m.data.payload.ChangeEventHeader.recordIds[0]}:${m.data.payload.ChangeEventHeader.changeType}`);

before(async () => {
  conn = await login();
});

after(() => {
  for (const cometd of open) {
    if (!cometd.isDisconnected()) {
      cometd.disconnect();
    }
  }
});

describe('CometD client against the emulator', () => {
  test('handshake advertises long-polling and the replay extension', async () => {
    const { cometd } = newClient();
    const reply = await handshake(cometd);
    assert.equal(reply.version, '1.0');
    assert.equal(typeof reply.clientId, 'string');
    assert.ok(reply.clientId.length > 0);
    assert.ok(reply.supportedConnectionTypes.includes('long-polling'));
    assert.equal(reply.ext?.replay, true);
    assert.equal(cometd.getTransport().type, 'long-polling');

    const bye = await disconnect(cometd);
    assert.equal(bye.successful, true);
  });

  test('replay -2 then a stored replayId: events arrive in order and the stored id resumes after itself', async () => {
    const company = unique('CometdReplay');
    const first = await conn.sobject('Lead').create({ LastName: 'First', Company: company }, { headers: NO_ASSIGN });
    const second = await conn.sobject('Lead').create({ LastName: 'Second', Company: company }, { headers: NO_ASSIGN });
    await conn.sobject('Lead').update({ Id: first.id, Status: 'Working - Contacted' }, { headers: NO_ASSIGN });

    const everything = new Inbox();
    const a = newClient();
    a.replay.replayFrom.set(LEAD_CHANNEL, -2);
    await handshake(a.cometd);
    await subscribe(a.cometd, LEAD_CHANNEL, everything.push);
    await everything.next((m) => forRecords(first.id)(m) && m.data.payload.ChangeEventHeader.changeType === 'UPDATE', 20_000, 'the replayed UPDATE');
    const mine = everything.messages.filter(forRecords(first.id, second.id));
    assert.deepEqual(changeTypes(mine), [`${first.id}:CREATE`, `${second.id}:CREATE`, `${first.id}:UPDATE`]);
    for (const message of mine) {
      assert.equal(message.channel, LEAD_CHANNEL);
    }
    const ids = everything.messages.map((m) => m.data.event.replayId);
    assert.deepEqual(ids, [...ids].sort((x, y) => x - y), 'delivered in replayId order');
    assert.equal((await disconnect(a.cometd)).successful, true);

    // A later session resumes from the replayId stored for the first CREATE: everything after it, nothing before.
    const storedReplayId = mine[0].data.event.replayId;
    const resumed = new Inbox();
    const b = newClient();
    b.replay.replayFrom.set(LEAD_CHANNEL, storedReplayId);
    await handshake(b.cometd);
    await subscribe(b.cometd, LEAD_CHANNEL, resumed.push);
    await resumed.next((m) => forRecords(first.id)(m) && m.data.payload.ChangeEventHeader.changeType === 'UPDATE', 20_000, 'the UPDATE after the stored id');
    assert.deepEqual(changeTypes(resumed.messages.filter(forRecords(first.id, second.id))), [`${second.id}:CREATE`, `${first.id}:UPDATE`]);
    assert.ok(resumed.messages.every((m) => m.data.event.replayId > storedReplayId));

    // And live events keep flowing on the same subscription.
    const third = await conn.sobject('Lead').create({ LastName: 'Third', Company: company }, { headers: NO_ASSIGN });
    await resumed.next(forRecords(third.id), 20_000, 'a live CREATE after the replay');
    assert.equal((await disconnect(b.cometd)).successful, true);
  });

  test('403::Unknown client: the client re-handshakes, resubscribes from its last replayId and misses nothing', async () => {
    const company = unique('CometdForget');
    const { cometd, replay } = newClient();
    replay.replayFrom.set(LEAD_CHANNEL, -1);
    const inbox = new Inbox();
    const handshakes = new Inbox();
    const failures = new Inbox();
    cometd.addListener('/meta/unsuccessful', failures.push);
    // Subscribing from a /meta/handshake listener is how CometD applications survive re-handshakes:
    // the client drops its subscriptions when it handshakes again.
    cometd.addListener('/meta/handshake', (reply) => {
      if (reply.successful) {
        cometd.subscribe(LEAD_CHANNEL, inbox.push, (sub) => handshakes.push({ reply, sub }));
      }
    });

    await handshake(cometd);
    const firstSession = await handshakes.next(() => true, 20_000, 'the first subscription');
    assert.equal(firstSession.sub.successful, true);

    const before = await conn.sobject('Lead').create({ LastName: 'Before', Company: company }, { headers: NO_ASSIGN });
    await inbox.next(forRecords(before.id), 20_000, 'the event before the server forgot the client');

    const forgot = await rawRequest(conn, 'POST', '/emulator/streaming/forget-clients');
    assert.ok(forgot.status >= 200 && forgot.status < 300, `forget-clients answered ${forgot.status} ${forgot.text}`);

    // Written while the client is being forgotten: the resubscription must replay it.
    const during = await conn.sobject('Lead').create({ LastName: 'During', Company: company }, { headers: NO_ASSIGN });

    const unknown = await failures.next((m) => m.channel === '/meta/connect', 30_000, 'the failed /meta/connect');
    assert.equal(unknown.error, '403::Unknown client');
    assert.equal(unknown.advice?.reconnect, 'handshake');

    const secondSession = await handshakes.next((h) => h.reply.clientId !== firstSession.reply.clientId, 30_000, 'the re-handshake');
    assert.equal(secondSession.sub.successful, true);

    await inbox.next(forRecords(during.id), 20_000, 'the event written while the client was forgotten');
    const after = await conn.sobject('Lead').create({ LastName: 'After', Company: company }, { headers: NO_ASSIGN });
    await inbox.next(forRecords(after.id), 20_000, 'the event after the re-handshake');

    assert.deepEqual(
      changeTypes(inbox.messages.filter(forRecords(before.id, during.id, after.id))),
      [`${before.id}:CREATE`, `${during.id}:CREATE`, `${after.id}:CREATE`],
      'each event exactly once, in order',
    );
    assert.equal((await disconnect(cometd)).successful, true);
  });
  test('lead conversion on /data/ChangeEvents: one transaction, four events, ordered by sequenceNumber', async () => {
    const { cometd, replay } = newClient();
    replay.replayFrom.set('/data/ChangeEvents', -1);
    const inbox = new Inbox();
    await handshake(cometd);
    await subscribe(cometd, '/data/ChangeEvents', inbox.push);

    const lead = await conn.sobject('Lead').create({ FirstName: 'Con', LastName: 'Verted', Company: unique('Convert') }, { headers: NO_ASSIGN });
    await inbox.next(forRecords(lead.id), 20_000, 'the lead CREATE on the all-changes channel');

    // A sales rep converts the lead (in a real org: UI or Apex; here the emulator's simulation API).
    const converted = await rawRequest(conn, 'POST', `/emulator/leads/${lead.id}/convert`);
    assert.equal(converted.status, 200, converted.text);

    const leadUpdate = await inbox.next(
      (m) => forRecords(lead.id)(m) && m.data.payload.ChangeEventHeader.changeType === 'UPDATE', 20_000, 'the converted lead UPDATE');
    const transactionKey = leadUpdate.data.payload.ChangeEventHeader.transactionKey;
    const conversion = inbox.messages.filter((m) => m.data?.payload?.ChangeEventHeader?.transactionKey === transactionKey);
    for (const message of conversion) {
      assert.equal(message.channel, '/data/ChangeEvents', 'delivered on the channel the client subscribed to');
    }
    const headers = conversion.map((m) => m.data.payload.ChangeEventHeader);
    assert.deepEqual(headers.map((h) => `${h.entityName}:${h.changeType}`), ['Account:CREATE', 'Contact:CREATE', 'Opportunity:CREATE', 'Lead:UPDATE']);
    assert.deepEqual(headers.map((h) => h.sequenceNumber), [1, 2, 3, 4]);

    const leadHeader = headers[3];
    for (const field of ['Status', 'IsConverted', 'ConvertedDate', 'ConvertedAccountId', 'ConvertedContactId', 'ConvertedOpportunityId']) {
      assert.ok(leadHeader.changedFields.includes(field), `${field} in changedFields ${leadHeader.changedFields}`);
    }
    assert.equal(leadUpdate.data.payload.IsConverted, true);
    assert.equal(leadUpdate.data.payload.ConvertedAccountId, headers[0].recordIds[0]);
    assert.equal(leadUpdate.data.payload.ConvertedContactId, headers[1].recordIds[0]);
    assert.equal(leadUpdate.data.payload.ConvertedOpportunityId, headers[2].recordIds[0]);
    assert.equal((await disconnect(cometd)).successful, true);
  });
});
