import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { NavigationMixin } from 'lightning/navigation';
import findAdvocateId from '@salesforce/apex/AdvocateProfileController.findAdvocateId';
import getReferrals from '@salesforce/apex/AdvocateProfileController.getReferrals';
import LEAD_ADVOCATE from '@salesforce/schema/Lead.Advocate__c';
import OPPORTUNITY_ADVOCATE from '@salesforce/schema/Opportunity.Advocate__c';
import NAME from '@salesforce/schema/Advocate__c.Name';
import STATUS from '@salesforce/schema/Advocate__c.Status__c';
import OWNER_NAME from '@salesforce/schema/Advocate__c.Owner.Name';
import REFERRAL_CODE from '@salesforce/schema/Advocate__c.Referral_Code__c';
import ENROLLED from '@salesforce/schema/Advocate__c.Enrolled_Date__c';
import LAST_REFERRAL from '@salesforce/schema/Advocate__c.Last_Referral_Date__c';
import TOTAL from '@salesforce/schema/Advocate__c.Total_Referrals__c';
import OPEN from '@salesforce/schema/Advocate__c.Open_Referrals__c';
import WON from '@salesforce/schema/Advocate__c.Won_Referrals__c';
import LOST from '@salesforce/schema/Advocate__c.Lost_Referrals__c';
import CONVERSION from '@salesforce/schema/Advocate__c.Conversion_Rate__c';
import EARNED from '@salesforce/schema/Advocate__c.Rewards_Earned__c';
import PENDING from '@salesforce/schema/Advocate__c.Rewards_Pending__c';
import PAID from '@salesforce/schema/Advocate__c.Rewards_Paid__c';
import CURRENCY from '@salesforce/schema/Advocate__c.Reward_Currency__c';
import TAX_FORM from '@salesforce/schema/Advocate__c.Tax_Form_Required__c';
import { reduceErrors } from 'c/referralErrors';

export const ADVOCATE_FIELDS = [
    NAME, STATUS, OWNER_NAME, REFERRAL_CODE, ENROLLED, LAST_REFERRAL, TOTAL, OPEN, WON, LOST,
    CONVERSION, EARNED, PENDING, PAID, CURRENCY, TAX_FORM
];
export const MAX_REFERRALS = 10;

// Lead and Opportunity carry the advocate lookup themselves, so Lightning Data Service reads it; Contact and
// Account are found from the advocate's side (Advocate__c.Contact__c / Account__c), which only Apex can query.
const LOOKUP_FIELD = { Lead: LEAD_ADVOCATE, Opportunity: OPPORTUNITY_ADVOCATE };
const APEX_LOOKUP = new Set(['Contact', 'Account']);

const EMPTY_MESSAGES = {
    Contact: 'This contact is not a referral advocate yet. Use Invite to Referral Program to invite them.',
    Account: 'No one at this account is a referral advocate yet.',
    Lead: 'This lead was not referred by an advocate.',
    Opportunity: 'This opportunity was not referred by an advocate.'
};

const STATUS_VARIANTS = { Active: 'slds-theme_success', Invited: 'slds-theme_info', Inactive: 'slds-theme_warning' };

export default class AdvocateProfile extends NavigationMixin(LightningElement) {
    @api recordId;
    @api objectApiName;

    lookupDone = false;
    lookedUpAdvocateId;
    lookupError;
    advocate;
    advocateError;
    referrals;
    referralsError;

    get sourceRecordId() {
        return LOOKUP_FIELD[this.objectApiName] ? this.recordId : undefined;
    }

    get sourceFields() {
        const field = LOOKUP_FIELD[this.objectApiName];
        return field ? [field] : undefined;
    }

    get apexLookupId() {
        return APEX_LOOKUP.has(this.objectApiName) ? this.recordId : undefined;
    }

    get advocateId() {
        return this.objectApiName === 'Advocate__c' ? this.recordId : this.lookedUpAdvocateId;
    }

    @wire(getRecord, { recordId: '$sourceRecordId', fields: '$sourceFields' })
    wiredSource({ data, error }) {
        if (data) {
            this.lookedUpAdvocateId = getFieldValue(data, LOOKUP_FIELD[this.objectApiName]) || undefined;
            this.lookupError = undefined;
            this.lookupDone = true;
        } else if (error) {
            this.lookupError = error;
            this.lookupDone = true;
        }
    }

