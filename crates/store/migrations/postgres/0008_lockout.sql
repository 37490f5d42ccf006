-- Login lockout, shared by every server on the database. Keep in step with ../sqlite/0008_lockout.sql.
-- key: 'staff:<username>' or 'borger:<username>'.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY NOT NULL,
    failures     BIGINT NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);
