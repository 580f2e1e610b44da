-- A "no reply needed" decision stays on the dashboard until the reviewer dismisses it
-- (or asks for a draft anyway, or the thread moves on).
ALTER TABLE agent_runs ADD COLUMN dismissed_at TEXT COLLATE "C";
