-- The citizen portal (issue 7). Keep in step with ../postgres/0007_portal.sql.

-- A login for the citizen, or for a relative acting for them (only while the
-- citizen's consent for relatives is in force).
CREATE TABLE portal_accounts (
    id            BLOB PRIMARY KEY NOT NULL,
    citizen_id    BLOB NOT NULL REFERENCES citizens(id),
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    kind          TEXT NOT NULL,
    relative_name TEXT,
    active        BOOLEAN NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX portal_accounts_citizen ON portal_accounts(citizen_id);

CREATE TABLE portal_sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    account_id   BLOB NOT NULL REFERENCES portal_accounts(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX portal_sessions_account ON portal_sessions(account_id);
