-- Version 2: what the referral domain needs to rebuild its values from the ledger (ReferralLedger), so that reading
-- a referral back and deciding the next change gives the same answer as keeping it in memory.

-- The referral's last known deal (change events carry only changed fields), its current win, the commit time of the
-- last applied change per Salesforce record (older changes are stale), and what a duplicate repeats.
ALTER TABLE referrals ADD COLUMN referee_email_key     VARCHAR(255) NULL;   -- trimmed, upper case: duplicates match on it
ALTER TABLE referrals ADD COLUMN duplicate_of          VARCHAR(64)  NULL;
ALTER TABLE referrals ADD COLUMN won_at                {{timestamp}} NULL;
ALTER TABLE referrals ADD COLUMN lead_watermark        {{timestamp}} NULL;
ALTER TABLE referrals ADD COLUMN opportunity_watermark {{timestamp}} NULL;
ALTER TABLE referrals ADD COLUMN deal_stage            VARCHAR(80)  NULL;
ALTER TABLE referrals ADD COLUMN deal_revenue          {{money}}    NULL;
ALTER TABLE referrals ADD COLUMN deal_currency         CHAR(3)      NULL;
ALTER TABLE referrals ADD COLUMN deal_reward_override  {{money}}    NULL;
ALTER TABLE referrals ADD COLUMN deal_close_date       {{date}}     NULL;
CREATE INDEX ix_referrals_referee_email_key ON referrals (referee_email_key) WHERE referee_email_key IS NOT NULL;

-- Commit time of the last applied Advocate__c change (null for advocates seeded without one).
ALTER TABLE advocates ADD COLUMN watermark {{timestamp}} NULL;
CREATE INDEX ix_advocates_contact_id ON advocates (contact_id) WHERE contact_id IS NOT NULL;

-- Everything the reward engine reads back from its own entries: the payee, the rule version, which stage of which
-- win cycle, and the retention and maturity days. Null only for rows written before version 2.
ALTER TABLE reward_entries ADD COLUMN beneficiary_id    VARCHAR(64)  NULL;
ALTER TABLE reward_entries ADD COLUMN rule_version      INTEGER      NULL;
ALTER TABLE reward_entries ADD COLUMN stage             VARCHAR(40)  NULL;
ALTER TABLE reward_entries ADD COLUMN cycle             INTEGER      NULL;
ALTER TABLE reward_entries ADD COLUMN won_on            {{date}}     NULL;
ALTER TABLE reward_entries ADD COLUMN retention_ends_on {{date}}     NULL;
ALTER TABLE reward_entries ADD COLUMN matures_on        {{date}}     NULL;
ALTER TABLE reward_entries ADD COLUMN choice_options    VARCHAR(1000) NULL;  -- JSON array of option names

-- The Salesforce users who can own leads (routing sends referral leads to the advocate's owner when active).
CREATE TABLE sales_reps (
    user_id     VARCHAR(18)  NOT NULL PRIMARY KEY,
    is_active   {{bool}}     NOT NULL,
    name        VARCHAR(255) NULL,
    updated_at  {{timestamp}} NOT NULL
);
