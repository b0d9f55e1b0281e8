-- 0004: the roads table, versioned like stations, and its change feed.
--
-- One row per OpenStreetMap way with a highway=* tag: its geometry, the
-- OSM node ids of its vertices (ways join where they share a node) and
-- the raw tags a travel profile reads, kept as OSM wrote them ('' when
-- the way lacks the tag) so that a profile changed later still sees them.
--
-- part numbers the pieces of one way, from 0: an extract cut through a
-- way (nodes missing at its edge) yields it in pieces, each its own row
-- under the way's id, in the order the file has them.
--
-- region names the import that last wrote the way (yizhan import
-- --roads-region, by default the file's name): an import replaces its
-- region's roads, turning the ways of that region the file no longer has
-- into tombstones, and leaves every other region alone.
--
-- Versions work as for stations (0001, 0003): every insert or update that
-- changes something draws the next value of road_version_seq, an update
-- that changes nothing is skipped and keeps its version, a DELETE becomes
-- a tombstone (deleted = true, a new version), writers are serialised per
-- statement by an advisory lock so that versions commit in order, and a
-- statement that drew a version notifies yizhan_roads with the highest
-- one. A server holds a graph built from every live way; it rebuilds when
-- max(version) moves, which a tombstone also does.
--
-- With SET LOCAL yizhan.roads_upsert = 'on' a bulk writer promises that
-- every row it inserts has a new id (it updates existing ones, tombstones
-- included, in a separate UPDATE), and the per-row lookup is skipped.

CREATE SEQUENCE road_version_seq AS bigint;

CREATE TABLE roads (
    id            bigint NOT NULL CHECK (id > 0),
    part          integer NOT NULL DEFAULT 0 CHECK (part >= 0),
    geom          geometry(LineString, 4326) NOT NULL,
    nodes         bigint[] NOT NULL,
    class         text NOT NULL,
    maxspeed      text NOT NULL DEFAULT '',
    oneway        text NOT NULL DEFAULT '',
    junction      text NOT NULL DEFAULT '',
    access        text NOT NULL DEFAULT '',
    motor_vehicle text NOT NULL DEFAULT '',
    hgv           text NOT NULL DEFAULT '',
    foot          text NOT NULL DEFAULT '',
    bicycle       text NOT NULL DEFAULT '',
    maxweight     text NOT NULL DEFAULT '',
    maxheight     text NOT NULL DEFAULT '',
    region        text NOT NULL DEFAULT '',
    version       bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (id, part),
    -- The shapes a graph cannot be built from; tombstones are exempt so
    -- that DELETE works on any row.
    CONSTRAINT roads_geom_shape CHECK (deleted OR (
        ST_NPoints(geom) >= 2
        AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180
        AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90)),
    CONSTRAINT roads_nodes_per_vertex CHECK (deleted OR (
        cardinality(nodes) = ST_NPoints(geom) AND array_position(nodes, NULL) IS NULL)),
    CONSTRAINT roads_class_present CHECK (deleted OR btrim(class) <> '')
);

CREATE INDEX roads_version_idx ON roads (version);
CREATE INDEX roads_region_idx ON roads (region) WHERE NOT deleted;

CREATE FUNCTION roads_lock_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7263540915042002);
    RETURN NULL;
END $$;

CREATE TRIGGER roads_lock_versions
    BEFORE INSERT OR UPDATE OR DELETE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION roads_lock_versions();

CREATE FUNCTION roads_set_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tombstone boolean;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.id, NEW.part) IS DISTINCT FROM (OLD.id, OLD.part) THEN
            RAISE EXCEPTION 'roads.id and part cannot change (% part % to % part %): servers following the database would keep the old way',
                OLD.id, OLD.part, NEW.id, NEW.part
                USING ERRCODE = 'check_violation',
                      HINT = 'Insert the way under the new id, then DELETE the old id (which leaves a tombstone followers see).';
        END IF;
        NEW.version := OLD.version;
        NEW.updated_at := OLD.updated_at;
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NULL; -- nothing changes: skip the row, keep its version
        END IF;
    ELSIF current_setting('yizhan.roads_upsert', true) IS DISTINCT FROM 'on' THEN
        SELECT deleted INTO tombstone FROM roads WHERE id = NEW.id AND part = NEW.part;
        IF tombstone THEN
            -- Re-creating a deleted way: drop its tombstone first (the
            -- nested DELETE is let through by roads_delete).
            DELETE FROM roads WHERE id = NEW.id AND part = NEW.part AND deleted;
        ELSIF FOUND THEN
            RETURN NEW; -- a live row holds the id: ON CONFLICT or the primary key decides
        END IF;
    END IF;
    NEW.version := nextval('road_version_seq');
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER roads_set_version
    BEFORE INSERT OR UPDATE ON roads
    FOR EACH ROW EXECUTE FUNCTION roads_set_version();

CREATE FUNCTION roads_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN OLD; -- purging a tombstone on re-insert (roads_set_version)
    END IF;
    IF NOT OLD.deleted THEN
        UPDATE roads SET deleted = true WHERE id = OLD.id AND part = OLD.part;
    END IF;
    RETURN NULL; -- keep the row as a tombstone
END $$;

CREATE TRIGGER roads_delete
    BEFORE DELETE ON roads
    FOR EACH ROW EXECUTE FUNCTION roads_delete();

-- One notification per writing statement that drew a version, carrying the
-- highest version it drew (see stations_notify in 0003).
CREATE FUNCTION roads_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    BEGIN
        v := currval('road_version_seq');
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RETURN NULL; -- nothing changed in this session
    END;
    IF current_setting('yizhan.roads_notified', true) IS NOT DISTINCT FROM v::text THEN
        RETURN NULL; -- this statement drew no version
    END IF;
    PERFORM set_config('yizhan.roads_notified', v::text, false);
    PERFORM pg_notify('yizhan_roads', v::text);
    RETURN NULL;
END $$;

CREATE TRIGGER roads_notify
    AFTER INSERT OR UPDATE OR DELETE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION roads_notify();

CREATE FUNCTION roads_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'TRUNCATE roads is not allowed: followers would not see it'
        USING HINT = 'Use DELETE FROM roads, which leaves tombstones.';
END $$;

CREATE TRIGGER roads_no_truncate
    BEFORE TRUNCATE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION roads_no_truncate();
