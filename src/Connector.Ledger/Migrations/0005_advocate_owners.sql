-- Version 5: who owns an advocate's Contact and Account, as the worker last read them. A program routing referral leads
-- to the advocate's Contact owner or Account owner (routing.ownerSource) needs them in the transaction that decides the
-- routing; null until read (routing then uses the Advocate__c record's owner and says so).
ALTER TABLE advocates ADD COLUMN contact_owner_id VARCHAR(18) NULL;
ALTER TABLE advocates ADD COLUMN account_owner_id VARCHAR(18) NULL;
