-- The journal (issue 6), SQLite. Keep in step with ../postgres/0005_journal.sql.

-- One row per entry; never changed or deleted (triggers below). `seq` is the
-- stable integer key the full-text index uses as its rowid.
CREATE TABLE journal_entries (
    seq               INTEGER PRIMARY KEY,
    citizen_id        BLOB NOT NULL REFERENCES citizens(id),
    id                BLOB NOT NULL UNIQUE,
    author_id         BLOB REFERENCES staff(id),
    author_name       TEXT NOT NULL,
    profession        TEXT,
    unit_id           BLOB REFERENCES units(id),
    occurred_at       TEXT NOT NULL,
    written_at        TEXT NOT NULL,
    kind              TEXT NOT NULL,
    is_correction     BOOLEAN NOT NULL,
    topic_system      TEXT,
    topic_code        TEXT,
    topic_display     TEXT,
    text              TEXT NOT NULL,
    goal_id           BLOB,
    intervention_id   BLOB,
    meeting_id        BLOB REFERENCES meetings(id),
    quotes            BLOB REFERENCES journal_entries(id),
    sensitivity       TEXT NOT NULL,
    supersedes        BLOB UNIQUE REFERENCES journal_entries(id),
    correction_reason TEXT,
    message_direction TEXT,
    to_staff_id       BLOB REFERENCES staff(id),
    to_unit_id        BLOB REFERENCES units(id)
);
-- The timeline: one citizen, newest first.
CREATE INDEX journal_timeline ON journal_entries(citizen_id, occurred_at, seq);
CREATE INDEX journal_goal ON journal_entries(citizen_id, goal_id) WHERE goal_id IS NOT NULL;
CREATE INDEX journal_intervention ON journal_entries(citizen_id, intervention_id) WHERE intervention_id IS NOT NULL;
CREATE INDEX journal_meeting ON journal_entries(citizen_id, meeting_id) WHERE meeting_id IS NOT NULL;
-- Messages from citizens, for unread counts per staff member and team.
CREATE INDEX journal_inbox_staff ON journal_entries(to_staff_id, seq) WHERE message_direction = 'from_citizen';
CREATE INDEX journal_inbox_unit ON journal_entries(to_unit_id, seq) WHERE message_direction = 'from_citizen';

CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are never changed; write a correction'); END;
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are never deleted; write a correction'); END;

-- Full-text index of the entries' Danish stems (stemmed in Rust, the same
-- tokens PostgreSQL indexes). rowid = journal_entries.seq. Written in the
-- same transaction as the entry; `tvaers reindex` rebuilds it.
CREATE VIRTUAL TABLE journal_fts USING fts5(
    terms,
    citizen_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- Who has read which message from a citizen (insert-only).
CREATE TABLE message_reads (
    entry_id BLOB NOT NULL REFERENCES journal_entries(id),
    staff_id BLOB NOT NULL REFERENCES staff(id),
    read_at  TEXT NOT NULL,
    PRIMARY KEY (entry_id, staff_id)
);
