-- The search index now also holds each entry's stems scoped to its citizen
-- (`search::scoped_token`), and searches restricted to citizens ask for those.
-- An index written before holds none, so it is emptied here (recreating the
-- table is instant; deleting ten million rows from FTS5 is not). The server
-- finds the index behind the journal at start and rebuilds it in the
-- background; `tvaers reindex` does the same in the foreground.
DROP TABLE journal_fts;
CREATE VIRTUAL TABLE journal_fts USING fts5(
    terms,
    citizen_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 0'
);
