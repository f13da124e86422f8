import { createElement } from '@lwc/engine-dom';
import AdvocateProfile from 'c/advocateProfile';
import { getRecord } from 'lightning/uiRecordApi';
import findAdvocateId from '@salesforce/apex/AdvocateProfileController.findAdvocateId';
import getReferrals from '@salesforce/apex/AdvocateProfileController.getReferrals';

const ADVOCATE = require('./data/advocate.json');
const NEW_ADVOCATE = require('./data/newAdvocate.json');
const REFERRALS = require('./data/referrals.json');
const ADVOCATE_ID = ADVOCATE.id;

jest.mock(
    '@salesforce/apex/AdvocateProfileController.findAdvocateId',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);
jest.mock(
    '@salesforce/apex/AdvocateProfileController.getReferrals',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);

async function flush() {
    for (let i = 0; i < 5; i++) {
        // eslint-disable-next-line no-await-in-loop
        await Promise.resolve();
    }
}

function mount(objectApiName, recordId) {
    const element = createElement('c-advocate-profile', { is: AdvocateProfile });
    element.objectApiName = objectApiName;
    element.recordId = recordId;
    document.body.appendChild(element);
    return element;
}

const forRecord = (id) => (config) => config.recordId === id;
const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const text = (element, selector) => $(element, selector)?.textContent.trim();

async function loadAdvocate(advocate = ADVOCATE, referrals = REFERRALS) {
    getRecord.emit(advocate, forRecord(advocate.id));
    getReferrals.emit(referrals);
    await flush();
}

