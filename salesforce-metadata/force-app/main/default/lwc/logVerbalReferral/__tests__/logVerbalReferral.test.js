import { createElement } from '@lwc/engine-dom';
import LogVerbalReferral, { splitName, validate } from 'c/logVerbalReferral';
import { createRecord, getRecord } from 'lightning/uiRecordApi';
import { CloseActionScreenEventName } from 'lightning/actions';
import findAdvocateId from '@salesforce/apex/AdvocateProfileController.findAdvocateId';
import findLikelyDuplicates from '@salesforce/apex/ReferralLeadService.findLikelyDuplicates';

jest.mock(
    '@salesforce/apex/AdvocateProfileController.findAdvocateId',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);
jest.mock('@salesforce/apex/ReferralLeadService.findLikelyDuplicates', () => ({ default: jest.fn() }), { virtual: true });
// The toast stub dispatches this event name but does not export it.
const ShowToastEventName = 'lightning__showtoast';

jest.mock('@salesforce/user/Id', () => ({ default: '005000000000042AAA' }), { virtual: true });

const ADVOCATE_ID = 'a00000000000001AAA';
const ADVOCATE = {
    apiName: 'Advocate__c',
    id: ADVOCATE_ID,
    fields: { Name: { value: 'Ada Lovelace' }, Status__c: { value: 'Active' } }
};

