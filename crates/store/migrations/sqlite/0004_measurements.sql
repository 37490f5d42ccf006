-- Measurements, custom scales and the projections statistics need (SQLite).
-- Keep in step with ../postgres/0004_measurements.sql.

-- Birth date from the CPR number (century from the 7th digit), for age bands.
ALTER TABLE citizens ADD COLUMN birth_date TEXT;
UPDATE citizens SET birth_date = printf('%04d-%s-%s',
    CAST(substr(cpr, 5, 2) AS INTEGER) + CASE
        WHEN substr(cpr, 7, 1) IN ('0', '1', '2', '3') THEN 1900
        WHEN substr(cpr, 7, 1) IN ('4', '9') THEN
            CASE WHEN CAST(substr(cpr, 5, 2) AS INTEGER) <= 36 THEN 2000 ELSE 1900 END
        WHEN CAST(substr(cpr, 5, 2) AS INTEGER) <= 57 THEN 2000
        ELSE 1800 END,
    substr(cpr, 3, 2), substr(cpr, 1, 2));
CREATE INDEX citizens_birth_date ON citizens(birth_date);

CREATE TABLE scales (
    id         BLOB PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);

-- A measurement is never changed: a correction is a new row naming the one it
-- supersedes (at most one correction per row: UNIQUE).
CREATE TABLE measurements (
    citizen_id        BLOB NOT NULL REFERENCES citizens(id),
    id                BLOB NOT NULL UNIQUE,
    plan_id           BLOB REFERENCES plans(id),
    goal_id           BLOB,
    area_system       TEXT,
    area_code         TEXT,
    area_display      TEXT,
    scale_kind        TEXT NOT NULL,
    scale             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    value             REAL,
    expected          REAL,
    reading           TEXT NOT NULL,
    measured_at       TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    assessor          TEXT NOT NULL,
    recorded_by       BLOB,
    note              TEXT NOT NULL,
    meeting_id        BLOB REFERENCES meetings(id),
    supersedes        BLOB UNIQUE,
    correction_reason TEXT,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX measurements_goal ON measurements(goal_id, measured_at);
CREATE INDEX measurements_kind_time ON measurements(kind, measured_at);
CREATE INDEX measurements_citizen ON measurements(citizen_id, measured_at);
CREATE TRIGGER measurements_no_update BEFORE UPDATE ON measurements
BEGIN SELECT RAISE(ABORT, 'measurements are never changed; record a correction'); END;
CREATE TRIGGER measurements_no_delete BEFORE DELETE ON measurements
BEGIN SELECT RAISE(ABORT, 'measurements are never deleted; record a correction'); END;

-- Goals and interventions of every plan (active and closed), kept in step with
-- the plan's JSON content on every save.
CREATE TABLE plan_goals (
    citizen_id BLOB NOT NULL,
    plan_id    BLOB NOT NULL REFERENCES plans(id),
    goal_id    BLOB NOT NULL,
    area_code  TEXT,
    scale_kind TEXT NOT NULL,
    status     TEXT NOT NULL,
    deadline   TEXT,
    PRIMARY KEY (citizen_id, plan_id, goal_id)
);
CREATE INDEX plan_goals_deadline ON plan_goals(deadline);
CREATE TABLE plan_interventions (
    citizen_id      BLOB NOT NULL,
    plan_id         BLOB NOT NULL REFERENCES plans(id),
    intervention_id BLOB NOT NULL,
    legal_basis     TEXT NOT NULL,
    status          TEXT NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, intervention_id)
);
CREATE INDEX plan_interventions_basis ON plan_interventions(legal_basis, citizen_id);

INSERT INTO plan_goals (citizen_id, plan_id, goal_id, area_code, scale_kind, status, deadline)
SELECT p.citizen_id, p.id, unhex(replace(json_extract(g.value, '$.id'), '-', '')),
       json_extract(g.value, '$.area.code'), json_extract(g.value, '$.scale.kind'),
       json_extract(g.value, '$.status'), json_extract(g.value, '$.deadline')
FROM plans p, json_each(p.content, '$.goals') g;
INSERT INTO plan_interventions (citizen_id, plan_id, intervention_id, legal_basis, status)
SELECT p.citizen_id, p.id, unhex(replace(json_extract(i.value, '$.id'), '-', '')),
       trim(coalesce(json_extract(i.value, '$.legal_basis'), '')), json_extract(i.value, '$.status')
FROM plans p, json_each(p.content, '$.interventions') i;

-- Bumped in the same transaction as every write statistics depend on, so a
-- cached statistic is served only while it is exactly what recomputing gives.
CREATE TABLE stats_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO stats_generation (id, n) VALUES (1, 0);
