// REST CRUD through jsforce: sObject create/retrieve/update/destroy, upsert by external id, sObject
// Collections, describe, limits and the error objects jsforce surfaces.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, REST_DATETIME, SALESFORCE_ID, login, rejection, unique } from './support.js';

const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };

let conn;

before(async () => {
  conn = await login();
});

async function createAdvocate() {
  const advocate = await conn.sobject('Advocate__c').create({ Name: 'Ada Advocate', External_Key__c: unique('ADV') });
  assert.equal(advocate.success, true, JSON.stringify(advocate));
  return advocate.id;
}

describe('single-record CRUD', () => {
  test('a Lead with custom fields goes through create, retrieve, update and destroy', async () => {
    const advocateId = await createAdvocate();
    const company = unique('Crud');
    const created = await conn.sobject('Lead').create(
      { LastName: 'Hopper', FirstName: 'Grace', Company: company, Referral_Method__c: 'Verbal', Advocate__c: advocateId },
      { headers: NO_ASSIGN },
    );
    assert.equal(created.success, true);
    assert.deepEqual(created.errors, []);
    assert.match(created.id, SALESFORCE_ID);
    assert.ok(created.id.startsWith('00Q'), `lead id ${created.id} should have the Lead key prefix`);

    const lead = await conn.sobject('Lead').retrieve(created.id);
    assert.equal(lead.Id, created.id);
    assert.deepEqual(lead.attributes, { type: 'Lead', url: `/services/data/v${API_VERSION}/sobjects/Lead/${created.id}` });
    assert.equal(lead.LastName, 'Hopper');
    assert.equal(lead.FirstName, 'Grace');
    assert.equal(lead.Name, 'Grace Hopper');
    assert.equal(lead.Company, company);
    assert.equal(lead.Referral_Method__c, 'Verbal');
    assert.equal(lead.Advocate__c, advocateId);
    assert.equal(lead.IsDeleted, false);
    assert.equal(lead.IsConverted, false);
    assert.match(lead.CreatedDate, REST_DATETIME);
    assert.match(lead.LastModifiedDate, REST_DATETIME);
    assert.match(lead.SystemModstamp, REST_DATETIME);
    assert.equal(lead.CreatedById, conn.userInfo.id);
    assert.equal(lead.Email, null, 'empty fields are explicit nulls');

    const updated = await conn.sobject('Lead').update({ Id: created.id, Status: 'Working - Contacted', Referral_Method__c: 'Email' }, { headers: NO_ASSIGN });
    assert.deepEqual(updated, { id: created.id, success: true, errors: [] });

    const after = await conn.sobject('Lead').retrieve(created.id);
    assert.equal(after.Status, 'Working - Contacted');
    assert.equal(after.Referral_Method__c, 'Email');
    assert.equal(after.LastName, 'Hopper', 'fields left out of a PATCH stay unchanged');

    const destroyed = await conn.sobject('Lead').destroy(created.id);
    assert.deepEqual(destroyed, { id: created.id, success: true, errors: [] });

    const gone = await rejection(() => conn.sobject('Lead').retrieve(created.id));
    assert.equal(gone.errorCode, 'ENTITY_IS_DELETED');

    const again = await rejection(() => conn.sobject('Lead').destroy(created.id));
    assert.equal(again.errorCode, 'ENTITY_IS_DELETED');
  });

  test('retrieve with a field list returns only those fields', async () => {
    const created = await conn.sobject('Lead').create({ LastName: 'Fields', Company: unique('Fields') }, { headers: NO_ASSIGN });
    const lead = await conn.sobject('Lead').retrieve(created.id, { fields: ['LastName', 'Company'] });
    assert.equal(lead.LastName, 'Fields');
    assert.equal(lead.attributes.type, 'Lead');
    for (const unrequested of ['FirstName', 'Status', 'Email', 'CreatedDate']) {
      assert.ok(!(unrequested in lead), `${unrequested} was not requested`);
    }
  });
});

describe('lead assignment through the Sforce-Auto-Assign header', () => {
  test('the default rule assigns a new lead away from the integration user unless the header says FALSE', async () => {
    const company = unique('Assign');
    const kept = await conn.sobject('Lead').create({ LastName: 'Kept', Company: company }, { headers: NO_ASSIGN });
    const assigned = await conn.sobject('Lead').create({ LastName: 'Assigned', Company: company });
    const owners = await conn.sobject('Lead').retrieve([kept.id, assigned.id], { fields: ['OwnerId'] });
    assert.equal(owners[0].OwnerId, conn.userInfo.id, 'Sforce-Auto-Assign: FALSE keeps the creating user as owner');
    assert.notEqual(owners[1].OwnerId, conn.userInfo.id, 'the default assignment rule picked another owner');
    assert.match(owners[1].OwnerId, /^(005|00G)/, 'owned by a user or a queue');
  });
});

