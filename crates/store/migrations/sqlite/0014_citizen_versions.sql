-- A version per citizen, moved on by every change to the rows a citizen's
-- pages read (the citizen, cases, plans, meetings, tasks, measurements and
-- journal entries), in the same transaction as the change. The store keeps
-- the citizen's file and journal pages in memory under the version it read
-- before them and serves them again only while the version is unchanged
-- (docs/ARCHITECTURE.md, "Citizen files under a version"). Triggers, not the store's
-- code, move it, so no write path (nor another process, nor a hand-made
-- repair) can change a citizen's data without it. No row = version 0.
CREATE TABLE citizen_versions (
    citizen_id BLOB PRIMARY KEY,
    version    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER citizens_version_insert AFTER INSERT ON citizens
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER citizens_version_update AFTER UPDATE ON citizens
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.id, 1 WHERE OLD.id IS NOT NEW.id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER citizens_version_delete AFTER DELETE ON citizens
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cases_version_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cases_version_update AFTER UPDATE ON cases
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER cases_version_delete AFTER DELETE ON cases
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER plans_version_insert AFTER INSERT ON plans
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER plans_version_update AFTER UPDATE ON plans
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER plans_version_delete AFTER DELETE ON plans
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER meetings_version_insert AFTER INSERT ON meetings
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER meetings_version_update AFTER UPDATE ON meetings
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER meetings_version_delete AFTER DELETE ON meetings
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER tasks_version_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER tasks_version_update AFTER UPDATE ON tasks
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER tasks_version_delete AFTER DELETE ON tasks
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER measurements_version_insert AFTER INSERT ON measurements
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER measurements_version_update AFTER UPDATE ON measurements
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER measurements_version_delete AFTER DELETE ON measurements
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER journal_entries_version_insert AFTER INSERT ON journal_entries
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER journal_entries_version_update AFTER UPDATE ON journal_entries
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (NEW.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
    INSERT INTO citizen_versions (citizen_id, version) SELECT OLD.citizen_id, 1 WHERE OLD.citizen_id IS NOT NEW.citizen_id
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER journal_entries_version_delete AFTER DELETE ON journal_entries
BEGIN
    INSERT INTO citizen_versions (citizen_id, version) VALUES (OLD.citizen_id, 1)
        ON CONFLICT (citizen_id) DO UPDATE SET version = version + 1;
END;
