-- Journal search across journals, newest first, reads the hits in windows of
-- sequence numbers (see `search_journal`). A GIN index yields a word's hits
-- unordered, so for a common word (370,000 entries in 10 million) a window of
-- 8,400 entries either walked those entries testing each one's terms or read
-- the word's whole posting list (40-100 ms). Indexing every row also under
-- its block of 4,096 sequence numbers ('~w' and seq / 4096, a token no stem
-- can be: stems hold only letters and digits) lets a window ask for
-- "word AND one of these blocks", and GIN's fast scan skips the word's
-- posting list to the blocks' items instead of decoding all of it (~1 ms).
-- The expression must stay the same as `PgStore::WINDOWED_TERMS`.
-- Building it takes about 1.5 minutes at 10 million entries.
CREATE INDEX IF NOT EXISTS journal_index_windowed ON journal_index
    USING GIN ((terms || CAST('~w' || CAST(seq / 4096 AS TEXT) AS tsvector))) WITH (fastupdate = off);
-- Every search that uses an index on the terms goes through the expression.
DROP INDEX IF EXISTS journal_index_terms;
