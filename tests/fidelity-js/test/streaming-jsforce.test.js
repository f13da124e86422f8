// Streaming API through jsforce's faye-based client: CDC with the Replay extension (-1, -2, stored id),
// platform events published by REST insert, and PushTopics created through the PushTopic sObject.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { API_VERSION, Inbox, STREAMING_DATETIME, StreamingExtension, login, unique, withDeadline } from './support.js';

const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };
const LEAD_CHANNEL = '/data/LeadChangeEvent';
const CLIENT_NAME = 'fidelity-js';

let conn;
const clients = [];

/** A faye client as jsforce builds it, with the Replay extension for the CDC channel. */
function replayClient(replayId) {
  const client = conn.streaming.createClient([new StreamingExtension.Replay(LEAD_CHANNEL, replayId)]);
  clients.push(client);
  return client;
}

async function subscribe(subscription, channel) {
  // faye's Subscription is a thenable that settles when /meta/subscribe answers.
  await withDeadline(Promise.resolve(subscription), 20_000, `subscription to ${channel}`);
  return subscription;
}

const forRecord = (id) => (message) => message?.payload?.ChangeEventHeader?.recordIds?.includes(id);

before(async () => {
  // callOptions makes jsforce send Sforce-Call-Options, which CDC reports in changeOrigin.
  conn = await login({ callOptions: { client: CLIENT_NAME } });
});

/**
 * Stops a faye client whatever state it is in. faye's disconnect() only acts on a connected client; one
 * still retrying its handshake (an emulator that refuses it) would keep the test process alive forever.
 */
function stop(client) {
  if (client._state === client.CONNECTED) {
    client.disconnect();
    return;
  }
  client._advice.reconnect = client.NONE;
  client._state = client.DISCONNECTED;
  client._dispatcher.close();
}

after(() => {
  for (const client of [...clients, ...Object.values(conn?.streaming?._fayeClients ?? {})]) {
    stop(client);
  }
});

