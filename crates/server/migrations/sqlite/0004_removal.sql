-- remove_record / clear_campaign: a removed record stays only for the answered
-- attempts it keeps in reports. Its customer_id is freed (rewritten with the
-- record id) so the customer can be uploaded again; the original is kept.
ALTER TABLE records ADD COLUMN removed_at INTEGER;
ALTER TABLE records ADD COLUMN removed_customer_id TEXT;
