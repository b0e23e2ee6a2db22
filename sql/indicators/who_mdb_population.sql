-- Population and live births in the layout of the WHO Mortality Database population file (pop):
-- one row per year and sex, nation only, with the mid-year population of age format Frmat 02
-- (pop1 all ages, pop2 under one year, pop3 1-4, pop4-6 not used, pop7-22 5-9 ... 80-84, pop23 85+,
-- pop24-25 not used, pop26 age unknown) and the live births of that sex (lb); sex 9 holds the live
-- births of sex not stated, with no population.
with population as (
    select year, sex, age_start, population
    from int_population_areas
    where area_code = 'KH' and sex in ('M', 'F')
),

births as (
    select year, case sex when 'M' then '1' when 'F' then '2' else '9' end as sex, sum(births) as lb
    from int_births_counts
    group by all
),

-- whole persons per group, so that pop1, their sum, adds up exactly
grouped as (
    select
        year,
        case sex when 'M' then '1' else '2' end as sex,
        case when age_start = 0 then 2 when age_start < 5 then 3 when age_start >= 85 then 23 else 6 + age_start // 5 end as slot,
        round(sum(population))::bigint as population
    from population
    group by all
),

pivoted as (
    select
        year,
        sex,
        sum(population) as pop1,
        sum(case when slot = 2 then population else 0 end) as pop2,
        sum(case when slot = 3 then population else 0 end) as pop3,
        sum(case when slot = 7 then population else 0 end) as pop7,
        sum(case when slot = 8 then population else 0 end) as pop8,
        sum(case when slot = 9 then population else 0 end) as pop9,
        sum(case when slot = 10 then population else 0 end) as pop10,
        sum(case when slot = 11 then population else 0 end) as pop11,
        sum(case when slot = 12 then population else 0 end) as pop12,
        sum(case when slot = 13 then population else 0 end) as pop13,
        sum(case when slot = 14 then population else 0 end) as pop14,
        sum(case when slot = 15 then population else 0 end) as pop15,
        sum(case when slot = 16 then population else 0 end) as pop16,
        sum(case when slot = 17 then population else 0 end) as pop17,
        sum(case when slot = 18 then population else 0 end) as pop18,
        sum(case when slot = 19 then population else 0 end) as pop19,
        sum(case when slot = 20 then population else 0 end) as pop20,
        sum(case when slot = 21 then population else 0 end) as pop21,
        sum(case when slot = 22 then population else 0 end) as pop22,
        sum(case when slot = 23 then population else 0 end) as pop23
    from grouped
    group by all
),

-- a year with births but no denominator (or the reverse) keeps its row, the missing side empty
final as (
    select
        coalesce(p.year, b.year) as year,
        coalesce(p.sex, b.sex) as sex,
        '02' as frmat,
        p.pop1::bigint as pop1, p.pop2::bigint as pop2, p.pop3::bigint as pop3,
        -- Frmat 02 has no groups 4-6, 24 and 25; nobody has an unknown age in the denominators
        null::bigint as pop4, null::bigint as pop5, null::bigint as pop6,
        p.pop7::bigint as pop7, p.pop8::bigint as pop8, p.pop9::bigint as pop9, p.pop10::bigint as pop10,
        p.pop11::bigint as pop11, p.pop12::bigint as pop12, p.pop13::bigint as pop13, p.pop14::bigint as pop14,
        p.pop15::bigint as pop15, p.pop16::bigint as pop16, p.pop17::bigint as pop17, p.pop18::bigint as pop18,
        p.pop19::bigint as pop19, p.pop20::bigint as pop20, p.pop21::bigint as pop21, p.pop22::bigint as pop22,
        p.pop23::bigint as pop23,
        null::bigint as pop24, null::bigint as pop25,
        case when p.year is not null then 0::bigint end as pop26,
        -- no birth in a year of the frame is 0 births; a projection's later year stays empty
        coalesce(b.lb, case when p.year in (select year from int_frame_areas) then 0 end)::bigint as lb
    from pivoted as p
    full join births as b using (year, sex)
)

select * from final