describe('c-advocate-profile', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('shows status, owning rep, counts, conversion and rewards of a contact’s advocate', async () => {
        const element = mount('Contact', '003000000000001AAA');
        findAdvocateId.emit(ADVOCATE_ID);
        await flush();
        await loadAdvocate();

        expect(findAdvocateId.getLastConfig()).toEqual({ recordId: '003000000000001AAA' });
        expect(text(element, '.advocate-name')).toBe('Ada Lovelace');
        expect(text(element, '.advocate-status')).toBe('Active');
        expect($(element, '.advocate-status').className).toContain('slds-theme_success');
        expect(text(element, '.advocate-owner')).toBe('Rita Rep');
        expect(text(element, '.advocate-code')).toBe('ADA-42');
        expect([text(element, '.count-total'), text(element, '.count-open'), text(element, '.count-won'), text(element, '.count-lost')]).toEqual(['12', '4', '6', '2']);
        expect($(element, '[data-id="conversion"]').value).toBe(0.75);
        const rewards = ['earned', 'pending', 'paid'].map((id) => $(element, `[data-id="${id}"]`));
        expect(rewards.map((r) => r.value)).toEqual([1500, 250.5, 900]);
        expect(rewards.map((r) => r.currencyCode)).toEqual(['EUR', 'EUR', 'EUR']);
        expect(text(element, '.tax-form')).toContain('tax form');
    });

    it('asks for the advocate’s fields and its latest referrals', async () => {
        mount('Account', '001000000000001AAA');
        findAdvocateId.emit(ADVOCATE_ID);
        await flush();

        const advocateConfig = getRecord.getLastConfig();
        expect(advocateConfig.recordId).toBe(ADVOCATE_ID);
        expect(advocateConfig.fields.map((f) => f.fieldApiName)).toEqual(
            expect.arrayContaining(['Name', 'Status__c', 'Owner.Name', 'Rewards_Earned__c', 'Rewards_Pending__c', 'Rewards_Paid__c', 'Conversion_Rate__c'])
        );
        expect(getReferrals.getLastConfig()).toEqual({ advocateId: ADVOCATE_ID, maxRows: 10 });
    });

    it('lists referrals with their states and rewards', async () => {
        const element = mount('Contact', '003000000000001AAA');
        findAdvocateId.emit(ADVOCATE_ID);
        await flush();
        await loadAdvocate();

        const rows = element.shadowRoot.querySelectorAll('li.referral');
        expect(rows).toHaveLength(2);
        expect(rows[0].querySelector('.referral-name').textContent).toBe('Grace Hopper');
        expect(rows[0].querySelector('.referral-state').textContent).toBe('Won');
        expect(rows[0].querySelector('lightning-formatted-number').value).toBe(500);
        expect(rows[0].querySelector('.referral-reward-status').textContent.trim()).toBe('Earned');
        // No referee name: the record name stands in; no reward yet: no amount shown.
        expect(rows[1].querySelector('.referral-name').textContent).toBe('R-0002');
        expect(rows[1].querySelector('.referral-state').textContent).toBe('Working');
        expect(rows[1].querySelector('.referral-reward')).toBeNull();
        expect(text(element, '.referrals-title')).toBe('Latest 2 of 12 referrals');
    });

    it('reads a lead’s advocate through Lightning Data Service, not Apex', async () => {
        const element = mount('Lead', '00Q000000000001AAA');
        await flush();

        const configs = [];
        getRecord.emit({ apiName: 'Lead', id: '00Q000000000001AAA', fields: { Advocate__c: { value: ADVOCATE_ID } } }, (config) => {
            configs.push(config);
            return config.recordId === '00Q000000000001AAA';
        });
        expect(configs).toContainEqual({ recordId: '00Q000000000001AAA', fields: [{ objectApiName: 'Lead', fieldApiName: 'Advocate__c' }] });
        await flush();
        await loadAdvocate();

        expect(text(element, '.advocate-name')).toBe('Ada Lovelace');
        expect(findAdvocateId.getLastConfig()?.recordId).toBeUndefined();
    });

    it('uses the record itself on an advocate page', async () => {
        const element = mount('Advocate__c', ADVOCATE_ID);
        await flush();
        await loadAdvocate();

        expect(text(element, '.advocate-name')).toBe('Ada Lovelace');
    });

    it('shows a clear empty state when a contact has no advocate', async () => {
        const element = mount('Contact', '003000000000009AAA');
        findAdvocateId.emit(null);
        await flush();

        expect(text(element, '.profile-empty')).toBe('This contact is not a referral advocate yet. Use Invite to Referral Program to invite them.');
        expect($(element, '.profile')).toBeNull();
        expect($(element, 'lightning-spinner')).toBeNull();
    });

    it('shows a clear empty state when an opportunity was not referred', async () => {
        const element = mount('Opportunity', '006000000000001AAA');
        await flush();
        getRecord.emit({ apiName: 'Opportunity', id: '006000000000001AAA', fields: { Advocate__c: { value: null } } }, forRecord('006000000000001AAA'));
        await flush();

        expect(text(element, '.profile-empty')).toBe('This opportunity was not referred by an advocate.');
    });

    it('shows a new advocate without referrals, rewards or conversion as such', async () => {
        const element = mount('Contact', '003000000000002AAA');
        findAdvocateId.emit(NEW_ADVOCATE.id);
        await flush();
        await loadAdvocate(NEW_ADVOCATE, []);

        expect(text(element, '.advocate-status')).toBe('Invited');
        expect(text(element, '.advocate-owner')).toBe('—');
        expect(text(element, '.count-total')).toBe('0');
        expect($(element, '[data-id="conversion"]')).toBeNull();
        expect(text(element, '.conversion-none')).toBe('no closed referrals yet');
        expect($(element, '[data-id="earned"]').value).toBe(0);
        expect(text(element, '.referrals-empty')).toBe('No referrals yet.');
        expect($(element, '.tax-form')).toBeNull();
    });

    it('shows no rate while no referral is won or lost, although the connector writes 0', async () => {
        const openOnly = JSON.parse(JSON.stringify(ADVOCATE));
        Object.assign(openOnly.fields, { Won_Referrals__c: { value: 0 }, Lost_Referrals__c: { value: 0 }, Conversion_Rate__c: { value: 0 } });
        const element = mount('Advocate__c', ADVOCATE_ID);
        await flush();
        await loadAdvocate(openOnly);

        expect($(element, '[data-id="conversion"]')).toBeNull();
        expect(text(element, '.conversion-none')).toBe('no closed referrals yet');
    });

    it('spins while the advocate loads', async () => {
        const element = mount('Contact', '003000000000001AAA');
        await flush();

        expect($(element, 'lightning-spinner')).not.toBeNull();
        expect($(element, '.profile-empty')).toBeNull();
    });

    it('shows the server’s message when the lookup fails', async () => {
        const element = mount('Contact', '003000000000001AAA');
        findAdvocateId.error({ message: 'Insufficient access to Advocate__c' });
        await flush();

        expect(text(element, '.profile-error')).toBe('Could not load the advocate profile: Insufficient access to Advocate__c');
    });

    it('shows the message when the advocate record cannot be read', async () => {
        const element = mount('Advocate__c', ADVOCATE_ID);
        await flush();
        getRecord.error({ message: 'Record deleted' }, 404, 'Not Found');
        await flush();

        expect(text(element, '.profile-error')).toContain('Could not load the advocate profile:');
        expect(text(element, '.profile-error')).toContain('Record deleted');
    });

    it('keeps the profile and explains when only the referrals fail', async () => {
        const element = mount('Advocate__c', ADVOCATE_ID);
        await flush();
        getRecord.emit(ADVOCATE, forRecord(ADVOCATE_ID));
        getReferrals.error({ message: 'No access to Referral__c' });
        await flush();

        expect(text(element, '.advocate-name')).toBe('Ada Lovelace');
        expect(text(element, '.referrals-empty')).toBe('Could not load referrals: No access to Referral__c');
    });
});
