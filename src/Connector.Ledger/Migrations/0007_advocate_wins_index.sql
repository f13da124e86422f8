-- Version 7: indexes for a large org's backfill, where a missing index is a scan per batch and every index is one more
-- b-tree each referral insert updates.
-- A reward evaluation counts the advocate's other won referrals: with only an advocate_id index that count visits every
-- referral of the advocate, which grows with the program; (advocate_id, state) answers it from the index, and serves
-- every advocate_id lookup as its prefix, so the single-column index goes. The raw referee_email index served no query
-- (duplicates and searches use referee_email_key).
CREATE INDEX ix_referrals_advocate_state ON referrals (advocate_id, state);
DROP INDEX ix_referrals_advocate_id;
DROP INDEX ix_referrals_referee_email;
-- Every batch of referral leads carrying referral codes looks advocates up by UPPER(TRIM(referral_code)); without an
-- index on that expression each lookup scanned the whole advocates table (four times, with the reps' subquery).
CREATE INDEX ix_advocates_code_key ON advocates ((UPPER(TRIM(referral_code))));
