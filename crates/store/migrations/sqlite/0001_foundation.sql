-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- the same tables, columns and constraints; only types differ.

CREATE TABLE organisations (
    id      BLOB PRIMARY KEY NOT NULL,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL
);

CREATE TABLE units (
    id              BLOB PRIMARY KEY NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    parent_id       BLOB REFERENCES units(id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL
);
CREATE INDEX units_organisation ON units(organisation_id);

CREATE TABLE staff (
    id              BLOB PRIMARY KEY NOT NULL,
    username        TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,
    profession      TEXT NOT NULL,
    organisation_id BLOB NOT NULL REFERENCES organisations(id),
    email           TEXT,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash   TEXT
);

CREATE TABLE staff_units (
    staff_id BLOB NOT NULL REFERENCES staff(id),
    unit_id  BLOB NOT NULL REFERENCES units(id),
    PRIMARY KEY (staff_id, unit_id)
);
CREATE INDEX staff_units_unit ON staff_units(unit_id);

CREATE TABLE citizens (
    id          BLOB PRIMARY KEY NOT NULL,
    cpr         TEXT NOT NULL UNIQUE,
    given_name  TEXT NOT NULL,
    family_name TEXT NOT NULL,
    -- Lower-case keys for name-prefix search, "given family" and "family given".
    name_key    TEXT NOT NULL,
    family_key  TEXT NOT NULL,
    address     TEXT,
    postal_code TEXT,
    city        TEXT,
    phone       TEXT,
    email       TEXT,
    relatives   TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX citizens_name_key ON citizens(name_key);
CREATE INDEX citizens_family_key ON citizens(family_key);

CREATE TABLE cases (
    citizen_id          BLOB NOT NULL REFERENCES citizens(id),
    id                  BLOB NOT NULL UNIQUE,
    area                TEXT NOT NULL,
    title               TEXT NOT NULL,
    legal_basis         TEXT NOT NULL,
    responsible_unit_id BLOB NOT NULL REFERENCES units(id),
    case_worker_id      BLOB REFERENCES staff(id),
    opened_on           TEXT NOT NULL,
    closed_on           TEXT,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX cases_worker_open ON cases(case_worker_id) WHERE closed_on IS NULL;
CREATE INDEX cases_unit_open ON cases(responsible_unit_id) WHERE closed_on IS NULL;

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    staff_id     BLOB NOT NULL REFERENCES staff(id),
    kind         TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);

CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            BLOB NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    actor_id      BLOB,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   BLOB,
    citizen_id    BLOB,
    outcome       TEXT NOT NULL,
    detail        TEXT
);
CREATE INDEX audit_citizen ON audit_events(citizen_id, seq);
CREATE INDEX audit_actor ON audit_events(actor_id, seq);

-- The audit trail is append-only: the database itself refuses changes.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
