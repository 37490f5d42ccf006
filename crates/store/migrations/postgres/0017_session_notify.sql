-- Servers keep staff sessions in memory (crates/store/src/session_cache.rs,
-- docs/ARCHITECTURE.md "Sessions in memory on PostgreSQL") and empty that
-- memory when told on channel tvaers_sessions. These triggers tell them,
-- whoever changed the rows: a server, the command line, or a hand-made
-- repair. A session's deletion (logout, expiry, a staff member's sessions
-- ended) and any change of what a session is — not the once-a-minute touch
-- of last_seen_at — or of a staff member or their units. A notification is
-- sent at commit, and only if the transaction commits. Statement-level: a
-- statement that changes many rows tells once.
CREATE FUNCTION notify_sessions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tvaers_sessions', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER sessions_deleted AFTER DELETE OR TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_changed();
CREATE TRIGGER sessions_changed
    AFTER UPDATE OF token_hash, staff_id, kind, csrf_token, created_at, expires_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_changed();
CREATE TRIGGER staff_changed AFTER UPDATE OR DELETE OR TRUNCATE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_changed();
CREATE TRIGGER staff_units_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff_units
    FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_changed();
