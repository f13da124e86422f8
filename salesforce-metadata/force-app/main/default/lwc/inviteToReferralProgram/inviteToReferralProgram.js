import { LightningElement, api } from 'lwc';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import invite from '@salesforce/apex/ReferralInvitationService.invite';
import { reduceErrors } from 'c/referralErrors';

export const OUTCOMES = {
    INVITED: { title: 'Invitation requested', message: 'This contact will be invited to the referral program.', variant: 'success' },
    ALREADY_INVITED: { title: 'Already invited', message: 'This contact has already been invited to the referral program.', variant: 'info' },
    ALREADY_ADVOCATE: { title: 'Already an advocate', message: 'This contact is already a referral advocate.', variant: 'info' }
};

/**
 * One-click "Invite to Referral Program" (a headless quick action on Contact). The server decides, under a row
 * lock, whether the contact still needs an invitation (ReferralInvitationService), so a double click cannot invite
 * twice; the Referral Connector then creates the Advocate__c.
 */
export default class InviteToReferralProgram extends LightningElement {
    @api recordId;
    isRunning = false;

    @api async invoke() {
        if (this.isRunning) {
            return;
        }
        this.isRunning = true;
        try {
            const outcome = OUTCOMES[await invite({ contactId: this.recordId })];
            if (!outcome) {
                throw new Error('The server answered with an unknown outcome.');
            }
            if (outcome === OUTCOMES.INVITED) {
                await notifyRecordUpdateAvailable([{ recordId: this.recordId }]);
            }
            this.dispatchEvent(new ShowToastEvent(outcome));
        } catch (error) {
            this.dispatchEvent(new ShowToastEvent({ title: 'Invitation not sent', message: reduceErrors(error), variant: 'error' }));
        } finally {
            this.isRunning = false;
        }
    }
}
