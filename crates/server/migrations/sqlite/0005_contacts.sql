-- Customers reached by a person per local day (Ley 2300: at most one contact
-- per customer per day), written with each answered attempt.
CREATE TABLE contacts (
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  customer_id  TEXT NOT NULL,
  day          TEXT NOT NULL,
  PRIMARY KEY (operation_id, customer_id, day)
) WITHOUT ROWID;
