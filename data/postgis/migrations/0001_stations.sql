-- 0001: the stations table, its change version and the change feed.
--
-- Every insert or update of a row gets the next value of station_version_seq
-- (set by trigger, whatever the client sends), so followers can ask for
-- "everything with version > $last". Writers take one transaction-scoped
-- advisory lock per statement before any version is drawn; a transaction
-- that drew a version therefore commits (or rolls back) before any other
-- transaction can draw a higher one, and a follower that has seen version v
-- can never later find a committed row with a version below v.
--
-- Deletes are tombstones: DELETE FROM stations WHERE id = 'x' is turned into
-- an UPDATE that sets deleted = true (and so draws a new version), and the
-- DELETE itself reports 0 rows. Live queries filter on NOT deleted.
-- Inserting an id whose row is a tombstone replaces the tombstone.

CREATE SEQUENCE station_version_seq AS bigint;

CREATE TABLE stations (
    id                   text PRIMARY KEY CHECK (id <> '' AND length(id) <= 200),
    geom                 geometry(Point, 4326) NOT NULL
                         CHECK (ST_X(geom) BETWEEN -180 AND 180 AND ST_Y(geom) BETWEEN -90 AND 90),
    kind                 text NOT NULL CHECK (kind IN ('port', 'rest_stop', 'driver_home',
                         'union_station', 'worker_home', 'labour_station', 'service_center')),
    names                jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object'),
    amenities            text[] NOT NULL DEFAULT '{}',
    opening_hours        text NOT NULL DEFAULT '',
    time_zone            text NOT NULL DEFAULT '',
    capacity_per_day     integer CHECK (capacity_per_day >= 0),
    beds                 integer CHECK (beds >= 0),
    truck_parking_spaces integer CHECK (truck_parking_spaces >= 0),
    area_m2              integer CHECK (area_m2 >= 0),
    languages            text[] NOT NULL DEFAULT '{}',
    port                 jsonb CHECK (port IS NULL OR jsonb_typeof(port) = 'object'),
    region               text NOT NULL DEFAULT '',
    address              text NOT NULL DEFAULT '',
    phone                text NOT NULL DEFAULT '',
    operator             text NOT NULL DEFAULT '',
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'planned')),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    source               text NOT NULL,
    version              bigint NOT NULL DEFAULT 0,
    deleted              boolean NOT NULL DEFAULT false
);

CREATE INDEX stations_geom_idx ON stations USING gist (geom) WHERE NOT deleted;
CREATE INDEX stations_version_idx ON stations (version);

-- Serialise writers per statement (see the header). The key is arbitrary
-- but fixed; Go code that writes takes the same lock first.
CREATE FUNCTION stations_lock_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7263540915042001);
    RETURN NULL;
END $$;

CREATE TRIGGER stations_lock_versions
    BEFORE INSERT OR UPDATE OR DELETE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION stations_lock_versions();

CREATE FUNCTION stations_set_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Re-creating a deleted id: drop its tombstone first. The DELETE runs
    -- nested in this trigger, which stations_delete lets through. Bulk
    -- upserts (INSERT ... ON CONFLICT DO UPDATE SET deleted = false) revive
    -- tombstones themselves and skip this per-row lookup with
    -- SET LOCAL yizhan.upsert = 'on'.
    IF TG_OP = 'INSERT' AND current_setting('yizhan.upsert', true) IS DISTINCT FROM 'on' THEN
        DELETE FROM stations WHERE id = NEW.id AND deleted;
    END IF;
    NEW.version := nextval('station_version_seq');
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER stations_set_version
    BEFORE INSERT OR UPDATE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_set_version();

CREATE FUNCTION stations_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD; -- purging a tombstone on re-insert (stations_set_version)
    END IF;
    IF NOT OLD.deleted THEN
        UPDATE stations SET deleted = true WHERE id = OLD.id;
    END IF;
    RETURN NULL; -- keep the row as a tombstone
END $$;

CREATE TRIGGER stations_delete
    BEFORE DELETE ON stations
    FOR EACH ROW EXECUTE FUNCTION stations_delete();

-- One notification per writing statement, carrying the highest version it
-- drew; followers only use it as a wake-up and then run their catch-up query.
CREATE FUNCTION stations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    BEGIN
        v := currval('station_version_seq');
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RETURN NULL; -- nothing changed in this session
    END;
    PERFORM pg_notify('yizhan_changes', v::text);
    RETURN NULL;
END $$;

CREATE TRIGGER stations_notify
    AFTER INSERT OR UPDATE OR DELETE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION stations_notify();

-- TRUNCATE would remove rows without tombstones, which followers could not
-- see; refuse it with a hint.
CREATE FUNCTION stations_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE stations is not allowed: followers would not see it'
        USING HINT = 'Use DELETE FROM stations, which leaves tombstones.';
END $$;

CREATE TRIGGER stations_no_truncate
    BEFORE TRUNCATE ON stations
    FOR EACH STATEMENT EXECUTE FUNCTION stations_no_truncate();
