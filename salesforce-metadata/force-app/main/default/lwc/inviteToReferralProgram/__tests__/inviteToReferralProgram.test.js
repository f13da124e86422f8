import { createElement } from '@lwc/engine-dom';
import InviteToReferralProgram from 'c/inviteToReferralProgram';
import { notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import invite from '@salesforce/apex/ReferralInvitationService.invite';

jest.mock('@salesforce/apex/ReferralInvitationService.invite', () => ({ default: jest.fn() }), { virtual: true });

// The toast stub dispatches this event name but does not export it.
const ShowToastEventName = 'lightning__showtoast';
const CONTACT_ID = '003000000000001AAA';

function mount() {
    const element = createElement('c-invite-to-referral-program', { is: InviteToReferralProgram });
    element.recordId = CONTACT_ID;
    const toasts = [];
    element.addEventListener(ShowToastEventName, (e) => toasts.push(e.detail));
    document.body.appendChild(element);
    return { element, toasts };
}

describe('c-invite-to-referral-program', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('invites the contact in one click and refreshes the record', async () => {
        invite.mockResolvedValue('INVITED');
        const { element, toasts } = mount();

        await element.invoke();

        expect(invite).toHaveBeenCalledWith({ contactId: CONTACT_ID });
        expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: CONTACT_ID }]);
        expect(toasts).toEqual([
            { title: 'Invitation requested', message: 'This contact will be invited to the referral program.', variant: 'success' }
        ]);
    });

    it.each([
        ['ALREADY_INVITED', 'Already invited'],
        ['ALREADY_ADVOCATE', 'Already an advocate']
    ])('tells the rep when the server answers %s and changes nothing', async (outcome, title) => {
        invite.mockResolvedValue(outcome);
        const { element, toasts } = mount();

        await element.invoke();

        expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();
        expect(toasts).toHaveLength(1);
        expect(toasts[0]).toMatchObject({ title, variant: 'info' });
    });

    it('shows the server’s error', async () => {
        invite.mockRejectedValue({ body: { message: 'Contact 003000000000001AAA does not exist or you cannot see it.' } });
        const { element, toasts } = mount();

        await element.invoke();

        expect(toasts).toEqual([
            { title: 'Invitation not sent', message: 'Contact 003000000000001AAA does not exist or you cannot see it.', variant: 'error' }
        ]);
    });

    it('reports an unknown answer instead of claiming success', async () => {
        invite.mockResolvedValue('SOMETHING_NEW');
        const { element, toasts } = mount();

        await element.invoke();

        expect(toasts).toEqual([{ title: 'Invitation not sent', message: 'The server answered with an unknown outcome.', variant: 'error' }]);
    });

    it('ignores a second click while the first is running', async () => {
        let answer;
        invite.mockReturnValue(
            new Promise((resolve) => {
                answer = resolve;
            })
        );
        const { element, toasts } = mount();

        const first = element.invoke();
        await element.invoke();
        answer('INVITED');
        await first;

        expect(invite).toHaveBeenCalledTimes(1);
        expect(toasts).toHaveLength(1);
    });
});
