-- Name search reads each key range in (key, id) order and stops at the page.
DROP INDEX citizens_name_key;
DROP INDEX citizens_family_key;
CREATE INDEX citizens_name_key ON citizens(name_key, id);
CREATE INDEX citizens_family_key ON citizens(family_key, id);
