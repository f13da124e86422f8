// Bulk API 2.0 query through jsforce: the CSV results jsforce parses must equal a REST query of the same SOQL.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, unique, withDeadline } from './support.js';

const NO_ASSIGN = { 'Sforce-Auto-Assign': 'FALSE' };
const METHODS = ['Verbal', 'Email', 'Lead Form', 'Social', 'Shareable URL', 'Print Card'];

/** Drains jsforce's record stream into an array. */
function collect(recordStream, what) {
  return withDeadline(new Promise((resolve, reject) => {
    const records = [];
    recordStream.on('record', (record) => records.push(record));
    recordStream.on('end', () => resolve(records));
    recordStream.on('error', reject);
  }), 60_000, what);
}

/** CSV carries every value as text and null as an empty string. */
function asCsvValue(value) {
  return value === null || value === undefined ? '' : String(value);
}

describe('Bulk API 2.0 query', () => {
  let conn;
  let company;

  before(async () => {
    conn = await login();
    company = unique('Bulk');
    // Values that stress CSV quoting: commas, quotes, a line break, non-ASCII, and nulls.
    const records = Array.from({ length: 450 }, (_, i) => ({
      LastName: i % 50 === 0 ? `Quote "${i}", comma` : `Bulk ${String(i).padStart(4, '0')}`,
      FirstName: i % 7 === 0 ? null : `Zoë ${i}`,
      Company: company,
      Referral_Method__c: METHODS[i % METHODS.length],
      Referral_Notes__c: i % 3 === 0 ? `line one\nline two ${i}` : null,
    }));
    const results = await conn.sobject('Lead').create(records, { allOrNone: true, allowRecursive: true, headers: NO_ASSIGN });
    assert.equal(results.filter((r) => r.success).length, records.length);
  });

  test('conn.bulk2.query returns the same rows as a REST query of the same SOQL', async () => {
    const soql = `SELECT Id, FirstName, LastName, Company, Referral_Method__c, Referral_Notes__c, IsConverted FROM Lead WHERE Company = '${company}' ORDER BY LastName`;
    const rest = await conn.query(soql, { autoFetch: true, maxFetch: 10_000 });
    assert.equal(rest.records.length, 450);

    const bulk = await collect(await conn.bulk2.query(soql, { pollInterval: 200, pollTimeout: 60_000 }), 'bulk query records');
    assert.equal(bulk.length, rest.records.length);

    const columns = ['Id', 'FirstName', 'LastName', 'Company', 'Referral_Method__c', 'Referral_Notes__c', 'IsConverted'];
    assert.deepEqual(Object.keys(bulk[0]), columns, 'CSV columns in SELECT order (API >= 50)');
    const expected = rest.records.map((r) => Object.fromEntries(columns.map((c) => [c, asCsvValue(r[c])])));
    assert.deepEqual(bulk, expected);
  });

  test('a queryAll job (scanAll) includes deleted rows, a query job does not', async () => {
    const gone = unique('BulkGone');
    const [kept, deleted] = await conn.sobject('Lead').create(
      [{ LastName: 'Kept', Company: gone }, { LastName: 'Deleted', Company: gone }],
      { headers: NO_ASSIGN },
    );
    await conn.sobject('Lead').destroy(deleted.id);
    const soql = `SELECT Id, IsDeleted FROM Lead WHERE Company = '${gone}' ORDER BY LastName`;

    const live = await collect(await conn.bulk2.query(soql, { pollInterval: 200 }), 'bulk query records');
    assert.deepEqual(live, [{ Id: kept.id, IsDeleted: 'false' }]);

    const all = await collect(await conn.bulk2.query(soql, { scanAll: true, pollInterval: 200 }), 'bulk queryAll records');
    assert.deepEqual(all, [{ Id: deleted.id, IsDeleted: 'true' }, { Id: kept.id, IsDeleted: 'false' }]);
  });
});
