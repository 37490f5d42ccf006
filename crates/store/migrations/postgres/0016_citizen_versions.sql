-- A version per citizen, moved on by every change to the rows a citizen's
-- pages read (the citizen, cases, plans, meetings, tasks, measurements and
-- journal entries), in the same transaction as the change. The store keeps
-- the citizen's file and journal pages in memory under the version it read
-- before them and serves them again only while the version is unchanged
-- (docs/ARCHITECTURE.md, "Citizen files under a version"). Triggers, not the store's
-- code, move it, so no write path (nor another process, nor a hand-made
-- repair) can change a citizen's data without it. No row = version 0.
-- Statement-level triggers with transition tables: a bulk insert (the
-- journal's group commit, the demo's generation) moves each citizen once.
-- The citizens are taken in id order, so two transactions lock their
-- version rows in the same order. The SQL is static, so PL/pgSQL plans each
-- statement once per table.
CREATE TABLE citizen_versions (
    citizen_id UUID PRIMARY KEY,
    version    BIGINT NOT NULL
);

CREATE FUNCTION bump_citizen_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT DISTINCT citizen_id, 1 FROM new_rows ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Rows moved to another citizen: the one they left changes too.
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT moved, 1 FROM (SELECT citizen_id FROM old_rows EXCEPT SELECT citizen_id FROM new_rows) AS left_behind (moved) ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT DISTINCT citizen_id, 1 FROM old_rows ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION bump_citizen_versions_by_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT DISTINCT id, 1 FROM new_rows ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Rows moved to another citizen: the one they left changes too.
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT moved, 1 FROM (SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows) AS left_behind (moved) ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO citizen_versions (citizen_id, version)
            SELECT DISTINCT id, 1 FROM old_rows ORDER BY 1
            ON CONFLICT (citizen_id) DO UPDATE SET version = citizen_versions.version + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER citizens_version_insert AFTER INSERT ON citizens REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions_by_id();
CREATE TRIGGER citizens_version_update AFTER UPDATE ON citizens REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions_by_id();
CREATE TRIGGER citizens_version_delete AFTER DELETE ON citizens REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions_by_id();

CREATE TRIGGER cases_version_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER cases_version_update AFTER UPDATE ON cases REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER cases_version_delete AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();

CREATE TRIGGER plans_version_insert AFTER INSERT ON plans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER plans_version_update AFTER UPDATE ON plans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER plans_version_delete AFTER DELETE ON plans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();

CREATE TRIGGER meetings_version_insert AFTER INSERT ON meetings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER meetings_version_update AFTER UPDATE ON meetings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER meetings_version_delete AFTER DELETE ON meetings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();

CREATE TRIGGER tasks_version_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER tasks_version_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER tasks_version_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();

CREATE TRIGGER measurements_version_insert AFTER INSERT ON measurements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER measurements_version_update AFTER UPDATE ON measurements REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER measurements_version_delete AFTER DELETE ON measurements REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();

CREATE TRIGGER journal_entries_version_insert AFTER INSERT ON journal_entries REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER journal_entries_version_update AFTER UPDATE ON journal_entries REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
CREATE TRIGGER journal_entries_version_delete AFTER DELETE ON journal_entries REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION bump_citizen_versions();
