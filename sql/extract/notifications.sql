-- Extract query of the notifications table, for the ETL (etl/source).
-- Returns the columns of the notification schema, in order and under these names,
-- (a notification carries no names), for rows after the watermark:
-- $1 = notified_at and $2 = id of the last row read, oldest change first.
-- A site whose registry differs copies this file, adapts it (same columns,
-- same parameters, same order) and names it in the config's [etl.extract].
select
    id, facility_id, facility_type, event_type, event_date, sex, subject_kidc, mother_age,
    age_years, residence_commune, notified_at
from notifications
where notified_at >= $1::timestamptz
    and (notified_at, id) > ($1::timestamptz, $2::text)
order by notified_at, id
