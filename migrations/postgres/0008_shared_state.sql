-- What every instance on one database must see alike, kept here rather than in each
-- process's memory (issue 15).

-- Failed sign-ins (src/accounts/limiter.rs), one row per failure: counted per account
-- (the name as typed, trimmed and case-folded) and per client address. A successful
-- sign-in clears the account from its rows (`account` NULL); the address keeps counting
-- them. Rows older than the window are deleted as new failures come in.
CREATE TABLE sign_in_failures (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account   TEXT,
    address   TEXT    NOT NULL,
    failed_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sign_in_failures_account ON sign_in_failures (account, failed_at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, failed_at);
CREATE INDEX sign_in_failures_age ON sign_in_failures (failed_at);

-- The first-run setup link's secret (src/accounts/setup.rs): at most one row, written
-- by the first instance to start while no account exists, removed with the creation of
-- the first account.
CREATE TABLE setup_tokens (
    id         BIGINT  PRIMARY KEY CHECK (id = 1),
    token      TEXT    NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL DEFAULT draftdesk_now()
);
