-- `key` is a reserved word in MariaDB/MySQL. The settings table names its rows by
-- `name` on every backend, so that one query text serves all three.
ALTER TABLE settings RENAME COLUMN key TO name;
