// SOQL through jsforce: paging with nextRecordsUrl, autoFetch/maxFetch, Sforce-Query-Options batch size, queryAll.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { API_VERSION, SALESFORCE_ID, jsforce, login, rawRequest, unique } from './support.js';

const TOTAL = 2100; // more than one default batch of 2000
const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };

describe('query paging over more than 2000 leads', () => {
  let conn;
  let company;
  let createdIds;
  let soql;

  before(async () => {
    conn = await login();
    company = unique('Paging');
    const records = Array.from({ length: TOTAL }, (_, i) => ({
      LastName: `Pager ${String(i).padStart(5, '0')}`,
      Company: company,
      Referral_Method__c: 'Lead Form',
    }));
    // jsforce splits arrays over 200 into sObject Collections requests of 200 when allowRecursive is set.
    const results = await conn.sobject('Lead').create(records, { allOrNone: true, allowRecursive: true, headers: NO_ASSIGN });
    assert.equal(results.length, TOTAL);
    for (const result of results) {
      assert.equal(result.success, true, JSON.stringify(result));
    }
    createdIds = results.map((r) => r.id);
    soql = `SELECT Id, LastName, Company FROM Lead WHERE Company = '${company}' ORDER BY LastName`;
  });

  test('first page holds the default 2000 records and a nextRecordsUrl that queryMore follows', async () => {
    const first = await conn.query(soql);
    assert.equal(first.totalSize, TOTAL);
    assert.equal(first.done, false);
    assert.equal(first.records.length, 2000);
    // jsforce rebuilds nextRecordsUrl from the locator (the last path segment) on its own base URL.
    assert.match(first.nextRecordsUrl, new RegExp(`^${conn.instanceUrl}/services/data/v${API_VERSION.replace('.', '\\.')}/query/[^/?]+$`));

    // On the wire it is the instance-relative path Salesforce sends.
    const wire = await rawRequest(conn, 'GET', `/services/data/v${API_VERSION}/query?q=${encodeURIComponent(soql)}`);
    assert.equal(wire.status, 200);
    assert.match(wire.json.nextRecordsUrl, new RegExp(`^/services/data/v${API_VERSION.replace('.', '\\.')}/query/[^/?]+$`));
    assert.equal(wire.json.records.length, 2000);

    const second = await conn.queryMore(first.nextRecordsUrl);
    assert.equal(second.totalSize, TOTAL);
    assert.equal(second.done, true);
    assert.equal(second.nextRecordsUrl, undefined);
    assert.equal(second.records.length, TOTAL - 2000);

    const names = [...first.records, ...second.records].map((r) => r.LastName);
    assert.deepEqual(names, [...names].sort(), 'ORDER BY holds across pages');
    assert.deepEqual(new Set([...first.records, ...second.records].map((r) => r.Id)), new Set(createdIds));
  });

  test('records carry attributes {type, url} and 18-char ids', async () => {
    const page = await conn.query(`${soql} LIMIT 5`);
    assert.equal(page.done, true);
    for (const record of page.records) {
      assert.match(record.Id, SALESFORCE_ID);
      assert.deepEqual(record.attributes, { type: 'Lead', url: `/services/data/v${API_VERSION}/sobjects/Lead/${record.Id}` });
    }
  });

  test('autoFetch follows every page up to maxFetch', async () => {
    const all = await conn.query(soql, { autoFetch: true, maxFetch: 10_000 });
    assert.equal(all.totalSize, TOTAL);
    assert.equal(all.records.length, TOTAL);
    assert.deepEqual(new Set(all.records.map((r) => r.Id)), new Set(createdIds));
  });

  test('maxFetch stops autoFetch early', async () => {
    const some = await conn.query(soql, { autoFetch: true, maxFetch: 500 });
    assert.equal(some.totalSize, TOTAL);
    assert.equal(some.records.length, 500);
  });

  test('Sforce-Query-Options batchSize=200 sizes every page', async () => {
    const headers = { 'Sforce-Query-Options': 'batchSize=200' };
    const first = await conn.query(soql, { headers });
    assert.equal(first.records.length, 200);
    assert.equal(first.done, false);
    assert.ok(first.nextRecordsUrl);

    const query = conn.query(soql, { autoFetch: true, maxFetch: 10_000, headers });
    let pages = 0;
    query.on('fetch', () => { pages += 1; }); // jsforce emits 'fetch' once per page it requests
    const all = await query;
    assert.equal(all.records.length, TOTAL);
    assert.equal(new Set(all.records.map((r) => r.Id)).size, TOTAL, 'no record repeated across pages');
    assert.equal(pages, Math.ceil(TOTAL / 200), 'the batch size holds for every page autoFetch requests');
  });

  test('COUNT() reports the total without rows', async () => {
    const result = await conn.query(`SELECT COUNT() FROM Lead WHERE Company = '${company}'`);
    assert.equal(result.totalSize, TOTAL);
    assert.equal(result.done, true);
    assert.deepEqual(result.records, []);
  });
});

