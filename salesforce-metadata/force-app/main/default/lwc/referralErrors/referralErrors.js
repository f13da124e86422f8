/**
 * One readable message from whatever Lightning Data Service, Apex or JavaScript threw: the referral components
 * show it to the rep, so it must say what went wrong rather than "[object Object]".
 */
export function reduceErrors(error) {
    const errors = Array.isArray(error) ? error : [error];
    const messages = errors
        .filter((e) => e !== undefined && e !== null)
        .flatMap((e) => {
            const body = e.body;
            if (Array.isArray(body)) {
                return body.map((b) => b.message);
            }
            if (body && body.output) {
                const fieldErrors = Object.values(body.output.fieldErrors || {})
                    .flat()
                    .map((f) => f.message);
                const pageErrors = (body.output.errors || []).map((p) => p.message);
                if (fieldErrors.length || pageErrors.length) {
                    return [...pageErrors, ...fieldErrors];
                }
            }
            if (body && typeof body.message === 'string') {
                return [body.message];
            }
            if (typeof e.message === 'string') {
                return [e.message];
            }
            return typeof e === 'string' ? [e] : [];
        })
        .filter((m) => typeof m === 'string' && m.length > 0);
    return messages.length ? [...new Set(messages)].join(' ') : 'Unknown error';
}
