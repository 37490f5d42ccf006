-- The statistics generation as 16 counters (keep in step with ../postgres/0009_stats_generation_shards.sql).
-- One row made every plan save, measurement and case write queue on the same row
-- lock on PostgreSQL; each write now bumps one counter picked at random, and the
-- generation is their sum, which still changes with every committed write.
CREATE TABLE stats_generation_shards (
    id INTEGER PRIMARY KEY NOT NULL,
    n  BIGINT NOT NULL
);
INSERT INTO stats_generation_shards (id, n)
SELECT 0, n FROM stats_generation WHERE id = 1;
INSERT INTO stats_generation_shards (id, n) VALUES
    (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0), (8, 0),
    (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0);
DROP TABLE stats_generation;