describe('Change Data Capture through jsforce', () => {
  test('replay -1 receives the CREATE and UPDATE events of a new lead with a faithful header', async () => {
    const inbox = new Inbox();
    await subscribe(replayClient(-1).subscribe(LEAD_CHANNEL, inbox.push), LEAD_CHANNEL);

    const company = unique('Cdc');
    const created = await conn.sobject('Lead').create(
      { FirstName: 'Ada', LastName: 'Lovelace', Company: company, Referral_Method__c: 'Email' },
      { headers: NO_ASSIGN },
    );
    const createEvent = await inbox.next(forRecord(created.id), 20_000, 'the CREATE change event');

    assert.equal(typeof createEvent.schema, 'string');
    assert.equal(typeof createEvent.event.replayId, 'number');
    const header = createEvent.payload.ChangeEventHeader;
    assert.equal(header.entityName, 'Lead');
    assert.deepEqual(header.recordIds, [created.id]);
    assert.equal(header.changeType, 'CREATE');
    assert.equal(header.changeOrigin, `com/salesforce/api/rest/${API_VERSION};client=${CLIENT_NAME}`);
    assert.equal(typeof header.transactionKey, 'string');
    assert.ok(header.transactionKey.length > 0);
    assert.equal(header.sequenceNumber, 1);
    assert.equal(typeof header.commitTimestamp, 'number');
    assert.ok(Math.abs(header.commitTimestamp - Date.now()) < 60_000, 'commitTimestamp is epoch milliseconds of the commit');
    assert.equal(typeof header.commitNumber, 'number');
    assert.equal(header.commitUser, conn.userInfo.id);
    assert.deepEqual(header.changedFields, []);

    // The body of a CREATE carries the record's non-null fields; the person name is the nested compound field.
    const body = createEvent.payload;
    assert.deepEqual(body.Name, { FirstName: 'Ada', LastName: 'Lovelace' });
    assert.equal(body.Company, company);
    assert.equal(body.Referral_Method__c, 'Email');
    assert.match(body.CreatedDate, STREAMING_DATETIME);
    assert.equal(body.CreatedById, conn.userInfo.id);
    assert.ok(!('Email' in body), 'null fields are left out of CometD change events');
    assert.ok(!('IsDeleted' in body) && !('SystemModstamp' in body), 'change events exclude IsDeleted and SystemModstamp');

    await conn.sobject('Lead').update({ Id: created.id, Status: 'Working - Contacted' }, { headers: NO_ASSIGN });
    const updateEvent = await inbox.next(
      (m) => forRecord(created.id)(m) && m.payload.ChangeEventHeader.changeType === 'UPDATE', 20_000, 'the UPDATE change event');
    const updateHeader = updateEvent.payload.ChangeEventHeader;
    assert.ok(updateHeader.changedFields.includes('Status'), `changedFields ${updateHeader.changedFields}`);
    assert.ok(updateHeader.changedFields.includes('LastModifiedDate'), `changedFields ${updateHeader.changedFields}`);
    assert.notEqual(updateHeader.transactionKey, header.transactionKey);
    assert.equal(updateEvent.payload.Status, 'Working - Contacted');
    assert.ok(!('Company' in updateEvent.payload), 'an UPDATE carries only the changed fields');
    assert.ok(updateEvent.event.replayId > createEvent.event.replayId, 'replay ids grow in commit order');
  });

  test('replay -2 delivers earlier events in order; a stored replayId delivers only what came after it', async () => {
    const company = unique('Replay');
    const created = await conn.sobject('Lead').create({ LastName: 'Earlier', Company: company }, { headers: NO_ASSIGN });
    await conn.sobject('Lead').update({ Id: created.id, Status: 'Working - Contacted' }, { headers: NO_ASSIGN });
    await conn.sobject('Lead').destroy(created.id);

    const all = new Inbox();
    await subscribe(replayClient(-2).subscribe(LEAD_CHANNEL, all.push), LEAD_CHANNEL);
    await all.next((m) => forRecord(created.id)(m) && m.payload.ChangeEventHeader.changeType === 'DELETE', 20_000, 'the replayed DELETE');
    const mine = all.messages.filter(forRecord(created.id));
    assert.deepEqual(mine.map((m) => m.payload.ChangeEventHeader.changeType), ['CREATE', 'UPDATE', 'DELETE']);
    const replayIds = all.messages.map((m) => m.event.replayId);
    assert.deepEqual(replayIds, [...replayIds].sort((a, b) => a - b), 'the whole replay arrives in replayId order');

    const createReplayId = mine[0].event.replayId;
    const later = new Inbox();
    await subscribe(replayClient(createReplayId).subscribe(LEAD_CHANNEL, later.push), LEAD_CHANNEL);
    await later.next((m) => forRecord(created.id)(m) && m.payload.ChangeEventHeader.changeType === 'DELETE', 20_000, 'the DELETE after the stored id');
    assert.deepEqual(later.messages.filter(forRecord(created.id)).map((m) => m.payload.ChangeEventHeader.changeType), ['UPDATE', 'DELETE']);
    assert.ok(later.messages.every((m) => m.event.replayId > createReplayId), 'nothing at or before the stored replayId');
  });
});

describe('platform events through jsforce', () => {
  test('an event published by REST insert reaches a topic() subscriber on /event/Referral_Logged__e', async () => {
    const inbox = new Inbox();
    await subscribe(conn.streaming.topic('/event/Referral_Logged__e').subscribe(inbox.push), '/event/Referral_Logged__e');

    const leadMarker = `L${randomBytes(8).toString('hex')}`; // fits Lead_Id__c (text 18)
    const published = await conn.sobject('Referral_Logged__e').create({ Lead_Id__c: leadMarker, Advocate_Id__c: 'a00000000000000AAA', Method__c: 'Verbal' });
    assert.equal(published.success, true);
    assert.deepEqual(published.errors, []);
    assert.ok(published.id.startsWith('e00'), `platform event publish id ${published.id}`);

    const message = await inbox.next((m) => m?.payload?.Lead_Id__c === leadMarker, 20_000, 'the platform event');
    assert.equal(typeof message.schema, 'string');
    assert.equal(message.payload.Method__c, 'Verbal');
    assert.equal(message.payload.Advocate_Id__c, 'a00000000000000AAA');
    assert.equal(message.payload.CreatedById, conn.userInfo.id);
    assert.match(message.payload.CreatedDate, STREAMING_DATETIME);
    assert.equal(typeof message.event.replayId, 'number');
    assert.equal(typeof message.event.EventUuid, 'string');
  });
});

