-- Extract query of the fetal_deaths table, for the ETL (etl/source).
-- Returns the columns of the fetal_death schema, in order and under these names,
-- for rows after the watermark:
-- $1 = updated_at and $2 = id of the last row read, oldest change first.
-- A site whose registry differs copies this file, adapts it (same columns,
-- same parameters, same order) and names it in the config's [etl.extract].
select
    id, reg_no, version, status, source, created_at, updated_at, digitized_at, mother_kidc,
    mother_age, sex, date_of_delivery, gestation_weeks, birth_weight_g, place_commune,
    facility_id, facility_type, mother_residence_commune, registration_date,
    registration_commune, cause_icd10,
    -- names last: the ETL encodes them for record linkage and keeps nothing else of them
    mother_name, mother_name_latin
from fetal_deaths
where updated_at >= $1::timestamptz
    and (updated_at, id) > ($1::timestamptz, $2::bigint)
order by updated_at, id
