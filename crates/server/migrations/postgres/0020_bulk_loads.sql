-- What a bulk load into empty fact tables set aside (store/bulk.rs): each
-- secondary index and foreign key it dropped, with the statement that makes
-- it again, in order. Rows here mean a load has not finished: the store
-- makes them again when it next opens.
CREATE TABLE bulk_load_deferred (
  seq        BIGINT PRIMARY KEY,
  table_name TEXT COLLATE "C" NOT NULL,
  name       TEXT COLLATE "C" NOT NULL,
  remake     TEXT NOT NULL
);
