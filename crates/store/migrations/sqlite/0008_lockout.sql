-- Login lockout, shared by every server on the database. Keep in step with ../postgres/0008_lockout.sql.
-- key: 'staff:<username>' or 'borger:<username>'.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until TEXT,
    updated_at   TEXT NOT NULL
);
