-- Deaths in the layout of the WHO Mortality Database ICD-10 files (Morticd10): one row per year of
-- death, list, cause and sex, nation only, with the deaths of age format Frmat 01 (deaths1 all ages,
-- deaths2 under one year, deaths3-6 ages 1 to 4, deaths7-22 5-9 ... 80-84, deaths23 85+, deaths24-25
-- not used, deaths26 age unknown) and infant format IM_Frmat 01 (0 days, 1-6, 7-27, 28-364 days).
-- list '104': the ICD-10 code as coded (4 characters, or 3 where the death carries a category),
-- 'AAA' all causes; list '101': Mortality Tabulation List 1, '1000' all causes, the groups
-- (1001, 1026 ...) and their items. A death without a valid underlying cause is coded R99 (1094).
-- The cause is classified as in int_deaths_cod (same normalised code, same join to int_cod_icd10),
-- but read from int_deaths_current here because that view carries no age in years or days.
-- Sex 9 holds the deaths of sex not stated. The frame (a row of zeros where no death happened):
-- every year of int_frame_areas by sex 1 and 2 (and 9 in a year with deaths of sex not stated)
-- x 'AAA' and every list 101 code; a list 104 code has a row when it has deaths (ICD-10 has
-- 12,000 codes).
with deaths as (
    select year, sex, age_years, age_days, infant,
           upper(replace(trim(underlying_cause), '.', '')) as cleaned
    from int_deaths_current
),

codes as (
    select code, list1_item from int_cod_icd10
),

items as (
    select list1_item, parent_list1_item, who_mdb_list101_code from ref_who_list1 where list1_item is not null
),

