-- The five leading causes of death by year, place of usual residence (the nation and provinces),
-- sex and broad age group (0, 1-4, 5-14, 15-29, 30-49, 50-69, 70+): the ranking list, ranking
-- and share of cod_leading within each age group. Deaths of unknown age are in no age group.
-- The broad groups are unions of the abridged groups of int_deaths_cod, so each count here is a
-- sum of cod_list1 cells.
with deaths as (
    select year, province_code, sex, age_group, list1_item
    from int_deaths_cod
    where age_group is not null
),

rankable as (
    select list1_item, title from int_cod_ranking_list
),

-- abridged group -> broad group; the boundaries fall on abridged boundaries
broad_groups as (
    select *
    from (values
        ('0', '0'), ('1-4', '1-4'),
        ('5-9', '5-14'), ('10-14', '5-14'),
        ('15-19', '15-29'), ('20-24', '15-29'), ('25-29', '15-29'),
        ('30-34', '30-49'), ('35-39', '30-49'), ('40-44', '30-49'), ('45-49', '30-49'),
        ('50-54', '50-69'), ('55-59', '50-69'), ('60-64', '50-69'), ('65-69', '50-69'),
        ('70-74', '70+'), ('75-79', '70+'), ('80-84', '70+'), ('85+', '70+')
    ) as g (age_group, broad_group)
),

-- one pass over the deaths to the finest cells; everything after works on cells
cells as (
    select year, list1_item, province_code, sex, age_group, count(*) as deaths
    from deaths
    group by all
),

broad_cells as (
    select c.year, c.list1_item, c.province_code, c.sex, g.broad_group as age_group, sum(c.deaths) as deaths
    from cells as c
    join broad_groups as g using (age_group)
    group by all
),

-- the ranked items only: the denominator comes from all causes, in totals
counts as (
    select
        c.year,
        c.age_group,
        c.list1_item,
        r.title,
        case when grouping(c.province_code) = 1 then 'KH' else c.province_code end as area_code,
        case when grouping(c.sex) = 1 then 'T' else c.sex end as sex,
        sum(c.deaths)::bigint as deaths
    from broad_cells as c
    join rankable as r using (list1_item)
    group by c.year, c.age_group, c.list1_item, r.title, cube (c.province_code, c.sex)
    having (grouping(c.province_code) = 1 or c.province_code is not null)
       and (grouping(c.sex) = 1 or c.sex in ('M', 'F'))
),

-- every cause, ill-defined and missing included; a small cube, where a window
-- sum over counts would have to see every item of every cell
totals as (
    select
        year,
        age_group,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        sum(deaths)::bigint as total
    from broad_cells
    group by year, age_group, cube (province_code, sex)
    having (grouping(province_code) = 1 or province_code is not null)
       and (grouping(sex) = 1 or sex in ('M', 'F'))
),

ranked as (
    select
        *,
        rank() over (partition by year, area_code, sex, age_group order by deaths desc) as rank
    from counts
),

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        list1_item,
        rank,
        title,
        deaths as numerator,
        total as denominator,
        deaths / total as value,
        wilson_low(deaths, total) as ci_low,
        wilson_high(deaths, total) as ci_high,
        small_flags(deaths) as flags
    from ranked
    join totals using (year, area_code, sex, age_group)
    where rank <= 5
)

select * from final
