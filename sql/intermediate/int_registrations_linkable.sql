-- Current births and deaths of the years the health-CR link covers (from the
-- year of the first notification of their type) with their link_key and
-- place of occurrence (the dual-system estimate counts facility events), read
-- from staging for those years only rather than carried, one long key per
-- event, in the current tables.
with link_start as (
    select event_type, min(year) as first_year from stg_lake__notifications group by all
),

births as (
    select 'birth' as event_type, b.year, b.province_code, b.district_code, b.link_key, b.registration_date, b.facility_type
    from stg_lake__births as b
    -- a join, not a scalar subquery: DuckDB then skips the years before the
    -- link in the Parquet files, by their statistics
    join link_start as s on s.event_type = 'birth' and b.year >= s.first_year
    anti join (select event_id, version from int_births_excluded where reason <> 'kept') as x
        on x.event_id = b.event_id and x.version = b.version
),

deaths as (
    select 'death' as event_type, d.year, d.province_code, d.district_code, d.link_key, d.registration_date, d.facility_type
    from stg_lake__deaths as d
    join link_start as s on s.event_type = 'death' and d.year >= s.first_year
    anti join (select event_id, version from int_deaths_excluded where reason <> 'kept') as x
        on x.event_id = d.event_id and x.version = d.version
),

final as (
    select * from births
    union all
    select * from deaths
)

select * from final
