-- The ten leading causes of death by year, place of usual residence (the nation and provinces)
-- and sex: List 1 leaves ranked by deaths, standard competition ranking (ties share a rank, so a
-- tie at the tenth place gives more than ten rows). The ranking list is every leaf of WHO
-- Mortality Tabulation List 1 except the ill-defined item 1-094 and the residual items that group
-- unrelated conditions: the twelve "Remainder of ..." items and 1-103 "All other external causes".
-- Deaths without a valid underlying cause ('missing', 'not_ucod') are not ranked. The share is
-- of all deaths of the year, area and sex (every cause, ill-defined and missing included).
with deaths as (
    select year, province_code, sex, list1_item
    from int_deaths_cod
),

rankable as (
    select list1_item, title from int_cod_ranking_list
),

cells as (
    select year, list1_item, province_code, sex, count(*) as deaths
    from deaths
    group by all
),

counts as (
    select
        year,
        list1_item,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        sum(deaths)::bigint as deaths
    from cells
    group by year, list1_item, cube (province_code, sex)
    having (grouping(province_code) = 1 or province_code is not null)
       and (grouping(sex) = 1 or sex in ('M', 'F'))
),

with_total as (
    select *, sum(deaths) over (partition by year, area_code, sex) as total
    from counts
),

ranked as (
    select
        c.*,
        r.title,
        rank() over (partition by c.year, c.area_code, c.sex order by c.deaths desc) as rank
    from with_total as c
    join rankable as r using (list1_item)
),

final as (
    select
        year,
        area_code,
        sex,
        list1_item,
        rank,
        title,
        deaths as numerator,
        total::bigint as denominator,
        deaths / total as value,
        wilson_low(deaths, total) as ci_low,
        wilson_high(deaths, total) as ci_high,
        small_flags(deaths) as flags
    from ranked
    where rank <= 10
)

select * from final
