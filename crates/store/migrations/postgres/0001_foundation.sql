-- Foundation schema (PostgreSQL). Keep in step with ../sqlite/0001_foundation.sql.
-- Citizen-scoped tables carry citizen_id first in their key so a distributed
-- PostgreSQL (Citus) can co-locate a citizen's rows.

CREATE TABLE organisations (
    id      UUID PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    kind    TEXT NOT NULL
);

CREATE TABLE units (
    id              UUID PRIMARY KEY,
    organisation_id UUID NOT NULL REFERENCES organisations(id),
    parent_id       UUID REFERENCES units(id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL
);
CREATE INDEX units_organisation ON units(organisation_id);

CREATE TABLE staff (
    id              UUID PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    full_name       TEXT NOT NULL,
    profession      TEXT NOT NULL,
    organisation_id UUID NOT NULL REFERENCES organisations(id),
    email           TEXT,
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash   TEXT
);

CREATE TABLE staff_units (
    staff_id UUID NOT NULL REFERENCES staff(id),
    unit_id  UUID NOT NULL REFERENCES units(id),
    PRIMARY KEY (staff_id, unit_id)
);
CREATE INDEX staff_units_unit ON staff_units(unit_id);

CREATE TABLE citizens (
    id          UUID PRIMARY KEY,
    cpr         TEXT NOT NULL UNIQUE,
    given_name  TEXT NOT NULL,
    family_name TEXT NOT NULL,
    -- Byte-wise collation so a prefix range scan means the same as on SQLite.
    name_key    TEXT COLLATE "C" NOT NULL,
    family_key  TEXT COLLATE "C" NOT NULL,
    address     TEXT,
    postal_code TEXT,
    city        TEXT,
    phone       TEXT,
    email       TEXT,
    relatives   TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX citizens_name_key ON citizens(name_key);
CREATE INDEX citizens_family_key ON citizens(family_key);

CREATE TABLE cases (
    citizen_id          UUID NOT NULL REFERENCES citizens(id),
    id                  UUID NOT NULL UNIQUE,
    area                TEXT NOT NULL,
    title               TEXT NOT NULL,
    legal_basis         TEXT NOT NULL,
    responsible_unit_id UUID NOT NULL REFERENCES units(id),
    case_worker_id      UUID REFERENCES staff(id),
    opened_on           DATE NOT NULL,
    closed_on           DATE,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX cases_worker_open ON cases(case_worker_id) WHERE closed_on IS NULL;
CREATE INDEX cases_unit_open ON cases(responsible_unit_id) WHERE closed_on IS NULL;

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    staff_id     UUID NOT NULL REFERENCES staff(id),
    kind         TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);

CREATE TABLE audit_events (
    seq           BIGSERIAL PRIMARY KEY,
    id            UUID NOT NULL UNIQUE,
    at            TIMESTAMPTZ NOT NULL,
    actor_id      UUID,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   UUID,
    citizen_id    UUID,
    outcome       TEXT NOT NULL,
    detail        TEXT
);
CREATE INDEX audit_citizen ON audit_events(citizen_id, seq);
CREATE INDEX audit_actor ON audit_events(actor_id, seq);

-- The audit trail is append-only: the database itself refuses changes.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
