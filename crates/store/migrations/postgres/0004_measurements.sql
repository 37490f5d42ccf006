-- Measurements, custom scales and the projections statistics need (PostgreSQL).
-- Keep in step with ../sqlite/0004_measurements.sql.

-- Birth date from the CPR number (century from the 7th digit), for age bands.
ALTER TABLE citizens ADD COLUMN birth_date DATE;
UPDATE citizens SET birth_date = make_date(
    substr(cpr, 5, 2)::int + CASE
        WHEN substr(cpr, 7, 1) IN ('0', '1', '2', '3') THEN 1900
        WHEN substr(cpr, 7, 1) IN ('4', '9') THEN
            CASE WHEN substr(cpr, 5, 2)::int <= 36 THEN 2000 ELSE 1900 END
        WHEN substr(cpr, 5, 2)::int <= 57 THEN 2000
        ELSE 1800 END,
    substr(cpr, 3, 2)::int, substr(cpr, 1, 2)::int);
CREATE INDEX citizens_birth_date ON citizens(birth_date);

CREATE TABLE scales (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- A measurement is never changed: a correction is a new row naming the one it
-- supersedes (at most one correction per row: UNIQUE).
CREATE TABLE measurements (
    citizen_id        UUID NOT NULL REFERENCES citizens(id),
    id                UUID NOT NULL UNIQUE,
    plan_id           UUID REFERENCES plans(id),
    goal_id           UUID,
    area_system       TEXT,
    area_code         TEXT,
    area_display      TEXT,
    scale_kind        TEXT NOT NULL,
    scale             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    value             DOUBLE PRECISION,
    expected          DOUBLE PRECISION,
    reading           TEXT NOT NULL,
    measured_at       TIMESTAMPTZ NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    assessor          TEXT NOT NULL,
    recorded_by       UUID,
    note              TEXT NOT NULL,
    meeting_id        UUID REFERENCES meetings(id),
    supersedes        UUID UNIQUE,
    correction_reason TEXT,
    PRIMARY KEY (citizen_id, id)
);
CREATE INDEX measurements_goal ON measurements(goal_id, measured_at);
CREATE INDEX measurements_kind_time ON measurements(kind, measured_at);
CREATE INDEX measurements_citizen ON measurements(citizen_id, measured_at);
CREATE FUNCTION measurements_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'measurements are never changed or deleted; record a correction';
END $$;
CREATE TRIGGER measurements_no_change BEFORE UPDATE OR DELETE ON measurements
    FOR EACH ROW EXECUTE FUNCTION measurements_immutable();
CREATE TRIGGER measurements_no_truncate BEFORE TRUNCATE ON measurements
    FOR EACH STATEMENT EXECUTE FUNCTION measurements_immutable();

-- Goals and interventions of every plan (active and closed), kept in step with
-- the plan's JSON content on every save.
CREATE TABLE plan_goals (
    citizen_id UUID NOT NULL,
    plan_id    UUID NOT NULL REFERENCES plans(id),
    goal_id    UUID NOT NULL,
    area_code  TEXT,
    scale_kind TEXT NOT NULL,
    status     TEXT NOT NULL,
    deadline   DATE,
    PRIMARY KEY (citizen_id, plan_id, goal_id)
);
CREATE INDEX plan_goals_deadline ON plan_goals(deadline);
CREATE TABLE plan_interventions (
    citizen_id      UUID NOT NULL,
    plan_id         UUID NOT NULL REFERENCES plans(id),
    intervention_id UUID NOT NULL,
    legal_basis     TEXT NOT NULL,
    status          TEXT NOT NULL,
    PRIMARY KEY (citizen_id, plan_id, intervention_id)
);
CREATE INDEX plan_interventions_basis ON plan_interventions(legal_basis, citizen_id);

INSERT INTO plan_goals (citizen_id, plan_id, goal_id, area_code, scale_kind, status, deadline)
SELECT p.citizen_id, p.id, (g->>'id')::uuid, g->'area'->>'code', g->'scale'->>'kind',
       g->>'status', (g->>'deadline')::date
FROM plans p, jsonb_array_elements(p.content::jsonb->'goals') g;
INSERT INTO plan_interventions (citizen_id, plan_id, intervention_id, legal_basis, status)
SELECT p.citizen_id, p.id, (i->>'id')::uuid, trim(coalesce(i->>'legal_basis', '')), i->>'status'
FROM plans p, jsonb_array_elements(p.content::jsonb->'interventions') i;

-- Bumped in the same transaction as every write statistics depend on, so a
-- cached statistic is served only while it is exactly what recomputing gives.
CREATE TABLE stats_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT NOT NULL
);
INSERT INTO stats_generation (id, n) VALUES (1, 0);
