-- The search index now also holds each entry's stems scoped to its citizen
-- (`search::scoped_token`), and searches restricted to citizens ask for those.
-- An index written before holds none, so it is emptied here. The server finds
-- the index behind the journal at start and rebuilds it in the background;
-- `tvaers reindex` does the same in the foreground.
TRUNCATE journal_index;
-- The scoped stems as 64-bit keys (`search::scoped_key`) in their own column:
-- as lexemes each row would store every 40-character token in full.
ALTER TABLE journal_index ADD COLUMN scoped BIGINT[] NOT NULL DEFAULT '{}';
CREATE INDEX journal_index_scoped ON journal_index USING GIN (scoped);
