-- Other names an API client calls an account by. Old clients send a `user_id` of their
-- own (the LinkedIn plugin: a per-install UUID); the token decides the account, and such
-- an id is kept here the first time it is seen. A removed alias stays as a row with
-- `removed_at`, so that it is refused from then on instead of being learned again.
CREATE TABLE user_aliases (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    alias           TEXT    NOT NULL UNIQUE CHECK (length(alias) BETWEEN 1 AND 200),
    -- The token that first used it, and the client it came from (Origin or User-Agent).
    token_id        INTEGER REFERENCES api_tokens (id) ON DELETE SET NULL,
    first_seen_from TEXT    NOT NULL DEFAULT '',
    first_seen_at   TEXT    NOT NULL,
    removed_at      TEXT
);
CREATE INDEX user_aliases_user ON user_aliases (user_id, id);