    @wire(findAdvocateId, { recordId: '$apexLookupId' })
    wiredLookup({ data, error }) {
        if (error) {
            this.lookupError = error;
            this.lookupDone = true;
        } else if (data !== undefined) {
            this.lookedUpAdvocateId = data || undefined;
            this.lookupError = undefined;
            this.lookupDone = true;
        }
    }

    @wire(getRecord, { recordId: '$advocateId', fields: ADVOCATE_FIELDS })
    wiredAdvocate({ data, error }) {
        this.advocate = data;
        this.advocateError = error;
    }

    @wire(getReferrals, { advocateId: '$advocateId', maxRows: MAX_REFERRALS })
    wiredReferrals({ data, error }) {
        this.referrals = data;
        this.referralsError = error;
    }

    get errorMessage() {
        const error = this.lookupError || this.advocateError;
        return error ? `Could not load the advocate profile: ${reduceErrors(error)}` : undefined;
    }

    get isEmpty() {
        return this.objectApiName !== 'Advocate__c' && this.lookupDone && !this.lookedUpAdvocateId;
    }

    get isLoading() {
        return !this.errorMessage && !this.isEmpty && !this.advocate;
    }

    get emptyMessage() {
        return EMPTY_MESSAGES[this.objectApiName] || 'This record has no referral advocate.';
    }

    field(field) {
        return getFieldValue(this.advocate, field);
    }

    get name() {
        return this.field(NAME);
    }

    get status() {
        return this.field(STATUS) || 'Unknown';
    }

    get statusClass() {
        return `slds-badge advocate-status ${STATUS_VARIANTS[this.status] || ''}`.trim();
    }

    get ownerName() {
        return this.field(OWNER_NAME) || '—';
    }

    get referralCode() {
        return this.field(REFERRAL_CODE);
    }

    get enrolledDate() {
        return this.field(ENROLLED);
    }

    get lastReferralDate() {
        return this.field(LAST_REFERRAL);
    }

    get taxFormRequired() {
        return this.field(TAX_FORM) === true;
    }

    count(field) {
        return this.field(field) ?? 0;
    }

    get total() {
        return this.count(TOTAL);
    }

    get open() {
        return this.count(OPEN);
    }

    get won() {
        return this.count(WON);
    }

    get lost() {
        return this.count(LOST);
    }

    /** Conversion_Rate__c is a Percent field (42.5 means 42.5 %); lightning-formatted-number wants a fraction. */
    get conversion() {
        const rate = this.field(CONVERSION);
        return rate === null || rate === undefined ? undefined : rate / 100;
    }

    /** Without a won or lost referral there is no rate to show (the connector then writes 0, which would mislead). */
    get hasConversion() {
        return this.conversion !== undefined && this.won + this.lost > 0;
    }

    get currency() {
        return this.field(CURRENCY) || undefined;
    }

    get earned() {
        return this.count(EARNED);
    }

    get pending() {
        return this.count(PENDING);
    }

    get paid() {
        return this.count(PAID);
    }

    get referralRows() {
        return (this.referrals || []).map((r) => ({
            id: r.Id,
            title: r.Referee_Name__c || r.Name,
            company: r.Referee_Company__c,
            state: r.State__c || 'Unknown',
            method: r.Method__c,
            hasReward: r.Reward_Amount__c !== null && r.Reward_Amount__c !== undefined,
            reward: r.Reward_Amount__c,
            rewardCurrency: r.Reward_Currency__c || this.currency,
            rewardStatus: r.Reward_Status__c
        }));
    }

    get hasReferrals() {
        return this.referralRows.length > 0;
    }

    get referralsMessage() {
        if (this.referralsError) {
            return `Could not load referrals: ${reduceErrors(this.referralsError)}`;
        }
        return this.referrals ? 'No referrals yet.' : 'Loading referrals…';
    }

    get referralsTitle() {
        return this.total > this.referralRows.length
            ? `Latest ${this.referralRows.length} of ${this.total} referrals`
            : 'Referrals';
    }

    openAdvocate() {
        this.navigateTo(this.advocateId, 'Advocate__c');
    }

    openReferral(event) {
        this.navigateTo(event.currentTarget.dataset.id, 'Referral__c');
    }

    navigateTo(recordId, objectApiName) {
        this[NavigationMixin.Navigate]({
            type: 'standard__recordPage',
            attributes: { recordId, objectApiName, actionName: 'view' }
        });
    }
}
