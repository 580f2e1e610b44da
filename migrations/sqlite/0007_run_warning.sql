-- A note for the reviewer when a message in the thread read like instructions to the
-- drafting assistant (or claimed to be the user's own): shown on the draft the run wrote.
ALTER TABLE agent_runs ADD COLUMN warning TEXT;
