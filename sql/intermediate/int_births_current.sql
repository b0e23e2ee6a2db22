-- materialize: table
-- Each live birth once: the latest version of each registration, cancelled
-- ones dropped, and one record per duplicate group (the first registered);
-- int_births_excluded says which records go and why. It leaves out the
-- long identifiers (event_id, link_key): a third of the build's time went
-- to copying them for nine million births.
with births as (
    select * from stg_lake__births
),

excluded as (
    select event_id, version from int_births_excluded where reason <> 'kept'
),

groups as (
    select event_id, version, records_in_group from int_births_excluded where reason = 'kept'
),

final as (
    -- only the columns statistics use: this table is the widest copy of the build
    select
        b.year, b.date_of_birth, b.registration_date, b.provenance,
        case when b.provenance = 'ict' then 'ict' else 'paper' end as regime,
        datediff('day', b.date_of_birth, b.registration_date) as lag_days,
        b.registration_commune, b.province_code, b.district_code, b.residence_commune, b.place_commune,
        b.facility_type, b.sex, b.mother_age, asfr_group(b.mother_age) as mother_age_group,
        b.birth_order, b.plurality, b.birth_weight_g, b.gestation_weeks, b.attendant,
        b.flags,
        coalesce(g.records_in_group, 1) as records_in_group
    from births as b
    anti join excluded as x on x.event_id = b.event_id and x.version = b.version
    left join groups as g on g.event_id = b.event_id and g.version = b.version
)

select * from final