classified as (
    select
        d.year,
        case d.sex when 'M' then '1' when 'F' then '2' else '9' end as sex,
        -- a code with a List 1 item is a valid underlying cause (int_deaths_cod's list1_item)
        case when c.list1_item is not null then c.code else 'R99' end as cause,
        coalesce(c.list1_item, '1-094') as list1_item,
        -- the Frmat 01 column: 2 = under one year (the same test as the infant deaths of
        -- mortality_rates), 3-6 = ages 1-4, 7-22 = 5-9 ... 80-84, 23 = 85+, 26 = unknown
        case
            when d.infant then 2
            when d.age_years is null then 26
            when d.age_years < 5 then 2 + d.age_years
            when d.age_years >= 85 then 23
            else 6 + d.age_years // 5
        end as slot,
        -- the IM_Frmat 01 column, for infants with the age in days known
        case
            when not d.infant or d.age_days is null or d.age_days >= 365 then null
            when d.age_days = 0 then 1
            when d.age_days < 7 then 2
            when d.age_days < 28 then 3
            else 4
        end as im_slot
    from deaths as d
    left join codes as c on c.code = d.cleaned
),

-- one pass over the deaths to small cells; the lists are then sums of cells
cells as (
    select c.year, c.sex, c.cause, c.list1_item, i.parent_list1_item, c.slot, c.im_slot, count(*) as n
    from classified as c
    left join items as i using (list1_item)
    group by all
),

pivoted as (
    select
        year,
        case
            when grouping(cause) = 0 then '104'
            when grouping(list1_item) = 0 or grouping(parent_list1_item) = 0 then '101'
        end as list,
        case
            when grouping(cause) = 0 then cause
            when grouping(list1_item) = 0 then list1_item
            when grouping(parent_list1_item) = 0 then parent_list1_item
            else 'all'
        end as item,
        sex,
        sum(n) as deaths1,
        sum(case when slot = 2 then n else 0 end) as deaths2,
        sum(case when slot = 3 then n else 0 end) as deaths3,
        sum(case when slot = 4 then n else 0 end) as deaths4,
        sum(case when slot = 5 then n else 0 end) as deaths5,
        sum(case when slot = 6 then n else 0 end) as deaths6,
        sum(case when slot = 7 then n else 0 end) as deaths7,
        sum(case when slot = 8 then n else 0 end) as deaths8,
        sum(case when slot = 9 then n else 0 end) as deaths9,
        sum(case when slot = 10 then n else 0 end) as deaths10,
        sum(case when slot = 11 then n else 0 end) as deaths11,
        sum(case when slot = 12 then n else 0 end) as deaths12,
        sum(case when slot = 13 then n else 0 end) as deaths13,
        sum(case when slot = 14 then n else 0 end) as deaths14,
        sum(case when slot = 15 then n else 0 end) as deaths15,
        sum(case when slot = 16 then n else 0 end) as deaths16,
        sum(case when slot = 17 then n else 0 end) as deaths17,
        sum(case when slot = 18 then n else 0 end) as deaths18,
        sum(case when slot = 19 then n else 0 end) as deaths19,
        sum(case when slot = 20 then n else 0 end) as deaths20,
        sum(case when slot = 21 then n else 0 end) as deaths21,
        sum(case when slot = 22 then n else 0 end) as deaths22,
        sum(case when slot = 23 then n else 0 end) as deaths23,
        sum(case when slot = 26 then n else 0 end) as deaths26,
        sum(case when im_slot = 1 then n else 0 end) as im_deaths1,
        sum(case when im_slot = 2 then n else 0 end) as im_deaths2,
        sum(case when im_slot = 3 then n else 0 end) as im_deaths3,
        sum(case when im_slot = 4 then n else 0 end) as im_deaths4
    from cells
    group by grouping sets ((year, sex, cause), (year, sex, list1_item), (year, sex, parent_list1_item), (year, sex))
    -- leaves without a parent (1-092, 1-093, 1-094) would give a NULL group
    having grouping(parent_list1_item) = 1 or parent_list1_item is not null
),

-- the grand total once per list: 'AAA' in list 104, '1000' in list 101
totals as (
    select p.* exclude (list, item), l.list, l.cause
    from pivoted as p
    cross join (values ('104', 'AAA'), ('101', '1000')) as l(list, cause)
    where p.item = 'all'
),

listed as (
    select p.* exclude (list, item), p.list,
           case when p.list = '101' then i.who_mdb_list101_code else p.item end as cause
    from pivoted as p
    left join items as i on i.list1_item = p.item
    where p.item <> 'all'
    union all by name
    select * from totals
),

sexes as (
    select f.year, s.sex
    from (select distinct year from int_frame_areas) as f
    cross join (values ('1'), ('2')) as s(sex)
    union
    select distinct year, sex from classified
),

frame as (
    select s.year, '104' as list, 'AAA' as cause, s.sex from sexes as s
    union
    select s.year, '101', c.cause, s.sex
    from sexes as s
    cross join (select '1000' as cause union all select who_mdb_list101_code from items) as c
),

filled as (
    select year, list, cause, sex, coalesce(columns(* exclude (year, list, cause, sex)), 0)
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join listed as l using (year, list, cause, sex)
),

final as (
    select
        year, list, cause, sex, '01' as frmat, '01' as im_frmat,
        deaths1::bigint as deaths1, deaths2::bigint as deaths2, deaths3::bigint as deaths3,
        deaths4::bigint as deaths4, deaths5::bigint as deaths5, deaths6::bigint as deaths6,
        deaths7::bigint as deaths7, deaths8::bigint as deaths8, deaths9::bigint as deaths9,
        deaths10::bigint as deaths10, deaths11::bigint as deaths11, deaths12::bigint as deaths12,
        deaths13::bigint as deaths13, deaths14::bigint as deaths14, deaths15::bigint as deaths15,
        deaths16::bigint as deaths16, deaths17::bigint as deaths17, deaths18::bigint as deaths18,
        deaths19::bigint as deaths19, deaths20::bigint as deaths20, deaths21::bigint as deaths21,
        deaths22::bigint as deaths22, deaths23::bigint as deaths23,
        -- Frmat 01 has no 24th or 25th group
        null::bigint as deaths24, null::bigint as deaths25,
        deaths26::bigint as deaths26,
        im_deaths1::bigint as im_deaths1, im_deaths2::bigint as im_deaths2,
        im_deaths3::bigint as im_deaths3, im_deaths4::bigint as im_deaths4
    from filled
)

select * from final
