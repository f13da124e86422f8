-- Version 3: the exact time of the win each reward entry belongs to. won_on (0002) names the day only, and a deal won,
-- reversed and won again on the same day is two wins: the reward engine tells the re-win from a replay of the first
-- by this instant. Null for entries written before version 3 (the engine then compares wins by day).
ALTER TABLE reward_entries ADD COLUMN won_at {{timestamp}} NULL;
