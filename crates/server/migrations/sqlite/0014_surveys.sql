-- Post-call surveys (the vendor's "Encuesta inteligente"): after the talk, the
-- caller rates the call on the keypad. One row per survey, written when it
-- ends: the call (by conn_id: its ani, customer and type are the calls row's),
-- the agent who talked and the call's skill, when it began and how long it
-- took, its result (complete, incomplete, abandon) and each answer, 1 to 5
-- (NULL: not answered or not asked).
CREATE TABLE surveys (
  id           INTEGER PRIMARY KEY,
  operation_id INTEGER NOT NULL REFERENCES operations(id),
  conn_id      TEXT NOT NULL,
  agent_id     INTEGER REFERENCES agents(id),
  skill_id     INTEGER REFERENCES skills(id),
  started_ms   INTEGER NOT NULL,
  ms           INTEGER NOT NULL,
  result       TEXT NOT NULL,
  q1 INTEGER, q2 INTEGER, q3 INTEGER, q4 INTEGER, q5 INTEGER,
  q6 INTEGER, q7 INTEGER, q8 INTEGER, q9 INTEGER, q10 INTEGER
);
-- diagram_4/5/6: the surveys begun in a range.
CREATE INDEX surveys_by_time ON surveys (operation_id, started_ms);
