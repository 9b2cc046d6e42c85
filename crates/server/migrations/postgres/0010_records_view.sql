-- PostgreSQL twin of migrations/sqlite/0010_records_view.sql.
-- A record's management at a glance, and the campaign settings edit_campaign
-- and campaign_filter change: what campaign.php's detail, find_record and
-- campaign_15 read, and what the dialer's pick obeys.

-- managed_at: the last attempt or codify (detail's date and range);
-- last_conn_id / last_telephone: the last attempt's call and number;
-- recall_count: recalls scheduled through campaign.php's recall;
-- recall_style: who makes the recall — 'auto' (the campaign dials it) or
-- 'manual' (the agent it is routed to takes it).
ALTER TABLE records ADD COLUMN managed_at BIGINT;
ALTER TABLE records ADD COLUMN last_conn_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN last_telephone TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN recall_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN recall_style TEXT COLLATE "C" NOT NULL DEFAULT 'auto';

-- campaign_15's history_dial_tel: a record's attempts in time order (and the
-- backfill below).
CREATE INDEX attempts_by_record ON dial_attempts (record_id, started_at);
UPDATE records SET
  last_conn_id = COALESCE((SELECT a.conn_id FROM dial_attempts a WHERE a.record_id = records.id
                           ORDER BY a.started_at DESC, a.id DESC LIMIT 1), ''),
  last_telephone = COALESCE((SELECT a.telephone FROM dial_attempts a WHERE a.record_id = records.id
                             ORDER BY a.started_at DESC, a.id DESC LIMIT 1), ''),
  managed_at = (SELECT MAX(a.started_at) FROM dial_attempts a WHERE a.record_id = records.id);
UPDATE records SET managed_at = codified_at
  WHERE codified_at IS NOT NULL AND (managed_at IS NULL OR codified_at > managed_at);

-- detail: the records managed in a range, campaign by campaign.
CREATE INDEX records_by_managed ON records (campaign_id, managed_at) WHERE managed_at IS NOT NULL;
-- The dialer's pick: a campaign's recalls that are due come first.
CREATE INDEX records_recall_by_campaign ON records (campaign_id, recall_at) WHERE recall_at IS NOT NULL;
-- campaign_15 and find_record by campaign: a campaign's records in upload order.
CREATE INDEX records_by_campaign ON records (campaign_id, id);
-- find_record by customer_id, in any campaign of the operation.
CREATE INDEX records_by_customer ON records (customer_id);

-- find_record by telephone: one row per number a record holds (tel1…tel10).
CREATE TABLE record_phones (
  telephone TEXT COLLATE "C" NOT NULL,
  record_id BIGINT NOT NULL REFERENCES records(id),
  PRIMARY KEY (telephone, record_id)
);
INSERT INTO record_phones (telephone, record_id)
  SELECT tel1, id FROM records WHERE tel1 <> '' UNION SELECT tel2, id FROM records WHERE tel2 <> ''
  UNION SELECT tel3, id FROM records WHERE tel3 <> '' UNION SELECT tel4, id FROM records WHERE tel4 <> ''
  UNION SELECT tel5, id FROM records WHERE tel5 <> '' UNION SELECT tel6, id FROM records WHERE tel6 <> ''
  UNION SELECT tel7, id FROM records WHERE tel7 <> '' UNION SELECT tel8, id FROM records WHERE tel8 <> ''
  UNION SELECT tel9, id FROM records WHERE tel9 <> '' UNION SELECT tel10, id FROM records WHERE tel10 <> '';

-- What answering-machine detection said of an answered attempt: 'machine',
-- 'human', or '' (no detection ran).
ALTER TABLE dial_attempts ADD COLUMN amd TEXT COLLATE "C" NOT NULL DEFAULT '';

-- edit_campaign's settings: enable_edition, turbo_dial and routing_recall
-- ('yes'/'no' flags kept for the integrator), and the dialing order.
ALTER TABLE campaigns ADD COLUMN enable_edition BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN turbo_dial BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN routing_recall BIGINT NOT NULL DEFAULT 0;
-- campaign_filter: the active filter as JSON (connector and conditions;
-- '' = none). The dialer's pick only takes records that match it.
ALTER TABLE campaigns ADD COLUMN filter TEXT COLLATE "C" NOT NULL DEFAULT '';
