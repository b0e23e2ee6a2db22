-- materialize: table
-- Each live birth once: the latest version of each registration, cancelled
-- ones dropped, and one record per duplicate group (the first registered);
-- int_births_excluded says which records go and why. It leaves out the
-- long identifiers (event_id, link_key), the place of occurrence and the
-- flags, which no birth statistic reads yet, and what is cheaply derived
-- (regime, lag, age group): copying columns is most of the build's time at
-- national scale.
with births as (
    select * from stg_lake__births
),

-- one join does both: rows set aside have a reason other than 'kept', and
-- the kept record of a duplicate group carries the group's size
marks as (
    select event_id, version, reason, records_in_group from int_births_excluded
),

final as (
    -- only the columns statistics use: this table is the widest copy of the build
    select
        b.year, b.date_of_birth, b.registration_date, b.provenance,
        b.registration_commune, b.province_code, b.district_code, b.residence_commune,
        b.facility_type, b.sex, b.mother_age,
        b.birth_order, b.plurality, b.birth_weight_g, b.gestation_weeks, b.attendant,
        coalesce(g.records_in_group, 1) as records_in_group
    from births as b
    left join marks as g on g.event_id = b.event_id and g.version = b.version
    where g.reason is null or g.reason = 'kept'
)

select * from final