describe('PushTopics through jsforce', () => {
  test('a PushTopic created through the sObject streams matching lead changes on /topic/<Name>', async () => {
    const company = unique('Push');
    const name = `Fid${randomBytes(6).toString('hex')}`; // PushTopic names are at most 25 characters
    const topic = await conn.sobject('PushTopic').create({
      Name: name,
      Query: `SELECT Id, LastName, Company, Status FROM Lead WHERE Company = '${company}'`,
      ApiVersion: Number(API_VERSION),
      NotifyForFields: 'Referenced',
      NotifyForOperationCreate: true,
      NotifyForOperationUpdate: true,
    });
    assert.equal(topic.success, true);
    assert.ok(topic.id.startsWith('0IF'), `PushTopic id ${topic.id}`);

    const inbox = new Inbox();
    await subscribe(conn.streaming.topic(name).subscribe(inbox.push), `/topic/${name}`);

    const other = await conn.sobject('Lead').create({ LastName: 'Elsewhere', Company: unique('NotPush') }, { headers: NO_ASSIGN });
    const lead = await conn.sobject('Lead').create({ LastName: 'Pushed', Company: company }, { headers: NO_ASSIGN });
    const created = await inbox.next((m) => m?.sobject?.Id === lead.id, 20_000, 'the PushTopic created notification');
    assert.equal(created.event.type, 'created');
    assert.equal(typeof created.event.replayId, 'number');
    assert.match(created.event.createdDate, STREAMING_DATETIME);
    assert.deepEqual(Object.keys(created.sobject).sort(), ['Company', 'Id', 'LastName', 'Status'], 'the fields the topic query selects');
    assert.equal(created.sobject.LastName, 'Pushed');
    assert.equal(created.sobject.Company, company);
    assert.ok(created.sobject.Status, 'the default lead status');

    await conn.sobject('Lead').update({ Id: lead.id, Status: 'Working - Contacted' }, { headers: NO_ASSIGN });
    const updated = await inbox.next((m) => m?.sobject?.Id === lead.id && m.event.type === 'updated', 20_000, 'the PushTopic updated notification');
    assert.equal(updated.sobject.Status, 'Working - Contacted');
    assert.ok(updated.event.replayId > created.event.replayId);

    assert.ok(!inbox.messages.some((m) => m?.sobject?.Id === other.id), 'records outside the topic query are not streamed');
  });
});

describe('authentication failures through jsforce', () => {
  test('a handshake with a revoked token is denied and jsforce\'s AuthFailure extension reports it', async () => {
    const revoked = await login();
    await revoked.oauth2.revokeToken(revoked.accessToken);

    const failures = new Inbox();
    const client = revoked.streaming.createClient([
      new StreamingExtension.AuthFailure(failures.push),
      new StreamingExtension.Replay(LEAD_CHANNEL, -1),
    ]);
    clients.push(client);
    client.subscribe(LEAD_CHANNEL, () => assert.fail('no events for a denied client'));

    const denied = await failures.next(() => true, 20_000, 'the AuthFailure callback');
    assert.equal(denied.channel, '/meta/handshake');
    assert.equal(denied.successful, false);
    assert.equal(denied.error, '403::Handshake denied');
    assert.equal(denied.ext?.sfdc?.failureReason, '401::Authentication invalid');
    assert.equal(denied.advice.reconnect, 'none');
  });
});
