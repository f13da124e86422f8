-- Version 7: a reward evaluation counts the advocate's other won referrals (escalating tiers, first-win bonuses). With
-- only ix_referrals_advocate_id that count visits every referral of the advocate, which grows with the program: a
-- large org's backfill evaluates hundreds of thousands of wins. (advocate_id, state) answers it from the index.
CREATE INDEX ix_referrals_advocate_state ON referrals (advocate_id, state);
