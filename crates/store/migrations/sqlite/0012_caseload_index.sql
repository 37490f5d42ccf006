-- Caseloads per unit and worker (statistics, leaders' overview) read only this
-- index: the unit and the worker of every open case, without the case rows.
-- It starts with the unit, so it also serves what cases_unit_open served.
CREATE INDEX cases_unit_worker_open ON cases(responsible_unit_id, case_worker_id) WHERE closed_on IS NULL;
DROP INDEX cases_unit_open;
