-- Probable duplicates of births and deaths by year of occurrence and
-- province (usual residence of the kept record): the groups with more than
-- one current record, and the records excluded from the statistics (all
-- but one per group), as a share of the records before deduplication. Every
-- cell of the frame (the years, nation and provinces of int_frame_areas) has a
-- row, 0 of 0 without records; records whose residence is not stated count in
-- 'KH' only.
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

frame as (
    select e.event_type, f.year, f.area_code
    from int_frame_areas as f
    cross join (values ('birth'), ('death')) as e(event_type)
    where f.level <> 'district'
),

final as (
    select
        event_type,
        year,
        area_code,
        coalesce(c.groups, 0) as groups,
        coalesce(c.excluded, 0) as numerator,
        coalesce(c.records, 0) as denominator,
        c.excluded / c.records as value,
        wilson_low(c.excluded, c.records) as ci_low,
        wilson_high(c.excluded, c.records) as ci_high,
        small_flags(coalesce(c.records, 0)) as flags
    -- every cell of the frame, and the cells outside it that have records
    from frame
    full join (select * from cells where area_code is not null) as c using (event_type, year, area_code)
)

select * from final