describe('multi-record retrieve', () => {
  test('retrieve with an array goes through the collections endpoint and returns null for unknown ids', async () => {
    const company = unique('Many');
    const [a, b] = await conn.sobject('Lead').create(
      [{ LastName: 'A', Company: company }, { LastName: 'B', Company: company }],
      { headers: NO_ASSIGN },
    );
    const unknownId = `${a.id.slice(0, 3)}000000000000AAA`;
    const records = await conn.sobject('Lead').retrieve([a.id, unknownId, b.id], { fields: ['LastName', 'Company'] });
    assert.equal(records.length, 3);
    assert.equal(records[0].attributes.url, `/services/data/v${API_VERSION}/sobjects/Lead/${a.id}`);
    assert.equal(records[0].LastName, 'A');
    assert.equal(records[1], null);
    assert.equal(records[2].LastName, 'B');
    assert.equal(records[2].Company, company);
  });
});

describe('upsert by external id', () => {
  test('the first upsert creates (created: true), the second updates the same record (created: false)', async () => {
    const key = unique('EXT');
    const first = await conn.sobject('Advocate__c').upsert({ External_Key__c: key, Name: 'Ada', Status__c: 'Invited' }, 'External_Key__c');
    assert.equal(first.success, true);
    assert.equal(first.created, true);
    assert.match(first.id, SALESFORCE_ID);

    const second = await conn.sobject('Advocate__c').upsert({ External_Key__c: key, Name: 'Ada Lovelace', Status__c: 'Active' }, 'External_Key__c');
    assert.equal(second.success, true);
    assert.equal(second.created, false);
    assert.equal(second.id, first.id);

    const advocate = await conn.sobject('Advocate__c').retrieve(first.id);
    assert.equal(advocate.Name, 'Ada Lovelace');
    assert.equal(advocate.Status__c, 'Active');
    assert.equal(advocate.External_Key__c, key);
  });

  test('an array upsert goes through the collections endpoint with per-record created flags', async () => {
    const existing = unique('EXT');
    await conn.sobject('Advocate__c').upsert({ External_Key__c: existing, Name: 'Existing' }, 'External_Key__c');
    const fresh = unique('EXT');
    const results = await conn.sobject('Advocate__c').upsert(
      [{ External_Key__c: existing, Name: 'Existing 2' }, { External_Key__c: fresh, Name: 'Fresh' }],
      'External_Key__c',
    );
    assert.equal(results.length, 2);
    assert.deepEqual(results.map((r) => [r.success, r.created]), [[true, false], [true, true]]);
  });
});