async function flush() {
    for (let i = 0; i < 20; i++) {
        // eslint-disable-next-line no-await-in-loop
        await Promise.resolve();
    }
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const text = (element, selector) => $(element, selector)?.textContent.trim();

async function mountReady({ objectApiName = 'Contact', advocate = ADVOCATE } = {}) {
    const element = createElement('c-log-verbal-referral', { is: LogVerbalReferral });
    element.recordId = objectApiName === 'Contact' ? '003000000000001AAA' : '001000000000001AAA';
    element.objectApiName = objectApiName;
    const events = [];
    element.addEventListener(ShowToastEventName, (e) => events.push({ type: 'toast', ...e.detail }));
    element.addEventListener(CloseActionScreenEventName, () => events.push({ type: 'close' }));
    document.body.appendChild(element);
    await flush();
    findAdvocateId.emit(advocate ? advocate.id : null);
    await flush();
    if (advocate) {
        getRecord.emit(advocate, (config) => config.recordId === advocate.id);
        await flush();
    }
    return { element, events };
}

async function fill(element, values) {
    for (const [field, value] of Object.entries(values)) {
        const input = $(element, `[data-field="${field}"]`);
        input.value = value;
        input.dispatchEvent(new CustomEvent('change'));
    }
    await flush();
}

async function save(element) {
    $(element, '[data-id="save"]').click();
    await flush();
    await flush();
}

describe('c-log-verbal-referral', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('creates the lead with method Verbal, the advocate and the logging rep', async () => {
        findLikelyDuplicates.mockResolvedValue([]);
        createRecord.mockResolvedValue({ id: '00Q000000000001AAA' });
        const { element, events } = await mountReady();

        await fill(element, {
            name: '  Grace Brewster Hopper ',
            company: 'Navy',
            email: 'grace@navy.example',
            phone: '+1 555 0100',
            notes: 'Needs a fleet deal'
        });
        await save(element);

        expect(findLikelyDuplicates).toHaveBeenCalledWith({ email: 'grace@navy.example' });
        expect(createRecord).toHaveBeenCalledTimes(1);
        expect(createRecord.mock.calls[0][0]).toEqual({
            apiName: 'Lead',
            fields: {
                FirstName: 'Grace Brewster',
                LastName: 'Hopper',
                Company: 'Navy',
                Email: 'grace@navy.example',
                Phone: '+1 555 0100',
                Referral_Notes__c: 'Needs a fleet deal',
                Referral_Method__c: 'Verbal',
                Advocate__c: ADVOCATE_ID,
                Logged_By__c: '005000000000042AAA'
            }
        });
        expect(events).toEqual([
            {
                type: 'toast',
                title: 'Referral logged',
                message: 'Grace Brewster Hopper (Navy) was added as a lead referred by Ada Lovelace.',
                variant: 'success'
            },
            { type: 'close' }
        ]);
    });

    it('leaves out optional fields the rep left empty', async () => {
        createRecord.mockResolvedValue({ id: '00Q000000000002AAA' });
        const { element } = await mountReady();

        await fill(element, { name: 'Turing', company: 'Bletchley', phone: '0161 496 0000' });
        await save(element);

        expect(findLikelyDuplicates).not.toHaveBeenCalled();
        expect(createRecord.mock.calls[0][0].fields).toEqual({
            LastName: 'Turing',
            Company: 'Bletchley',
            Phone: '0161 496 0000',
            Referral_Method__c: 'Verbal',
            Advocate__c: ADVOCATE_ID,
            Logged_By__c: '005000000000042AAA'
        });
    });

    it('refuses to save without name, company and a way to reach the referee', async () => {
        const { element, events } = await mountReady();

        await save(element);

        expect(createRecord).not.toHaveBeenCalled();
        const errors = [...element.shadowRoot.querySelectorAll('.validation-summary li')].map((li) => li.dataset.errorFor);
        expect(errors).toEqual(['name', 'company', 'phone']);
        expect(events).toEqual([]);
    });

    it('rejects a malformed email and names it', async () => {
        const { element } = await mountReady();

        await fill(element, { name: 'Grace Hopper', company: 'Navy', email: 'grace.navy.example' });
        await save(element);

        expect(createRecord).not.toHaveBeenCalled();
        expect(findLikelyDuplicates).not.toHaveBeenCalled();
        expect(text(element, '[data-error-for="email"]')).toBe('"grace.navy.example" is not an email address (expected name@company.com).');
    });

    it('clears a field’s error once the rep edits it', async () => {
        const { element } = await mountReady();
        await save(element);

        await fill(element, { name: 'Grace Hopper' });

        expect($(element, '[data-error-for="name"]')).toBeNull();
        expect($(element, '[data-error-for="company"]')).not.toBeNull();
    });

    it('warns of a likely duplicate lead and creates only when the rep confirms', async () => {
        findLikelyDuplicates.mockResolvedValue([
            { Id: '00Q000000000009AAA', Name: 'Grace Hopper', Company: 'Navy', Status: 'Working', Owner: { Name: 'Rita Rep' } }
        ]);
        createRecord.mockResolvedValue({ id: '00Q000000000003AAA' });
        const { element } = await mountReady();
        await fill(element, { name: 'Grace Hopper', company: 'Navy', email: 'grace@navy.example' });

        await save(element);

        expect(createRecord).not.toHaveBeenCalled();
        expect(text(element, '.duplicate')).toBe('Grace Hopper · Navy · Working · owned by Rita Rep');
        expect($(element, '[data-id="save"]').label).toBe('Log Anyway');

        await save(element);

        expect(findLikelyDuplicates).toHaveBeenCalledTimes(1);
        expect(createRecord).toHaveBeenCalledTimes(1);
    });

    it('checks again when the rep changes the email after a warning', async () => {
        findLikelyDuplicates.mockResolvedValueOnce([{ Id: '00Q000000000009AAA', Name: 'Grace Hopper' }]).mockResolvedValueOnce([]);
        createRecord.mockResolvedValue({ id: '00Q000000000004AAA' });
        const { element } = await mountReady();
        await fill(element, { name: 'Grace Hopper', company: 'Navy', email: 'grace@navy.example' });
        await save(element);

        await fill(element, { email: 'g.hopper@navy.example' });
        expect($(element, '.duplicate-warning')).toBeNull();
        await save(element);

        expect(findLikelyDuplicates).toHaveBeenLastCalledWith({ email: 'g.hopper@navy.example' });
        expect(createRecord).toHaveBeenCalledTimes(1);
    });

    it('still logs the referral when the duplicate check itself fails', async () => {
        findLikelyDuplicates.mockRejectedValue({ body: { message: 'Apex CPU time limit' } });
        createRecord.mockResolvedValue({ id: '00Q000000000005AAA' });
        const { element } = await mountReady();
        await fill(element, { name: 'Grace Hopper', company: 'Navy', email: 'grace@navy.example' });

        await save(element);

        expect(createRecord).toHaveBeenCalledTimes(1);
    });

    it('shows why the lead was not created and keeps the form open', async () => {
        findLikelyDuplicates.mockResolvedValue([]);
        createRecord.mockRejectedValue({
            body: { message: 'An error occurred', output: { errors: [{ message: 'Lead assignment rule failed' }], fieldErrors: { Email: [{ message: 'Email: invalid domain' }] } } }
        });
        const { element, events } = await mountReady();
        await fill(element, { name: 'Grace Hopper', company: 'Navy', email: 'grace@navy.example' });

        await save(element);

        expect(text(element, '.save-error')).toBe('The referral was not logged: Lead assignment rule failed Email: invalid domain');
        expect(events).toEqual([
            { type: 'toast', title: 'Referral not logged', message: 'Lead assignment rule failed Email: invalid domain', variant: 'error' }
        ]);
        expect($(element, '[data-id="save"]').disabled).toBe(false);
    });

    it('explains and blocks when the contact is not an advocate', async () => {
        const { element } = await mountReady({ advocate: null });

        expect(text(element, '.blocking-message')).toBe('This contact is not a referral advocate yet. Use Invite to Referral Program first.');
        expect($(element, '[data-field="name"]')).toBeNull();
        expect($(element, '[data-id="save"]').disabled).toBe(true);
    });

    it('explains when no one at the account is an advocate', async () => {
        const { element } = await mountReady({ objectApiName: 'Account', advocate: null });

        expect(text(element, '.blocking-message')).toContain('No one at this account is a referral advocate yet.');
    });

    it('blocks referrals for an advocate who opted out', async () => {
        const optedOut = { ...ADVOCATE, fields: { Name: { value: 'Ada Lovelace' }, Status__c: { value: 'Opted Out' } } };
        const { element } = await mountReady({ advocate: optedOut });

        expect(text(element, '.blocking-message')).toBe('Ada Lovelace has opted out of the referral program, so referrals cannot be logged for them.');
        expect($(element, '[data-id="save"]').disabled).toBe(true);
    });

    it('closes without creating anything on cancel', async () => {
        const { element, events } = await mountReady();

        $(element, '[data-id="cancel"]').click();

        expect(events).toEqual([{ type: 'close' }]);
        expect(createRecord).not.toHaveBeenCalled();
    });

    it('names the advocate in the header', async () => {
        const { element } = await mountReady();

        expect(element.shadowRoot.querySelector('lightning-quick-action-panel').header).toBe('Referral from Ada Lovelace');
    });
});

describe('logVerbalReferral helpers', () => {
    it('splits a full name into first and last name', () => {
        expect(splitName('Grace Brewster Hopper')).toEqual({ first: 'Grace Brewster', last: 'Hopper' });
        expect(splitName('Cher')).toEqual({ first: '', last: 'Cher' });
    });

    it('enforces the Lead field lengths', () => {
        const errors = validate({ name: 'x'.repeat(121), company: 'Navy', email: 'a@b.co' });
        expect(errors).toEqual({ name: 'Referee name is 121 characters long; the most is 120.' });
    });

    it('accepts a phone number instead of an email', () => {
        expect(validate({ name: 'Grace Hopper', company: 'Navy', phone: '555 0100' })).toEqual({});
    });
});
