-- Access by need and consent (issue 7). Keep in step with ../sqlite/0006_access.sql.

-- Who decided, as what, through which unit and for what purpose — at the time.
ALTER TABLE audit_events ADD COLUMN actor_profession TEXT;
ALTER TABLE audit_events ADD COLUMN actor_unit_id UUID;
ALTER TABLE audit_events ADD COLUMN purpose TEXT;
CREATE INDEX audit_time ON audit_events(at);

-- Samtykke: which organisation (NULL = every organisation on the care team) may
-- see what (scope), from when to when, given how and noted by whom. Withdrawal
-- is recorded, never deleted, and takes effect at once.
CREATE TABLE consents (
    citizen_id      UUID NOT NULL REFERENCES citizens(id),
    id              UUID NOT NULL UNIQUE,
    organisation_id UUID REFERENCES organisations(id),
    scope           TEXT NOT NULL,
    given_how       TEXT NOT NULL,
    noted_by        UUID NOT NULL REFERENCES staff(id),
    valid_from      DATE NOT NULL,
    valid_to        DATE,
    note            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    withdrawn_at    TIMESTAMPTZ,
    withdrawn_by    UUID REFERENCES staff(id),
    PRIMARY KEY (citizen_id, id)
);

-- Time-limited access to one citizen: break-the-glass (flagged for the unit
-- leader's review) and the intake grant of whoever registers a citizen.
CREATE TABLE access_grants (
    citizen_id  UUID NOT NULL REFERENCES citizens(id),
    id          UUID NOT NULL UNIQUE,
    staff_id    UUID NOT NULL REFERENCES staff(id),
    kind        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    reviewed_at TIMESTAMPTZ,
    reviewed_by UUID REFERENCES staff(id),
    review_note TEXT,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX access_grants_staff ON access_grants(staff_id, citizen_id, expires_at);
CREATE INDEX access_grants_unreviewed ON access_grants(granted_at) WHERE reviewed_at IS NULL AND kind = 'break_glass';
CREATE INDEX cases_citizen_open ON cases(citizen_id, responsible_unit_id) WHERE closed_on IS NULL;
CREATE INDEX plan_members_citizen ON plan_members(citizen_id, staff_id);