describe('sObject Collections', () => {
  test('create, update and destroy up to 200 records in one call each', async () => {
    const company = unique('Coll');
    const records = Array.from({ length: 3 }, (_, i) => ({ LastName: `Coll ${i}`, Company: company, Referral_Method__c: 'Social' }));
    const created = await conn.sobject('Lead').create(records, { allOrNone: true, headers: NO_ASSIGN });
    assert.equal(created.length, 3);
    for (const result of created) {
      assert.equal(result.success, true);
      assert.deepEqual(result.errors, []);
    }
    const ids = created.map((r) => r.id);

    const updated = await conn.sobject('Lead').update(ids.map((Id) => ({ Id, Status: 'Working - Contacted' })), { headers: NO_ASSIGN });
    assert.deepEqual(updated.map((r) => [r.id, r.success]), ids.map((id) => [id, true]));

    const check = await conn.query(`SELECT Id, Status FROM Lead WHERE Company = '${company}'`);
    assert.equal(check.totalSize, 3);
    for (const record of check.records) {
      assert.equal(record.Status, 'Working - Contacted');
    }

    const destroyed = await conn.sobject('Lead').destroy(ids);
    assert.deepEqual(destroyed.map((r) => [r.id, r.success]), ids.map((id) => [id, true]));
    assert.equal((await conn.query(`SELECT Id FROM Lead WHERE Company = '${company}'`)).totalSize, 0);
  });

  test('allOrNone=false saves the valid records and reports the failing one with statusCode and fields', async () => {
    const company = unique('Partial');
    const results = await conn.sobject('Lead').create(
      [
        { LastName: 'Good 1', Company: company },
        { Company: company }, // LastName is required
        { LastName: 'Good 2', Company: company },
      ],
      { allOrNone: false, headers: NO_ASSIGN },
    );
    assert.equal(results.length, 3);
    assert.equal(results[0].success, true);
    assert.equal(results[2].success, true);
    assert.equal(results[1].success, false);
    assert.equal(results[1].id, undefined);
    assert.equal(results[1].errors.length, 1);
    assert.equal(results[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
    assert.deepEqual(results[1].errors[0].fields, ['LastName']);

    const saved = await conn.query(`SELECT Id FROM Lead WHERE Company = '${company}'`);
    assert.deepEqual(new Set(saved.records.map((r) => r.Id)), new Set([results[0].id, results[2].id]));
  });

  test('allOrNone=true rolls everything back and marks the valid records ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const company = unique('AllOrNone');
    const results = await conn.sobject('Lead').create(
      [
        { LastName: 'Good', Company: company },
        { Company: company }, // LastName is required
      ],
      { allOrNone: true, headers: NO_ASSIGN },
    );
    assert.equal(results.length, 2);
    assert.equal(results[0].success, false);
    assert.equal(results[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
    assert.equal(results[1].success, false);
    assert.equal(results[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
    assert.deepEqual(results[1].errors[0].fields, ['LastName']);

    assert.equal((await conn.query(`SELECT Id FROM Lead WHERE Company = '${company}'`)).totalSize, 0);
  });

  test('destroying a mix of live and already-deleted ids reports ENTITY_IS_DELETED per record', async () => {
    const company = unique('DelMix');
    const [a, b] = await conn.sobject('Lead').create(
      [{ LastName: 'A', Company: company }, { LastName: 'B', Company: company }],
      { headers: NO_ASSIGN },
    );
    await conn.sobject('Lead').destroy(a.id);

    const results = await conn.sobject('Lead').destroy([a.id, b.id]);
    assert.equal(results.length, 2);
    assert.equal(results[0].success, false);
    assert.equal(results[0].errors[0].statusCode, 'ENTITY_IS_DELETED');
    assert.deepEqual(results[1], { id: b.id, success: true, errors: [] });
  });
});

describe('describe', () => {
  test('Lead describe lists the custom referral fields with their metadata', async () => {
    const lead = await conn.sobject('Lead').describe();
    assert.equal(lead.name, 'Lead');
    assert.equal(lead.keyPrefix, '00Q');
    assert.equal(lead.custom, false);
    const field = (name) => {
      const found = lead.fields.find((f) => f.name === name);
      assert.ok(found, `Lead.${name} in describe`);
      return found;
    };

    const method = field('Referral_Method__c');
    assert.equal(method.type, 'picklist');
    assert.equal(method.custom, true);
    assert.deepEqual(
      method.picklistValues.filter((v) => v.active).map((v) => v.value),
      ['Verbal', 'Email', 'Lead Form', 'Social', 'Shareable URL', 'Print Card'],
    );
    assert.ok(method.inlineHelpText, 'custom fields carry help text');

    const advocate = field('Advocate__c');
    assert.equal(advocate.type, 'reference');
    assert.deepEqual(advocate.referenceTo, ['Advocate__c']);
    assert.equal(advocate.relationshipName, 'Advocate__r');

    assert.equal(field('Referral_Code__c').type, 'string');
    assert.equal(field('Referral_Code__c').length, 20);
    assert.equal(field('Referral_Notes__c').type, 'textarea');
    assert.equal(field('Id').type, 'id');
    assert.equal(field('LastName').nillable, false);
  });

  test('describeGlobal lists standard and custom objects and the platform event', async () => {
    const global = await conn.describeGlobal();
    assert.ok(Array.isArray(global.sobjects));
    const byName = new Map(global.sobjects.map((s) => [s.name, s]));
    for (const name of ['Lead', 'Opportunity', 'Contact', 'Account', 'User', 'Advocate__c', 'Referral__c', 'Referral_Logged__e', 'PushTopic']) {
      assert.ok(byName.has(name), `${name} in describeGlobal`);
    }
    assert.equal(byName.get('Advocate__c').custom, true);
    assert.equal(byName.get('Lead').keyPrefix, '00Q');
  });
});

describe('limits', () => {
  test('conn.limits() reports DailyApiRequests and the Sforce-Limit-Info header feeds conn.limitInfo', async () => {
    const limits = await conn.limits();
    assert.ok(limits.DailyApiRequests, 'DailyApiRequests');
    assert.equal(typeof limits.DailyApiRequests.Max, 'number');
    assert.equal(typeof limits.DailyApiRequests.Remaining, 'number');
    assert.ok(limits.DailyApiRequests.Remaining < limits.DailyApiRequests.Max, 'this suite has used some of the allocation');

    const usage = conn.limitInfo?.apiUsage;
    assert.ok(usage, 'jsforce parsed Sforce-Limit-Info into conn.limitInfo.apiUsage');
    assert.equal(usage.limit, limits.DailyApiRequests.Max);
    assert.ok(usage.used > 0);
  });
});

describe('errors as jsforce surfaces them', () => {
  test('an unknown field is INVALID_FIELD', async () => {
    const error = await rejection(() => conn.sobject('Lead').create({ LastName: 'X', Company: 'Y', Bogus__c: 'z' }, { headers: NO_ASSIGN }));
    assert.equal(error.errorCode, 'INVALID_FIELD');
    assert.equal(error.name, 'INVALID_FIELD');
    assert.match(error.message, /Bogus__c/);
  });

  test('a missing required field is REQUIRED_FIELD_MISSING with the field listed', async () => {
    const error = await rejection(() => conn.sobject('Lead').create({ Company: 'No Last Name' }, { headers: NO_ASSIGN }));
    assert.equal(error.errorCode, 'REQUIRED_FIELD_MISSING');
    assert.equal(error.message, 'Required fields are missing: [LastName]');
    assert.deepEqual(error.data.fields, ['LastName']);
  });

  test('a malformed query is MALFORMED_QUERY with a row/column position', async () => {
    const error = await rejection(() => conn.query('SELECT Id FROM Lead WHERE'));
    assert.equal(error.errorCode, 'MALFORMED_QUERY');
    assert.match(error.message, /Row:\d+:Column:\d+/);
  });

  test('an unknown column in SOQL is INVALID_FIELD', async () => {
    const error = await rejection(() => conn.query('SELECT Id, Nope__c FROM Lead'));
    assert.equal(error.errorCode, 'INVALID_FIELD');
    assert.match(error.message, /No such column 'Nope__c' on entity 'Lead'/);
  });

  test('a value outside a restricted picklist is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', async () => {
    const error = await rejection(() => conn.sobject('Lead').create({ LastName: 'X', Company: 'Y', Referral_Method__c: 'Carrier Pigeon' }, { headers: NO_ASSIGN }));
    assert.equal(error.errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    assert.deepEqual(error.data.fields, ['Referral_Method__c']);
  });

  test('a value longer than the field is STRING_TOO_LONG', async () => {
    const error = await rejection(() => conn.sobject('Lead').create({ LastName: 'X', Company: 'Y', Referral_Code__c: 'R'.repeat(21) }, { headers: NO_ASSIGN }));
    assert.equal(error.errorCode, 'STRING_TOO_LONG');
    assert.deepEqual(error.data.fields, ['Referral_Code__c']);
  });

  test('a lookup to a record that does not exist is INVALID_CROSS_REFERENCE_KEY', async () => {
    const advocateId = await createAdvocate();
    const missing = `${advocateId.slice(0, 3)}000000000000AAA`;
    const error = await rejection(() => conn.sobject('Lead').create({ LastName: 'X', Company: 'Y', Advocate__c: missing }, { headers: NO_ASSIGN }));
    assert.equal(error.errorCode, 'INVALID_CROSS_REFERENCE_KEY');
    assert.deepEqual(error.data.fields, ['Advocate__c']);
  });

  test('a second record with the same unique external id is DUPLICATE_VALUE', async () => {
    const key = unique('DUP');
    const first = await conn.sobject('Advocate__c').create({ Name: 'One', External_Key__c: key });
    const error = await rejection(() => conn.sobject('Advocate__c').create({ Name: 'Two', External_Key__c: key }));
    assert.equal(error.errorCode, 'DUPLICATE_VALUE');
    assert.match(error.message, new RegExp(`duplicate value found: External_Key__c duplicates value on record with id: ${first.id}`));
  });

  test('an unknown object is NOT_FOUND on the sObject resource', async () => {
    const error = await rejection(() => conn.sobject('Nope__c').describe());
    assert.equal(error.errorCode, 'NOT_FOUND');
  });
});
