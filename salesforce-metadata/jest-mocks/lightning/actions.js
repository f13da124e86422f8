// sfdx-lwc-jest ships no stub for lightning/actions; this mirrors the platform's event so tests can assert on it.
export const CloseActionScreenEventName = 'close';

export class CloseActionScreenEvent extends CustomEvent {
    constructor() {
        super(CloseActionScreenEventName, { bubbles: false, composed: false });
    }
}
