-- Extract query of the births table, for the ETL (etl/source).
-- Returns the columns of the birth schema, in order and under these names,
-- for rows after the watermark:
-- $1 = updated_at and $2 = id of the last row read, oldest change first.
-- A site whose registry differs copies this file, adapts it (same columns,
-- same parameters, same order) and names it in the config's [etl.extract].
select
    id, reg_no, version, status, source, created_at, updated_at, digitized_at, child_kidc, sex,
    date_of_birth, place_commune, facility_id, facility_type, registration_date,
    registration_commune, mother_kidc, mother_date_of_birth, mother_age, mother_nationality,
    mother_residence_commune, mother_education, marital_status, father_age, birth_order,
    plurality, birth_weight_g, gestation_weeks, attendant,
    -- names last: the ETL encodes them for record linkage and keeps nothing else of them
    child_name, child_name_latin, mother_name, mother_name_latin, father_name, father_name_latin
from births
where updated_at >= $1::timestamptz
    and (updated_at, id) > ($1::timestamptz, $2::bigint)
order by updated_at, id
