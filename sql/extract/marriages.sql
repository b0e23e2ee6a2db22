-- Extract query of the marriages table, for the ETL (etl/source).
-- Returns the columns of the marriage schema, in order and under these names,
-- for rows after the watermark:
-- $1 = updated_at and $2 = id of the last row read, oldest change first.
-- A site whose registry differs copies this file, adapts it (same columns,
-- same parameters, same order) and names it in the config's [etl.extract].
select
    id, reg_no, version, status, source, created_at, updated_at, digitized_at,
    date_of_marriage, registration_date, registration_commune, groom_kidc, groom_age,
    groom_residence, groom_prev_status, bride_kidc, bride_age, bride_residence,
    bride_prev_status,
    -- names last: the ETL encodes them for record linkage and keeps nothing else of them
    groom_name, groom_name_latin, bride_name, bride_name_latin
from marriages
where updated_at >= $1::timestamptz
    and (updated_at, id) > ($1::timestamptz, $2::bigint)
order by updated_at, id
