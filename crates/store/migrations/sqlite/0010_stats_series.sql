-- Statistics series: the measurements in force that the functional-level and
-- GAS figures count, each linked to its neighbour, kept in step with
-- `measurements` in the same transaction as every measurement write
-- (keep in step with ../postgres/0010_stats_series.sql and with
-- `levels_series_sql`/`gas_series_sql` in src/common.rs, which compute the
-- same rows for the keys a write touches).
--
-- Why: "first vs latest measurement in the period per citizen and area" is a
-- window over every measurement of the period (seconds at a million rows).
-- With each in-force functional level linked to the previous one of the same
-- citizen and area, the change from first to latest in a period is the sum of
-- the steps whose both ends lie in the period (the steps telescope), and a pair
-- has >= 2 measurements exactly when it has such a step: a plain GROUP BY.
-- Likewise the latest GAS score of a goal in a period is the row in the period
-- whose next score comes after the period (or does not exist).

-- One row per functional-level measurement in force with a value and an area.
CREATE TABLE stats_levels (
    citizen_id  BLOB NOT NULL,
    area_code   TEXT NOT NULL,
    measured_at TEXT NOT NULL,
    id          BLOB NOT NULL,
    value       REAL NOT NULL,
    -- The previous such measurement of the citizen and area (by time, then id).
    prev_at     TEXT,
    -- value minus the previous value.
    delta       REAL,
    PRIMARY KEY (citizen_id, area_code, measured_at, id)
) WITHOUT ROWID;

-- One row per GAS score in force on a goal.
CREATE TABLE stats_gas (
    citizen_id  BLOB NOT NULL,
    goal_id     BLOB NOT NULL,
    measured_at TEXT NOT NULL,
    id          BLOB NOT NULL,
    value       REAL,
    area_code   TEXT,
    -- The next score of the same goal (by time, then id).
    next_at     TEXT,
    PRIMARY KEY (citizen_id, goal_id, measured_at, id)
) WITHOUT ROWID;

-- Backfill from the measurements already stored (the same rows the store
-- computes per key; see the comment above).
INSERT INTO stats_levels (citizen_id, area_code, measured_at, id, value, prev_at, delta)
SELECT citizen_id, area_code, measured_at, id, value, prev_at, value - prev_value FROM (
  SELECT m.citizen_id, m.area_code, m.measured_at, m.id, m.value,
    LAG(m.measured_at) OVER (PARTITION BY m.citizen_id, m.area_code ORDER BY m.measured_at, m.id) AS prev_at,
    LAG(m.value) OVER (PARTITION BY m.citizen_id, m.area_code ORDER BY m.measured_at, m.id) AS prev_value
  FROM measurements m
  WHERE m.kind || '' = 'functional' AND m.value IS NOT NULL AND m.area_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM measurements s WHERE s.supersedes = m.id)) t;

INSERT INTO stats_gas (citizen_id, goal_id, measured_at, id, value, area_code, next_at)
SELECT m.citizen_id, m.goal_id, m.measured_at, m.id, m.value, m.area_code,
  LEAD(m.measured_at) OVER (PARTITION BY m.citizen_id, m.goal_id ORDER BY m.measured_at, m.id)
FROM measurements m
WHERE m.kind || '' = 'level' AND m.scale_kind = 'gas' AND m.goal_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM measurements s WHERE s.supersedes = m.id);

-- Goals due in a period, with what the goal-outcome figure counts, so it
-- reads the index alone instead of looking up every goal.
CREATE INDEX plan_goals_due ON plan_goals (deadline, status, citizen_id, area_code);

-- A row per citizen whose series a write recomputes, locked by that write
-- (an upsert) so two writers of one citizen's measurements recompute one after
-- the other on PostgreSQL; SQLite has one writer anyway.
CREATE TABLE stats_series_locks (
    citizen_id BLOB PRIMARY KEY NOT NULL,
    n          INTEGER NOT NULL
);
