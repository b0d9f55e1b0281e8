-- 0002: stop shape errors and id renames at the source.
--
-- Rows written by plain SQL skip yizhan's validation. Followers leave out
-- a row they cannot decode or that fails validation (and log it), but it
-- is better that the database refuses the obvious mistakes at once, where
-- the writer sees the error:
--   - port: "country" and "hours" strings, "modes" an array of strings
--     (a JSON shape the decoder cannot read hides the whole record);
--   - names: every value a string, and a zh or en name present;
--   - languages: only known codes;
--   - source: not blank.
-- Tombstones (deleted) are exempt, so that DELETE, which turns a row into
-- a tombstone by UPDATE, still works on a row that breaks them.
--
-- The constraints are NOT VALID: they hold for every row written from now
-- on without refusing the migration because of rows already stored; those
-- stay readable, are skipped by followers if invalid, and must be fixed
-- (or deleted) before any other update of them succeeds.
--
-- Every statement can run again without error.

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_port_shape;
ALTER TABLE stations ADD CONSTRAINT stations_port_shape CHECK (
    deleted OR port IS NULL OR (
        coalesce(jsonb_typeof(port -> 'country'), 'null') IN ('string', 'null')
        AND coalesce(jsonb_typeof(port -> 'hours'), 'null') IN ('string', 'null')
        AND coalesce(jsonb_typeof(port -> 'modes'), 'null') IN ('array', 'null')
        AND NOT coalesce(jsonb_path_exists(port, 'strict $.modes[*] ? (@.type() != "string")', '{}', true), false)
    )
) NOT VALID;

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_names_shape;
ALTER TABLE stations ADD CONSTRAINT stations_names_shape CHECK (
    deleted OR (
        NOT jsonb_path_exists(names, 'strict $.* ? (@.type() != "string")')
        AND (btrim(coalesce(names ->> 'zh', '')) <> '' OR btrim(coalesce(names ->> 'en', '')) <> '')
    )
) NOT VALID;

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_languages_known;
ALTER TABLE stations ADD CONSTRAINT stations_languages_known CHECK (
    deleted OR languages <@ ARRAY['zh', 'en', 'ru', 'mn']::text[]
) NOT VALID;

ALTER TABLE stations DROP CONSTRAINT IF EXISTS stations_source_present;
ALTER TABLE stations ADD CONSTRAINT stations_source_present CHECK (
    deleted OR btrim(source) <> ''
) NOT VALID;

-- An id never changes. UPDATE stations SET id = 'new' WHERE id = 'old'
-- would leave no row and no tombstone for 'old', so followers would keep
-- serving it forever. The WHEN clause keeps the cost off every other update.
CREATE OR REPLACE FUNCTION stations_keep_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stations.id cannot change (% to %): servers following the database would keep serving %', OLD.id, NEW.id, OLD.id
        USING ERRCODE = 'check_violation',
              HINT = 'Insert the record under the new id, then DELETE the old id (which leaves a tombstone followers see).';
END $$;

DROP TRIGGER IF EXISTS stations_keep_id ON stations;
CREATE TRIGGER stations_keep_id
    BEFORE UPDATE ON stations
    FOR EACH ROW WHEN (NEW.id IS DISTINCT FROM OLD.id)
    EXECUTE FUNCTION stations_keep_id();
