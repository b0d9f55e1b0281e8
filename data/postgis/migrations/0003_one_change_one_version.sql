-- 0003: one change is one version, a write that changes nothing is no
-- change, and two more shapes refused at the source.
--
-- Versions. Until now an INSERT ... ON CONFLICT DO UPDATE of an existing
-- id drew two versions: the BEFORE INSERT trigger drew one for the row it
-- was about to insert, then the conflict turned the insert into an UPDATE,
-- whose trigger drew another. Every PATCH and PUT of an existing record
-- moved its version by 2. And an UPDATE that set every column to the value
-- it had drew a version too, so that a PUT of the record as read, or an
-- import of the same file, told every follower to reload it.
--
-- Now:
--   - an UPDATE that changes no column (version and updated_at aside) is
--     skipped: the row keeps its version and updated_at, and the statement
--     reports no row for it;
--   - an INSERT of an id that a live row holds draws no version: the
--     insert is about to become the UPDATE of ON CONFLICT DO UPDATE (which
--     draws one, if anything changes), to do nothing (DO NOTHING) or to
--     fail on the primary key;
--   - a statement that drew no version sends no notification.
-- With SET LOCAL yizhan.upsert = 'on' a bulk writer promises that every
-- row it inserts has a new id (it updates the existing ones in a separate
-- UPDATE), and the per-row lookup is skipped.
--
-- Shapes. A POINT EMPTY passes the coordinate check of 0001 (ST_X is
-- NULL) and cannot be served; an amenity outside the list cannot be
-- served either. Both are refused for every row written from now on. The
-- constraints are NOT VALID, like 0002's: rows already stored stay in the
-- table, are left out of every snapshot and counted (skipped rows), and
-- must be fixed or deleted before any other update of them succeeds.
-- The amenity list is data.Amenities (append only); a test checks that
-- the two agree.
--
-- Every statement can run again without error.

CREATE OR REPLACE FUNCTION stations_set_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tombstone boolean;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.version := OLD.version;
        NEW.updated_at := OLD.updated_at;
        IF NEW IS NOT DISTINCT FROM OLD THEN
            RETURN NULL; -- nothing changes: skip the row, keep its version
        END IF;
    ELSIF current_setting('yizhan.upsert', true) IS DISTINCT FROM 'on' THEN
        SELECT deleted INTO tombstone FROM stations WHERE id = NEW.id;
        IF tombstone THEN
            -- Re-creating a deleted id: drop its tombstone first. The
            -- DELETE runs nested in this trigger, which stations_delete
            -- lets through.
            DELETE FROM stations WHERE id = NEW.id AND deleted;
        ELSIF FOUND THEN
            RETURN NEW; -- a live row holds the id; see the header
        END IF;
    END IF;
    NEW.version := nextval('station_version_seq');
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- One notification per writing statement that drew a version, carrying
-- the highest version it drew; followers only use it as a wake-up and
-- then run their catch-up query. currval is the session's last version,
-- which a statement that changed nothing did not move: yizhan.notified
-- remembers the last one sent (reset with the transaction if it rolls
-- back, like the notification itself).
CREATE OR REPLACE FUNCTION stations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    BEGIN
        v := currval('station_version_seq');
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        RETURN NULL; -- nothing changed in this session
    END;
    IF current_setting('yizhan.notified', true) IS NOT DISTINCT FROM v::text THEN
        RETURN NULL; -- this statement drew no version
    END IF;
    PERFORM set_config('yizhan.notified', v::text, false);
    PERFORM pg_notify('yizhan_changes', v::text);
    RETURN NULL;
END $$;

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_point_present;
ALTER TABLE stations ADD CONSTRAINT stations_point_present CHECK (
    deleted OR NOT ST_IsEmpty(geom)
) NOT VALID;

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_amenities_known;
ALTER TABLE stations ADD CONSTRAINT stations_amenities_known CHECK (
    deleted OR amenities <@ ARRAY['drinking_water', 'hot_meal', 'microwave', 'toilet', 'rest_area',
        'shower', 'beds', 'truck_parking', 'wifi', 'phone_charging', 'first_aid', 'counselling',
        'library', 'laundry', 'legal_aid']::text[]
) NOT VALID;
