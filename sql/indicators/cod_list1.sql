-- Deaths by WHO Mortality Tabulation List 1 item, year of death, place of usual residence (the
-- nation and provinces), sex and abridged age group, with the item's share of all deaths of the
-- same year, area, sex and age group. list1_item holds the leaves (1-002 ... 1-103), their parent
-- groups (1-001, 1-026 ...), 'all' (all deaths, the denominator) and two items of our own so that
-- the leaves add up to all deaths: 'not_ucod' (a reported code that is not a valid underlying
-- cause) and 'missing' (no usable ICD-10 code). A death of sex not stated counts in 'T' only, one
-- whose residence is not stated in 'KH' only. The frame (a row with 0 deaths where none happened):
-- for the nation every item by every age group and sex; for the provinces every item at all ages,
-- and all causes by age group, by sex; a province's item in one age group has a row when it has
-- deaths (the full frame would be 25 provinces x 106 items x 21 age groups x 3 sexes a year, 4 M
-- rows over 24 years, most of them zero: 99% in the demo).
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

areas as (
    select year, area_code from int_frame_areas where level <> 'district'
),

sexes as (
    select * from (values ('M'), ('F'), ('T')) as s(sex)
),

ages as (
    select * from (values ('0'), ('1-4'), ('5-9'), ('10-14'), ('15-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'),
                          ('40-44'), ('45-49'), ('50-54'), ('55-59'), ('60-64'), ('65-69'), ('70-74'), ('75-79'),
                          ('80-84'), ('85+'), ('unknown'), ('all')) as g(age_group)
),

all_items as (
    select list1_item from items
    union all
    select * from (values ('all'), ('not_ucod'), ('missing')) as o(list1_item)
),

frame as (
    select a.year, a.area_code, s.sex, g.age_group, i.list1_item
    from areas as a cross join sexes as s cross join ages as g cross join all_items as i
    where a.area_code = 'KH'
    union all
    select a.year, a.area_code, s.sex, 'all', i.list1_item
    from areas as a cross join sexes as s cross join all_items as i
    where a.area_code <> 'KH'
    union all
    select a.year, a.area_code, s.sex, g.age_group, 'all'
    from areas as a cross join sexes as s cross join ages as g
    where a.area_code <> 'KH' and g.age_group <> 'all'
),

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        list1_item,
        case list1_item
            when 'all' then 'All causes'
            when 'not_ucod' then 'Reported cause not valid as underlying cause'
            when 'missing' then 'No usable ICD-10 code'
            else i.title
        end as title,
        coalesce(i.is_leaf, list1_item <> 'all') as is_leaf,
        coalesce(c.deaths, 0) as numerator,
        coalesce(t.total, 0) as denominator,
        coalesce(c.deaths, 0) / t.total as value,
        wilson_low(coalesce(c.deaths, 0), t.total) as ci_low,
        wilson_high(coalesce(c.deaths, 0), t.total) as ci_high,
        small_flags(coalesce(c.deaths, 0)) as flags
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join counts as c using (year, area_code, sex, age_group, list1_item)
    left join totals as t using (year, area_code, sex, age_group)
    left join items as i using (list1_item)
)

select * from final
