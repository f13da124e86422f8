-- The referral ledger, version 1. {{tokens}} are the dialect's column types (see ISqlDialect.SchemaTokens).
-- Salesforce ids are 18 characters; event and idempotency keys are the connector's own, up to 200.

CREATE TABLE advocates (
    advocate_id      VARCHAR(18)  NOT NULL PRIMARY KEY,   -- Advocate__c id
    contact_id       VARCHAR(18)  NULL,
    account_id       VARCHAR(18)  NULL,
    owner_id         VARCHAR(18)  NULL,                   -- the rep who owns the relationship
    name             VARCHAR(255) NULL,
    status           VARCHAR(20)  NOT NULL,
    referral_code    VARCHAR(20)  NULL,
    enrolled_on      {{date}}     NULL,
    updated_at       {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX ux_advocates_referral_code ON advocates (referral_code) WHERE referral_code IS NOT NULL;

CREATE TABLE referrals (
    referral_key     VARCHAR(64)  NOT NULL PRIMARY KEY,   -- the connector's key, Referral__c.External_Key__c
    referral_id      VARCHAR(18)  NULL,                   -- Referral__c id, once created
    advocate_id      VARCHAR(18)  NOT NULL REFERENCES advocates (advocate_id),
    state            VARCHAR(20)  NOT NULL,
    method           VARCHAR(20)  NOT NULL,
    lead_id          VARCHAR(18)  NULL,
    opportunity_id   VARCHAR(18)  NULL,
    logged_by_id     VARCHAR(18)  NULL,
    referee_name     VARCHAR(255) NULL,
    referee_email    VARCHAR(255) NULL,
    referee_company  VARCHAR(255) NULL,
    referee_phone    VARCHAR(40)  NULL,
    submitted_at     {{timestamp}} NOT NULL,
    updated_at       {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX ux_referrals_referral_id ON referrals (referral_id) WHERE referral_id IS NOT NULL;
-- One referral per lead: a second referral of the same lead is a duplicate, decided by the domain.
CREATE UNIQUE INDEX ux_referrals_lead_id ON referrals (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX ix_referrals_opportunity_id ON referrals (opportunity_id) WHERE opportunity_id IS NOT NULL;
CREATE INDEX ix_referrals_advocate_id ON referrals (advocate_id);
CREATE INDEX ix_referrals_referee_email ON referrals (referee_email) WHERE referee_email IS NOT NULL;

-- Append-only history: every transition with why it happened.
CREATE TABLE referral_state_changes (
    id               {{id}},
    referral_key     VARCHAR(64)  NOT NULL REFERENCES referrals (referral_key),
    from_state       VARCHAR(20)  NULL,
    to_state         VARCHAR(20)  NOT NULL,
    occurred_at      {{timestamp}} NOT NULL,                -- when Salesforce says it happened
    event_key        VARCHAR(200) NOT NULL,
    reason           VARCHAR(1000) NOT NULL,
    rule_id          VARCHAR(100) NULL,
    mapping_version  VARCHAR(40)  NOT NULL,
    recorded_at      {{timestamp}} NOT NULL,
    CONSTRAINT ux_referral_state_changes_event UNIQUE (referral_key, event_key, to_state)
);

-- Append-only money: corrections are new entries (cancellation, clawback), never updates.
CREATE TABLE reward_entries (
    id               {{id}},
    idempotency_key  VARCHAR(200) NOT NULL,
    referral_key     VARCHAR(64)  NOT NULL REFERENCES referrals (referral_key),
    advocate_id      VARCHAR(18)  NOT NULL REFERENCES advocates (advocate_id),
    beneficiary      VARCHAR(20)  NOT NULL,               -- Advocate or Referee (double-sided programs)
    kind             VARCHAR(30)  NOT NULL,
    amount           {{money}}    NOT NULL,
    currency         CHAR(3)      NOT NULL,
    effective_on     {{date}}     NOT NULL,               -- never before the win; later for retention stages
    reason           VARCHAR(1000) NOT NULL,
    rule_id          VARCHAR(100) NULL,
    related_key      VARCHAR(200) NULL,                   -- e.g. the entry a clawback reverses
    event_key        VARCHAR(200) NOT NULL,
    recorded_at      {{timestamp}} NOT NULL,
    CONSTRAINT ux_reward_entries_idempotency_key UNIQUE (idempotency_key)
);
CREATE INDEX ix_reward_entries_referral_key ON reward_entries (referral_key);
CREATE INDEX ix_reward_entries_advocate_id ON reward_entries (advocate_id, effective_on);

-- A payout pays one entry in full. The unique entry id is what makes paying twice impossible.
CREATE TABLE reward_payouts (
    id               {{id}},
    reward_entry_id  {{bigint}}   NOT NULL REFERENCES reward_entries (id),
    paid_at          {{timestamp}} NOT NULL,
    payout_reference VARCHAR(200) NOT NULL,
    recorded_at      {{timestamp}} NOT NULL,
    CONSTRAINT ux_reward_payouts_entry UNIQUE (reward_entry_id)
);

-- Events that could not be applied, kept with their reason until re-applied.
CREATE TABLE quarantine (
    id                   {{id}},
    source_event_key     VARCHAR(200) NOT NULL,
    entity               VARCHAR(80)  NOT NULL,
    record_id            VARCHAR(18)  NULL,
    reason_code          VARCHAR(80)  NOT NULL,
    reason               VARCHAR(1000) NOT NULL,
    payload              {{json}}     NOT NULL,
    received_at          {{timestamp}} NOT NULL,
    resolved_at          {{timestamp}} NULL,
    reapplied_event_key  VARCHAR(200) NULL
);
CREATE INDEX ix_quarantine_open ON quarantine (id) WHERE resolved_at IS NULL;
CREATE INDEX ix_quarantine_source_event_key ON quarantine (source_event_key);

CREATE TABLE audit_entries (
    id               {{id}},
    decision_kind    VARCHAR(40)  NOT NULL,
    subject          VARCHAR(200) NOT NULL,
    reason           VARCHAR(1000) NOT NULL,
    rule_id          VARCHAR(100) NULL,
    mapping_version  VARCHAR(40)  NULL,
    event_key        VARCHAR(200) NULL,
    at               {{timestamp}} NOT NULL
);
CREATE INDEX ix_audit_entries_subject ON audit_entries (subject, id);

-- The idempotency guard for at-least-once delivery: an event's effects commit with its key, or not at all.
CREATE TABLE applied_events (
    event_key        VARCHAR(200) NOT NULL PRIMARY KEY,
    stream           VARCHAR(100) NULL,
    applied_at       {{timestamp}} NOT NULL
);

CREATE TABLE stream_checkpoints (
    stream           VARCHAR(100) NOT NULL PRIMARY KEY,
    replay_id        {{bigint}}   NULL,                   -- CDC / platform event replay id
    cursor_value     VARCHAR(400) NULL,                   -- catch-up cursor, e.g. a (SystemModstamp, Id) position
    updated_at       {{timestamp}} NOT NULL
);

-- Salesforce writes decided with the effects, dispatched later; Salesforce-side idempotency (owner set,
-- upsert by external id) makes a re-dispatch harmless, the key keeps one row per intended write.
CREATE TABLE outbox_messages (
    id               {{id}},
    kind             VARCHAR(40)  NOT NULL,               -- OwnerChange, ProfileUpsert
    target_sobject   VARCHAR(80)  NOT NULL,
    target_id        VARCHAR(64)  NOT NULL,               -- record id, or external id value for upserts
    payload          {{json}}     NOT NULL,
    idempotency_key  VARCHAR(200) NOT NULL,
    created_at       {{timestamp}} NOT NULL,
    attempts         INTEGER      NOT NULL DEFAULT 0,
    last_error       VARCHAR(2000) NULL,
    last_attempt_at  {{timestamp}} NULL,
    dispatched_at    {{timestamp}} NULL,
    CONSTRAINT ux_outbox_messages_idempotency_key UNIQUE (idempotency_key)
);
CREATE INDEX ix_outbox_messages_pending ON outbox_messages (id) WHERE dispatched_at IS NULL;
