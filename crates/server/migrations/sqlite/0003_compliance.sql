-- Do-not-call numbers per operation, blocked until a time (add_dnc's days_block),
-- and the calling profile each operation dials under (colombia | us | open).
CREATE TABLE dnc (
  operation_id  INTEGER NOT NULL REFERENCES operations(id),
  telephone     TEXT NOT NULL,
  blocked_until INTEGER NOT NULL,
  PRIMARY KEY (operation_id, telephone)
) WITHOUT ROWID;

ALTER TABLE operations ADD COLUMN calling_profile TEXT NOT NULL DEFAULT 'colombia';
