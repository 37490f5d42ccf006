-- One version for every relationship between staff and citizens, as on
-- SQLite (its migration 0015): an open case in a staff member's unit (cases,
-- staff_units), a place on a care team (plan_members) and a grant
-- (access_grants). The store keeps, per staff member, the citizens they have
-- any relationship with under this version, and a search across journals
-- passes over the hits of every other citizen without asking the policy
-- (docs/ARCHITECTURE.md, "Relationships under a version").
--
-- PostgreSQL commits writers in parallel, so one row would make every
-- transaction that touches a relationship wait for the one before it: the
-- version is the sum of 16 counters, and each statement moves one of them,
-- chosen at random (as stats_generation_shards). Each change moves the sum,
-- in the same transaction as the change.
CREATE TABLE relations_version_shards (
    id SMALLINT PRIMARY KEY,
    n  BIGINT NOT NULL
);
INSERT INTO relations_version_shards (id, n) SELECT g, 0 FROM generate_series(0, 15) AS g;

CREATE FUNCTION relations_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    shard SMALLINT := floor(random() * 16);
BEGIN
    UPDATE relations_version_shards SET n = n + 1 WHERE id = shard;
    RETURN NULL;
END
$$;

CREATE TRIGGER cases_relations AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH STATEMENT EXECUTE FUNCTION relations_version_bump();
CREATE TRIGGER staff_units_relations AFTER INSERT OR UPDATE OR DELETE ON staff_units
    FOR EACH STATEMENT EXECUTE FUNCTION relations_version_bump();
CREATE TRIGGER plan_members_relations AFTER INSERT OR UPDATE OR DELETE ON plan_members
    FOR EACH STATEMENT EXECUTE FUNCTION relations_version_bump();
CREATE TRIGGER access_grants_relations AFTER INSERT OR UPDATE OR DELETE ON access_grants
    FOR EACH STATEMENT EXECUTE FUNCTION relations_version_bump();
