-- Probable duplicates of births and deaths by year of occurrence and
-- province (usual residence of the kept record): the groups with more than
-- one current record, and the records excluded from the statistics (all
-- but one per group), as a share of the records before deduplication.
with events as (
    select 'birth' as event_type, year, province_code, records_in_group from int_births_current
    union all
    select 'death', year, province_code, records_in_group from int_deaths_current
),

cells as (
    select
        event_type,
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        count(*) filter (where records_in_group > 1) as groups,
        sum(records_in_group - 1) as excluded,
        sum(records_in_group) as records
    from events
    group by grouping sets ((event_type, year), (event_type, year, province_code))
),

final as (
    select
        event_type,
        year,
        area_code,
        groups,
        excluded as numerator,
        records as denominator,
        excluded / records as value,
        wilson_low(excluded, records) as ci_low,
        wilson_high(excluded, records) as ci_high,
        small_flags(records) as flags
    from cells
    where area_code is not null
)

select * from final
