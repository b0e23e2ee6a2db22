-- Extract query of the deaths table, for the ETL (etl/source).
-- Returns the columns of the death schema, in order and under these names,
-- for rows after the watermark:
-- $1 = updated_at and $2 = id of the last row read, oldest change first.
-- A site whose registry differs copies this file, adapts it (same columns,
-- same parameters, same order) and names it in the config's [etl.extract].
select
    id, reg_no, version, status, source, created_at, updated_at, digitized_at, deceased_kidc,
    sex, date_of_birth, age_value, age_unit, date_of_death, place_commune, facility_id,
    facility_type, residence_commune, registration_date, registration_commune, marital_status,
    cause_a, cause_b, cause_c, cause_d, cause_part2, underlying_cause, certification, manner,
    pregnancy_status, burial_permit_no,
    -- names last: the ETL encodes them for record linkage and keeps nothing else of them
    deceased_name, deceased_name_latin
from deaths
where updated_at >= $1::timestamptz
    and (updated_at, id) > ($1::timestamptz, $2::bigint)
order by updated_at, id
