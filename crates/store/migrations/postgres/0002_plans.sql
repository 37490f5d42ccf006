-- Én plan, meetings, action goals and tasks (PostgreSQL). Keep in step with ../sqlite/0002_plans.sql.
-- The plan body is stored as JSON (versioned whole); columns beside it are
-- projections the queries need (coordinator, review date, team membership).

CREATE TABLE plans (
    citizen_id     UUID NOT NULL REFERENCES citizens(id),
    id             UUID NOT NULL UNIQUE,
    status         TEXT NOT NULL,
    version        BIGINT NOT NULL,
    content        TEXT NOT NULL,
    coordinator_id UUID NOT NULL REFERENCES staff(id),
    review_on      DATE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (citizen_id, id)
);
CREATE UNIQUE INDEX plans_one_active ON plans(citizen_id) WHERE status = 'active';
CREATE INDEX plans_review ON plans(review_on) WHERE status = 'active';

CREATE TABLE plan_versions (
    citizen_id  UUID NOT NULL,
    plan_id     UUID NOT NULL REFERENCES plans(id),
    version     BIGINT NOT NULL,
    author_id   UUID,
    author_name TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,
    content     TEXT NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, version)
);

CREATE TABLE plan_members (
    citizen_id     UUID NOT NULL,
    plan_id        UUID NOT NULL REFERENCES plans(id),
    staff_id       UUID NOT NULL,
    is_coordinator BOOLEAN NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, staff_id)
);
CREATE INDEX plan_members_staff ON plan_members(staff_id);

CREATE TABLE meetings (
    citizen_id          UUID NOT NULL REFERENCES citizens(id),
    id                  UUID NOT NULL UNIQUE,
    plan_id             UUID,
    kind                TEXT NOT NULL,
    starts_at           TIMESTAMPTZ NOT NULL,
    location            TEXT NOT NULL,
    attendees           TEXT NOT NULL,
    agenda              TEXT NOT NULL,
    minutes             TEXT NOT NULL,
    status              TEXT NOT NULL,
    previous_meeting_id UUID,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX meetings_citizen_time ON meetings(citizen_id, starts_at);

CREATE TABLE meeting_staff (
    citizen_id UUID NOT NULL,
    meeting_id UUID NOT NULL REFERENCES meetings(id),
    staff_id   UUID NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (citizen_id, meeting_id, staff_id)
);
CREATE INDEX meeting_staff_staff ON meeting_staff(staff_id, starts_at);

CREATE TABLE action_goals (
    citizen_id        UUID NOT NULL,
    id                UUID NOT NULL UNIQUE,
    meeting_id        UUID NOT NULL REFERENCES meetings(id),
    position          BIGINT NOT NULL,
    text              TEXT NOT NULL,
    owner             TEXT NOT NULL,
    due               DATE NOT NULL,
    review_outcome    TEXT,
    review_comment    TEXT,
    review_meeting_id UUID,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX action_goals_meeting ON action_goals(meeting_id, position);

CREATE TABLE tasks (
    citizen_id     UUID NOT NULL REFERENCES citizens(id),
    id             UUID NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    owner          TEXT NOT NULL,
    owner_staff_id UUID,
    owner_unit_id  UUID,
    due            DATE,
    status         TEXT NOT NULL,
    action_goal_id UUID,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX tasks_staff_open ON tasks(owner_staff_id, due) WHERE status = 'open';
CREATE INDEX tasks_unit_open ON tasks(owner_unit_id, due) WHERE status = 'open';
CREATE INDEX tasks_citizen ON tasks(citizen_id, status);
