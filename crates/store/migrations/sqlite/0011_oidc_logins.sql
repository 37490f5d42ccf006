-- MitID logins through an OpenID Connect broker. Keep in step with ../postgres/0011_oidc_logins.sql.

-- A login between the redirect to the broker and its callback: the browser
-- holds only a random key in a short-lived cookie; its SHA-256 finds the row.
-- One use (the callback deletes the row), expired after 10 minutes, and here
-- rather than in memory so any server behind the load balancer can finish it.
CREATE TABLE oidc_logins (
    key_hash      TEXT PRIMARY KEY NOT NULL,
    state         TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX oidc_logins_expires ON oidc_logins(expires_at);
