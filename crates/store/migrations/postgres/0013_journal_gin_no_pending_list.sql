-- Journal search: the GIN index takes each entry's terms at once instead of
-- collecting them in its pending list (fastupdate). With the pending list,
-- every search also reads the whole unsorted list (up to
-- gin_pending_list_limit, 4 MB: thousands of entries under a steady stream of
-- notes), and the insert that finds it full merges it in one go. Searches
-- are what this index is for; an append now costs a few more index page
-- writes in its own transaction (bench/run measures appends at 1,000/s).
ALTER INDEX IF EXISTS journal_index_terms SET (fastupdate = off);
