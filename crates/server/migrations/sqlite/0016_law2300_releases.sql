-- Customers released from Ley 2300's protection (configuration.php
-- free_law2300): by one number (item `tel_number`) or every number of a
-- customer (`id_customer`). A released customer may be reached again on the
-- day it was reached: the dialer's one-contact-a-day rule skips it, and
-- law2300_info no longer calls the number protected. agent_code is the
-- extension the release came with ('' when none).
CREATE TABLE law2300_releases (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  released_at  INTEGER NOT NULL,
  nit          TEXT NOT NULL,
  item         TEXT NOT NULL,
  value        TEXT NOT NULL,
  agent_code   TEXT NOT NULL
);
-- cdr_11: the releases in a range.
CREATE INDEX law2300_releases_by_time ON law2300_releases (operation_id, released_at);
-- The dialer's pick and law2300_info: is this number or customer released?
CREATE INDEX law2300_releases_by_value ON law2300_releases (operation_id, value, item);
