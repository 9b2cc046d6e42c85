-- Today's attempts of every campaign (real_time campaigns' penetration_day)
-- as one range of this index, its pages few and together. Looked up by
-- (campaign, day) instead, a thousand campaigns' rows of today sit on a
-- thousand pages of the table — read cold after any write, since SQLite drops
-- a connection's cache whenever another one commits.
CREATE INDEX campaign_days_by_day ON campaign_days (day, campaign_id, attempts);
-- Statistics of the new index now: with the table's alone (a database a
-- seed analyzed), the planner would rather skip-scan the primary key, a seek
-- per campaign again.
ANALYZE campaign_days;
