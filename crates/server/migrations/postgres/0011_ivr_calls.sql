-- PostgreSQL twin of migrations/sqlite/0011_ivr_calls.sql.
-- An IVR call's steps found from the call (diagram_1, diagram_11: each call
-- with its time in the menu, its last option and when it left the menu).
CREATE INDEX ivr_steps_by_conn ON ivr_steps (operation_id, conn_id, entered_at);
