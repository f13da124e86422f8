import { LightningElement, api, wire } from 'lwc';
import { createRecord, getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import { CloseActionScreenEvent } from 'lightning/actions';
import USER_ID from '@salesforce/user/Id';
import findAdvocateId from '@salesforce/apex/AdvocateProfileController.findAdvocateId';
import findLikelyDuplicates from '@salesforce/apex/ReferralLeadService.findLikelyDuplicates';
import LEAD_OBJECT from '@salesforce/schema/Lead';
import FIRST_NAME from '@salesforce/schema/Lead.FirstName';
import LAST_NAME from '@salesforce/schema/Lead.LastName';
import COMPANY from '@salesforce/schema/Lead.Company';
import EMAIL from '@salesforce/schema/Lead.Email';
import PHONE from '@salesforce/schema/Lead.Phone';
import NOTES from '@salesforce/schema/Lead.Referral_Notes__c';
import METHOD from '@salesforce/schema/Lead.Referral_Method__c';
import ADVOCATE from '@salesforce/schema/Lead.Advocate__c';
import LOGGED_BY from '@salesforce/schema/Lead.Logged_By__c';
import ADVOCATE_NAME from '@salesforce/schema/Advocate__c.Name';
import ADVOCATE_STATUS from '@salesforce/schema/Advocate__c.Status__c';
import { reduceErrors } from 'c/referralErrors';

export const VERBAL = 'Verbal';
// Deliberately loose: the org validates the address for real; this catches typos such as a missing @ or domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LIMITS = { name: 120, company: 255, email: 80, phone: 40, notes: 32000 };
const LABELS = { name: 'Referee name', company: 'Company', email: 'Email', phone: 'Phone', notes: 'Notes' };

/** "Grace Brewster Hopper" → FirstName "Grace Brewster", LastName "Hopper"; a single word is the last name. */
export function splitName(fullName) {
    const parts = fullName.trim().split(/\s+/);
    const last = parts.pop();
    return { first: parts.join(' '), last };
}

/** Field → message for every rule the input breaks; empty when it can be saved. */
export function validate(values) {
    const errors = {};
    const value = (field) => (values[field] || '').trim();
    if (!value('name')) {
        errors.name = 'Enter the name of the person being referred.';
    }
    if (!value('company')) {
        errors.company = 'Enter the company of the person being referred.';
    }
    if (value('email') && !EMAIL_PATTERN.test(value('email'))) {
        errors.email = `"${value('email')}" is not an email address (expected name@company.com).`;
    }
    if (!value('email') && !value('phone')) {
        errors.phone = 'Enter an email or a phone number so the rep can reach the referee.';
    }
    for (const [field, max] of Object.entries(LIMITS)) {
        if (!errors[field] && value(field).length > max) {
            errors[field] = `${LABELS[field]} is ${value(field).length} characters long; the most is ${max}.`;
        }
    }
    return errors;
}

export default class LogVerbalReferral extends LightningElement {
    @api recordId;
    @api objectApiName;

    values = { name: '', company: '', email: '', phone: '', notes: '' };
    errors = {};
    duplicates;
    acknowledgedEmail;
    saveError;
    isSaving = false;
    lookupDone = false;
    lookupError;
    advocateId;
    advocate;

    @wire(findAdvocateId, { recordId: '$recordId' })
    wiredLookup({ data, error }) {
        if (error) {
            this.lookupError = error;
            this.lookupDone = true;
        } else if (data !== undefined) {
            this.advocateId = data || undefined;
            this.lookupDone = true;
        }
    }

    @wire(getRecord, { recordId: '$advocateId', fields: [ADVOCATE_NAME, ADVOCATE_STATUS] })
    wiredAdvocate({ data }) {
        this.advocate = data;
    }

    get advocateName() {
        return getFieldValue(this.advocate, ADVOCATE_NAME) || 'the advocate';
    }

    get advocateStatus() {
        return getFieldValue(this.advocate, ADVOCATE_STATUS);
    }

    get isOptedOut() {
        return this.advocateStatus === 'Opted Out';
    }

    get blockingMessage() {
        if (this.lookupError) {
            return `Could not find the advocate: ${reduceErrors(this.lookupError)}`;
        }
        if (this.lookupDone && !this.advocateId) {
            return this.objectApiName === 'Account'
                ? 'No one at this account is a referral advocate yet. Invite a contact to the referral program first.'
                : 'This contact is not a referral advocate yet. Use Invite to Referral Program first.';
        }
        if (this.isOptedOut) {
            return `${this.advocateName} has opted out of the referral program, so referrals cannot be logged for them.`;
        }
        return undefined;
    }

    get isReady() {
        return this.lookupDone && !this.blockingMessage;
    }

    get isLoading() {
        return !this.lookupDone;
    }

    get saveDisabled() {
        return !this.isReady || this.isSaving;
    }

    get saveLabel() {
        return this.hasDuplicates ? 'Log Anyway' : 'Log Referral';
    }

    get heading() {
        return this.advocate ? `Referral from ${this.advocateName}` : 'Log Verbal Referral';
    }

    get errorList() {
        return Object.entries(this.errors).map(([field, message]) => ({ field, message }));
    }

    get hasErrors() {
        return this.errorList.length > 0;
    }

    get hasDuplicates() {
        return Array.isArray(this.duplicates) && this.duplicates.length > 0;
    }

    get duplicateRows() {
        return (this.duplicates || []).map((lead) => ({
            id: lead.Id,
            text: [lead.Name, lead.Company, lead.Status, lead.Owner && lead.Owner.Name ? `owned by ${lead.Owner.Name}` : null]
                .filter(Boolean)
                .join(' · ')
        }));
    }

    handleChange(event) {
        const field = event.target.dataset.field;
        this.values = { ...this.values, [field]: event.target.value ?? '' };
        if (this.errors[field]) {
            const rest = { ...this.errors };
            delete rest[field];
            this.errors = rest;
        }
        if (field === 'email' && this.acknowledgedEmail !== this.trimmed('email')) {
            this.duplicates = undefined;
        }
    }

    trimmed(field) {
        return (this.values[field] || '').trim();
    }

    showValidity() {
        this.template.querySelectorAll('[data-field]').forEach((input) => {
            input.setCustomValidity(this.errors[input.dataset.field] || '');
            input.reportValidity();
        });
    }

    async handleSave() {
        if (!this.isReady || this.isSaving) {
            return;
        }
        this.saveError = undefined;
        this.errors = validate(this.values);
        this.showValidity();
        if (this.hasErrors) {
            return;
        }

        this.isSaving = true;
        try {
            const email = this.trimmed('email');
            if (email && this.acknowledgedEmail !== email) {
                this.acknowledgedEmail = email;
                this.duplicates = await this.checkDuplicates(email);
                if (this.hasDuplicates) {
                    // Warn once per address: the rep reads the matches, then confirms with "Log Anyway".
                    return;
                }
            }
            await createRecord(this.leadInput());
            this.dispatchEvent(
                new ShowToastEvent({
                    title: 'Referral logged',
                    message: `${this.trimmed('name')} (${this.trimmed('company')}) was added as a lead referred by ${this.advocateName}.`,
                    variant: 'success'
                })
            );
            this.dispatchEvent(new CloseActionScreenEvent());
        } catch (error) {
            this.saveError = `The referral was not logged: ${reduceErrors(error)}`;
            this.dispatchEvent(new ShowToastEvent({ title: 'Referral not logged', message: reduceErrors(error), variant: 'error' }));
        } finally {
            this.isSaving = false;
        }
    }

    /** A failed duplicate check must not stop the referral: it is a warning, not a rule. */
    async checkDuplicates(email) {
        try {
            return await findLikelyDuplicates({ email });
        } catch {
            return [];
        }
    }

    leadInput() {
        const { first, last } = splitName(this.trimmed('name'));
        const fields = {
            [LAST_NAME.fieldApiName]: last,
            [COMPANY.fieldApiName]: this.trimmed('company'),
            [METHOD.fieldApiName]: VERBAL,
            [ADVOCATE.fieldApiName]: this.advocateId,
            [LOGGED_BY.fieldApiName]: USER_ID
        };
        const optional = { [FIRST_NAME.fieldApiName]: first, [EMAIL.fieldApiName]: this.trimmed('email'), [PHONE.fieldApiName]: this.trimmed('phone'), [NOTES.fieldApiName]: this.trimmed('notes') };
        for (const [name, value] of Object.entries(optional)) {
            if (value) {
                fields[name] = value;
            }
        }
        return { apiName: LEAD_OBJECT.objectApiName, fields };
    }

    handleCancel() {
        this.dispatchEvent(new CloseActionScreenEvent());
    }
}
