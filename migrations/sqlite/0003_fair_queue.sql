-- Fair claiming and bounded queues.

-- Claims go round the users: the user whose jobs were claimed least recently goes
-- first, so one user's backlog never holds back another user's first job. A counter,
-- not a time, so that two claims in the same millisecond still take turns.
ALTER TABLE users ADD COLUMN jobs_served INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_jobs_served ON users (jobs_served, id);

-- A user's queued jobs, oldest first (the claim), and how many there are (the cap).
CREATE INDEX jobs_user_queue ON jobs (user_id, state, run_at, id);

-- A revise job names its draft, and a draft has at most one queued revise job: newer
-- feedback joins it. Existing duplicates keep running; only the newest is constrained.
ALTER TABLE jobs ADD COLUMN draft_id INTEGER REFERENCES drafts (id);
UPDATE jobs SET draft_id = json_extract(payload, '$.draft_id')
WHERE kind = 'revise' AND json_valid(payload)
  AND (state <> 'queued'
       OR id = (SELECT max(q.id) FROM jobs q
                WHERE q.kind = 'revise' AND q.state = 'queued' AND json_valid(q.payload)
                  AND json_extract(q.payload, '$.draft_id') = json_extract(jobs.payload, '$.draft_id')));
CREATE UNIQUE INDEX jobs_one_queued_revise ON jobs (draft_id) WHERE state = 'queued' AND kind = 'revise';