describe('queryAll', () => {
  test('a deleted lead is visible (IsDeleted = true) only through queryAll', async () => {
    const conn = await login();
    const company = unique('Deleted');
    const created = await conn.sobject('Lead').create({ LastName: 'Gone', Company: company }, { headers: NO_ASSIGN });
    assert.equal(created.success, true);
    await conn.sobject('Lead').destroy(created.id);

    const soql = `SELECT Id, IsDeleted FROM Lead WHERE Company = '${company}'`;
    const live = await conn.query(soql);
    assert.equal(live.totalSize, 0);
    assert.deepEqual(live.records, []);

    const all = await conn.query(soql, { scanAll: true });
    assert.equal(all.totalSize, 1);
    assert.equal(all.records[0].Id, created.id);
    assert.equal(all.records[0].IsDeleted, true);
  });
});

describe("jsforce's SOQL builder", () => {
  test('find() with operators, relationship fields, date literals, sort, limit and skip', async () => {
    const conn = await login();
    const company = unique('Builder');
    const advocate = await conn.sobject('Advocate__c').create({ Name: `Builder ${company}`, External_Key__c: unique('ADV') });
    const specs = [
      ['Baker', 'Email', advocate.id, null],
      ['Barnes', 'Social', null, null],
      ['Bell', 'Email', advocate.id, 'bell@example.com'],
      ['Brown', 'Verbal', advocate.id, null],
      ['Byrne', 'Social', advocate.id, null],
      ['Carter', 'Email', advocate.id, null],
    ];
    await conn.sobject('Lead').create(
      specs.map(([LastName, Referral_Method__c, Advocate__c, Email]) => ({ LastName, Company: company, Referral_Method__c, Advocate__c, Email })),
      { allOrNone: true, headers: NO_ASSIGN },
    );
    const me = await conn.sobject('User').retrieve(conn.userInfo.id, { fields: ['Name'] });

    // SELECT Id, LastName, Owner.Name, Advocate__r.Name FROM Lead WHERE Company = '…' AND LastName LIKE 'B%'
    //   AND Referral_Method__c IN ('Email', 'Social') AND Email = null AND CreatedDate >= LAST_N_DAYS:1
    //   AND (Advocate__c != null OR Referral_Method__c = 'Social') ORDER BY LastName DESC LIMIT 2 OFFSET 1
    const records = await conn.sobject('Lead')
      .find(
        {
          Company: company,
          LastName: { $like: 'B%' },
          Referral_Method__c: { $in: ['Email', 'Social'] },
          Email: null,
          CreatedDate: { $gte: jsforce.SfDate.LAST_N_DAYS(1) },
          $or: [{ Advocate__c: { $ne: null } }, { Referral_Method__c: 'Social' }],
        },
        ['Id', 'LastName', 'Owner.Name', 'Advocate__r.Name'],
      )
      .sort({ LastName: -1 })
      .limit(2)
      .skip(1)
      .execute();

    // Matching: Byrne, Barnes, Baker (DESC); skip 1, take 2.
    assert.deepEqual(records.map((r) => r.LastName), ['Barnes', 'Baker']);
    assert.equal(records[0].Owner.Name, me.Name);
    assert.equal(records[0].Advocate__r, null, 'an empty lookup gives a null relationship');
    assert.equal(records[1].Advocate__r.Name, `Builder ${company}`);
    assert.deepEqual(records[1].Advocate__r.attributes, {
      type: 'Advocate__c', url: `/services/data/v${API_VERSION}/sobjects/Advocate__c/${advocate.id}`,
    });

    assert.equal(await conn.sobject('Lead').count({ Company: company, Referral_Method__c: 'Email' }), 3);
  });
});
