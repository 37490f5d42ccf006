-- The journal (issue 6), PostgreSQL. Keep in step with ../sqlite/0005_journal.sql.

-- One row per entry; never changed or deleted (triggers below). `seq` is the
-- integer key the full-text index refers to. citizen_id leads the primary key
-- so a citizen's entries co-locate (Citus-ready).
CREATE TABLE journal_entries (
    seq               BIGSERIAL NOT NULL UNIQUE,
    citizen_id        UUID NOT NULL REFERENCES citizens(id),
    id                UUID NOT NULL UNIQUE,
    author_id         UUID REFERENCES staff(id),
    author_name       TEXT NOT NULL,
    profession        TEXT,
    unit_id           UUID REFERENCES units(id),
    occurred_at       TIMESTAMPTZ NOT NULL,
    written_at        TIMESTAMPTZ NOT NULL,
    kind              TEXT NOT NULL,
    is_correction     BOOLEAN NOT NULL,
    topic_system      TEXT,
    topic_code        TEXT,
    topic_display     TEXT,
    text              TEXT NOT NULL,
    goal_id           UUID,
    intervention_id   UUID,
    meeting_id        UUID REFERENCES meetings(id),
    quotes            UUID REFERENCES journal_entries(id),
    sensitivity       TEXT NOT NULL,
    supersedes        UUID UNIQUE REFERENCES journal_entries(id),
    correction_reason TEXT,
    message_direction TEXT,
    to_staff_id       UUID REFERENCES staff(id),
    to_unit_id        UUID REFERENCES units(id),
    PRIMARY KEY (citizen_id, id)
);
-- The timeline: one citizen, newest first.
CREATE INDEX journal_timeline ON journal_entries(citizen_id, occurred_at, seq);
CREATE INDEX journal_goal ON journal_entries(citizen_id, goal_id) WHERE goal_id IS NOT NULL;
CREATE INDEX journal_intervention ON journal_entries(citizen_id, intervention_id) WHERE intervention_id IS NOT NULL;
CREATE INDEX journal_meeting ON journal_entries(citizen_id, meeting_id) WHERE meeting_id IS NOT NULL;
-- Messages from citizens, for unread counts per staff member and team.
CREATE INDEX journal_inbox_staff ON journal_entries(to_staff_id, seq) WHERE message_direction = 'from_citizen';
CREATE INDEX journal_inbox_unit ON journal_entries(to_unit_id, seq) WHERE message_direction = 'from_citizen';

CREATE FUNCTION journal_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are never changed or deleted; write a correction';
END $$;
CREATE TRIGGER journal_entries_no_change BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_entries_immutable();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_immutable();

-- Full-text index of the entries' Danish stems (stemmed in Rust, the same
-- tokens SQLite's FTS5 indexes). The tsvector is given as a literal with
-- positions ('fald':1 'trap':2 …) rather than parsed by to_tsvector, so no
-- PostgreSQL parser or locale can split or fold a token differently from
-- SQLite. Written in the same transaction as the entry, so every server on
-- this database sees it at commit; `tvaers reindex` rebuilds it.
CREATE TABLE journal_index (
    seq        BIGINT PRIMARY KEY REFERENCES journal_entries(seq),
    citizen_id UUID NOT NULL,
    terms      TSVECTOR NOT NULL
);
CREATE INDEX journal_index_terms ON journal_index USING GIN (terms);

-- Who has read which message from a citizen (insert-only).
CREATE TABLE message_reads (
    entry_id UUID NOT NULL REFERENCES journal_entries(id),
    staff_id UUID NOT NULL REFERENCES staff(id),
    read_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (entry_id, staff_id)
);
