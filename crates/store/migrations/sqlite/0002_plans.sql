-- Én plan, meetings, action goals and tasks (SQLite). Keep in step with ../postgres/0002_plans.sql.
-- The plan body is stored as JSON (versioned whole); columns beside it are
-- projections the queries need (coordinator, review date, team membership).

CREATE TABLE plans (
    citizen_id     BLOB NOT NULL REFERENCES citizens(id),
    id             BLOB NOT NULL UNIQUE,
    status         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    content        TEXT NOT NULL,
    coordinator_id BLOB NOT NULL REFERENCES staff(id),
    review_on      TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (citizen_id, id)
);
CREATE UNIQUE INDEX plans_one_active ON plans(citizen_id) WHERE status = 'active';
CREATE INDEX plans_review ON plans(review_on) WHERE status = 'active';

CREATE TABLE plan_versions (
    citizen_id  BLOB NOT NULL,
    plan_id     BLOB NOT NULL REFERENCES plans(id),
    version     INTEGER NOT NULL,
    author_id   BLOB,
    author_name TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,
    content     TEXT NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, version)
);

CREATE TABLE plan_members (
    citizen_id     BLOB NOT NULL,
    plan_id        BLOB NOT NULL REFERENCES plans(id),
    staff_id       BLOB NOT NULL,
    is_coordinator BOOLEAN NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, staff_id)
);
CREATE INDEX plan_members_staff ON plan_members(staff_id);

CREATE TABLE meetings (
    citizen_id          BLOB NOT NULL REFERENCES citizens(id),
    id                  BLOB NOT NULL UNIQUE,
    plan_id             BLOB,
    kind                TEXT NOT NULL,
    starts_at           TEXT NOT NULL,
    location            TEXT NOT NULL,
    attendees           TEXT NOT NULL,
    agenda              TEXT NOT NULL,
    minutes             TEXT NOT NULL,
    status              TEXT NOT NULL,
    previous_meeting_id BLOB,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX meetings_citizen_time ON meetings(citizen_id, starts_at);

CREATE TABLE meeting_staff (
    citizen_id BLOB NOT NULL,
    meeting_id BLOB NOT NULL REFERENCES meetings(id),
    staff_id   BLOB NOT NULL,
    starts_at  TEXT NOT NULL,
    PRIMARY KEY (citizen_id, meeting_id, staff_id)
);
CREATE INDEX meeting_staff_staff ON meeting_staff(staff_id, starts_at);

CREATE TABLE action_goals (
    citizen_id        BLOB NOT NULL,
    id                BLOB NOT NULL UNIQUE,
    meeting_id        BLOB NOT NULL REFERENCES meetings(id),
    position          INTEGER NOT NULL,
    text              TEXT NOT NULL,
    owner             TEXT NOT NULL,
    due               TEXT NOT NULL,
    review_outcome    TEXT,
    review_comment    TEXT,
    review_meeting_id BLOB,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX action_goals_meeting ON action_goals(meeting_id, position);

CREATE TABLE tasks (
    citizen_id     BLOB NOT NULL REFERENCES citizens(id),
    id             BLOB NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    owner          TEXT NOT NULL,
    owner_staff_id BLOB,
    owner_unit_id  BLOB,
    due            TEXT,
    status         TEXT NOT NULL,
    action_goal_id BLOB,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX tasks_staff_open ON tasks(owner_staff_id, due) WHERE status = 'open';
CREATE INDEX tasks_unit_open ON tasks(owner_unit_id, due) WHERE status = 'open';
CREATE INDEX tasks_citizen ON tasks(citizen_id, status);
