-- 0005: a bulk write draws its versions in its own statements.
--
-- The per-row version trigger (stations_set_version) costs more than the
-- rest of writing a row when a million rows come at once, as an import
-- sends them. A writer that sets SET LOCAL yizhan.bulk = 'on' skips it
-- and promises to do in its statements exactly what it does: draw
-- nextval('station_version_seq') for every row it inserts or changes, in
-- the order the rows are written, set updated_at = now(), leave a row
-- that would not change untouched (keeping its version), and insert only
-- ids that no row holds (see UpsertStations). The statement triggers
-- (the write lock, the notification) and every check still apply.
--
-- Every statement can run again without error.

DROP TRIGGER IF EXISTS stations_set_version ON stations;
CREATE TRIGGER stations_set_version
    BEFORE INSERT OR UPDATE ON stations
    FOR EACH ROW WHEN (current_setting('yizhan.bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION stations_set_version();
