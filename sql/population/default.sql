-- Default denominators when the site gives no population file: a documented
-- fallback (docs/methods.md, "Population denominators"), not a projection.
--   1. Each 2024 district takes the 2008 census population of the district of
--      the same name in its 2008 province (Tboung Khmum, 25, was part of Kampong
--      Cham, 03); the rest of a 2008 province is shared equally by its
--      unmatched 2024 districts.
--   2. The census's broad groups by sex (0-14, 15-64, 65+; for women 15-49 and
--      50-64) are split into abridged groups in proportion to a stable
--      population: growth 2% a year and Gompertz survivorship
--      l(a) = exp(-(0.0003 / 0.09) (exp(0.09 a) - 1)).
--   3. Every year of WPP 2024 scales the whole 2008 structure to WPP's total
--      population (births / CBR); provinces, districts, sex and age keep their
--      2008 shares.
create or replace table ref_population as
with districts as (
    select district_code, province_code,
           case when province_code = '25' then '03' else province_code end as province_code_2008,
           lower(regexp_replace(name_latin, '[^A-Za-z]', '', 'g')) as name_key
    from ref_districts
),

census as (
    select *, lower(regexp_replace(district_name_2008, '[^A-Za-z]', '', 'g')) as name_key
    from ref_census2008_districts
),

matched as (
    select d.district_code, d.province_code, d.province_code_2008, c.district_code_2008
    from districts as d
    left join census as c
        on c.province_code_2008 = d.province_code_2008 and c.name_key = d.name_key
),

-- broad groups of one census district, or of what is left of its province
broad_matched as (
    select m.district_code, m.province_code, 1.0 as share,
           c.male_0_14 as m0, c.male_15_64 as m15, c.male_65plus as m65,
           c.female_0_14 as f0, c.female_15_49 as f15, c.female_15_64 - c.female_15_49 as f50, c.female_65plus as f65
    from matched as m
    join ref_census2008_districts as c using (district_code_2008)
),

leftover as (
    select p.province_code_2008,
           p.male_0_14 - coalesce(sum(c.male_0_14), 0) as m0,
           p.male_15_64 - coalesce(sum(c.male_15_64), 0) as m15,
           p.male_65plus - coalesce(sum(c.male_65plus), 0) as m65,
           p.female_0_14 - coalesce(sum(c.female_0_14), 0) as f0,
           p.female_15_49 - coalesce(sum(c.female_15_49), 0) as f15,
           (p.female_15_64 - p.female_15_49) - coalesce(sum(c.female_15_64 - c.female_15_49), 0) as f50,
           p.female_65plus - coalesce(sum(c.female_65plus), 0) as f65
    from ref_census2008_provinces as p
    left join (select distinct province_code_2008, district_code_2008 from matched where district_code_2008 is not null) as mm
        on mm.province_code_2008 = p.province_code_2008
    left join ref_census2008_districts as c on c.district_code_2008 = mm.district_code_2008
    group by p.province_code_2008, p.male_0_14, p.male_15_64, p.male_65plus,
             p.female_0_14, p.female_15_49, p.female_15_64, p.female_65plus
),

broad_unmatched as (
    select m.district_code, m.province_code,
           1.0 / count(*) over (partition by m.province_code_2008) as share,
           greatest(l.m0, 0) as m0, greatest(l.m15, 0) as m15, greatest(l.m65, 0) as m65,
           greatest(l.f0, 0) as f0, greatest(l.f15, 0) as f15, greatest(l.f50, 0) as f50, greatest(l.f65, 0) as f65
    from matched as m
    join leftover as l using (province_code_2008)
    where m.district_code_2008 is null
),

broad_wide as (
    select * from broad_matched
    union all
    select * from broad_unmatched
),

broad as (
    unpivot broad_wide on m0, m15, m65, f0, f15, f50, f65 into name cell value count
),

broad_ranges as (
    select district_code, province_code,
           case when cell[1] = 'm' then 'M' else 'F' end as sex,
           case cell
               when 'm0' then 0 when 'f0' then 0 when 'm15' then 15 when 'f15' then 15
               when 'f50' then 50 else 65 end as lo,
           case cell
               when 'm0' then 14 when 'f0' then 14 when 'm15' then 64 when 'f15' then 49
               when 'f50' then 64 else 100 end as hi,
           share * count as count
    from broad
),

stable as (
    select a as age, exp(-0.02 * (a + 0.5)) * exp(-(0.0003 / 0.09) * (exp(0.09 * (a + 0.5)) - 1)) as weight
    from range(0, 101) as t(a)
),

by_age as (
    select b.district_code, b.province_code, b.sex, abridged_group(s.age) as age_group,
           sum(b.count * s.weight / w.total) as population
    from broad_ranges as b
    join stable as s on s.age between b.lo and b.hi
    join (select b2.lo, b2.hi, sum(s2.weight) as total
          from (select distinct lo, hi from broad_ranges) as b2
          join stable as s2 on s2.age between b2.lo and b2.hi
          group by all) as w on w.lo = b.lo and w.hi = b.hi
    group by all
),

base as (
    select sum(population) as total from by_age
),

years as (
    select year, births_thousands * 1e6 / cbr_per_1000 as total
    from ref_wpp_annual
),

final as (
    select y.year, a.province_code, a.district_code, a.sex, a.age_group,
           a.population * y.total / base.total as population
    from by_age as a
    cross join base
    cross join years as y
)

select * from final order by year, district_code, sex, age_group;
