-- Deaths by WHO Mortality Tabulation List 1 item, year of death, place of usual residence (the
-- nation and provinces), sex and abridged age group, with the item's share of all deaths of the
-- same year, area, sex and age group. list1_item holds the leaves (1-002 ... 1-103), their parent
-- groups (1-001, 1-026 ...), 'all' (all deaths, the denominator) and two items of our own so that
-- the leaves add up to all deaths: 'not_ucod' (a reported code that is not a valid underlying
-- cause) and 'missing' (no usable ICD-10 code). Only cells with at least one death appear.
with deaths as (
    select year, province_code, sex, coalesce(age_group, 'unknown') as age_group, list1_item
    from int_deaths_cod
),

items as (
    select list1_item, parent_list1_item, is_leaf, title
    from ref_who_list1
    where list1_item is not null
),

-- the finest cells first: the cube then rolls up far fewer rows than there are deaths
cells as (
    select year, list1_item, province_code, sex, age_group, count(*) as deaths
    from deaths
    group by all
),

leaf_counts as (
    select
        year,
        list1_item,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(age_group) = 1 then 'all' else age_group end as age_group,
        sum(deaths)::bigint as deaths
    from cells
    group by year, list1_item, cube (province_code, sex, age_group)
    -- a death of unknown sex or area counts only in the totals
    having (grouping(province_code) = 1 or province_code is not null)
       and (grouping(sex) = 1 or sex in ('M', 'F'))
),

parent_counts as (
    select l.year, i.parent_list1_item as list1_item, l.area_code, l.sex, l.age_group, sum(l.deaths)::bigint as deaths
    from leaf_counts as l
    join items as i using (list1_item)
    where i.parent_list1_item is not null
    group by all
),

all_counts as (
    select year, 'all' as list1_item, area_code, sex, age_group, sum(deaths)::bigint as deaths
    from leaf_counts
    group by all
),

counts as (
    select * from leaf_counts
    union all
    select * from parent_counts
    union all
    select * from all_counts
),

totals as (
    select year, area_code, sex, age_group, deaths as total from all_counts
),

final as (
    select
        c.year,
        c.area_code,
        c.sex,
        c.age_group,
        c.list1_item,
        case c.list1_item
            when 'all' then 'All causes'
            when 'not_ucod' then 'Reported cause not valid as underlying cause'
            when 'missing' then 'No usable ICD-10 code'
            else i.title
        end as title,
        coalesce(i.is_leaf, c.list1_item <> 'all') as is_leaf,
        c.deaths as numerator,
        t.total as denominator,
        c.deaths / t.total as value,
        wilson_low(c.deaths, t.total) as ci_low,
        wilson_high(c.deaths, t.total) as ci_high,
        small_flags(c.deaths) as flags
    from counts as c
    join totals as t using (year, area_code, sex, age_group)
    left join items as i using (list1_item)
)

select * from final
