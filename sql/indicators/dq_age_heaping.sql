-- Age heaping in deaths' ages and mothers' ages at birth, by year of
-- occurrence, area (usual residence) and, for deaths, sex: Whipple's index
-- (ages 23-62, terminal digits 0 and 5) and Myers' blended index (ages
-- 10-89). Counts by terminal digit first, so the indices read a small table.
-- Every cell of the frame (the years and areas of int_frame_areas, every sex
-- and index) has a row, with no index and a denominator 0 where no age falls
-- in its range. Deaths of sex not stated count in 'T', of residence not
-- stated in 'KH'.
with ages as (
    select 'deceased_age' as subject, year, province_code, district_code, sex, age_years as age
    from int_deaths_current
    where age_years is not null
    union all
    select 'mother_age', year, province_code, district_code, 'T', mother_age
    from int_births_current
    where mother_age is not null
),

-- one pass over the events, to terminal digits at once: Myers' blended
-- sums and Whipple's counts depend on the age only through its weight, its
-- range and its digit
digits as (
    select subject, year, province_code, district_code, sex, age % 10 as digit,
           sum(myers_weight(age, 10, 89))::bigint as blended,
           count(*) filter (where age between 10 and 89) as myers_records,
           count(*) filter (where age between 23 and 62) as whipple_records
    from ages
    group by all
),

cell_digits as (
    select
        subject,
        year,
        case when grouping(province_code) = 1 then 'KH'
             when grouping(district_code) = 1 then province_code
             else district_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        grouping(sex) as all_sexes,
        digit,
        sum(blended)::bigint as blended,
        sum(myers_records)::bigint as myers_records,
        sum(whipple_records)::bigint as whipple_records
    from digits
    group by grouping sets (
        (subject, year, sex, digit), (subject, year, digit),
        (subject, year, sex, province_code, digit), (subject, year, province_code, digit),
        (subject, year, sex, province_code, district_code, digit), (subject, year, province_code, district_code, digit))
),

cells as (
    select
        subject, year, area_code, sex, all_sexes,
        sum(whipple_records) as whipple_records,
        sum(whipple_records) filter (where digit in (0, 5)) as whipple_heaped,
        -- whipple_records already holds ages 23-62 only, and an age ends in
        -- 0 or 5 when its digit does: the digit stands for the age here
        whipple_index(digit, whipple_records, 0, 9) as whipple,
        sum(myers_records) as myers_records,
        myers_from_blended(list(blended) filter (where myers_records > 0)) as myers
    from cell_digits
    group by subject, year, area_code, sex, all_sexes
),

kept as (
    -- mothers have no sex column of their own: keep their all-sexes rows only;
    -- deaths of sex not stated ('U') count in 'T' only
    select * from cells
    where area_code is not null and (subject = 'deceased_age' or all_sexes = 1) and sex <> 'U'
),

indices as (
    select subject, year, area_code, sex, 'whipple' as index, 23 as age_min, 62 as age_max,
           coalesce(whipple_heaped, 0) as numerator, whipple_records as denominator, whipple as value,
           500 * wilson_low(coalesce(whipple_heaped, 0), whipple_records) as ci_low,
           500 * wilson_high(coalesce(whipple_heaped, 0), whipple_records) as ci_high,
           case when whipple is null then null
                when whipple < 105 then 'highly_accurate'
                when whipple < 110 then 'fairly_accurate'
                when whipple < 125 then 'approximate'
                when whipple < 175 then 'rough'
                else 'very_rough' end as category
    from kept
    where whipple_records > 0
    union all
    select subject, year, area_code, sex, 'myers', 10, 89,
           null, myers_records, myers, null, null, null
    from kept
    where myers_records > 0 and myers is not null
),

frame as (
    select s.subject, f.year, f.area_code, s.sex, i.index, i.age_min, i.age_max
    from int_frame_areas as f
    cross join (values ('deceased_age', 'M'), ('deceased_age', 'F'), ('deceased_age', 'T'), ('mother_age', 'T'))
        as s(subject, sex)
    cross join (values ('whipple', 23, 62), ('myers', 10, 89)) as i(index, age_min, age_max)
),

final as (
    select subject, year, area_code, sex, index, coalesce(frame.age_min, i.age_min) as age_min, coalesce(frame.age_max, i.age_max) as age_max,
           case when index = 'whipple' then coalesce(i.numerator, 0) end as numerator,
           coalesce(i.denominator, 0) as denominator,
           i.value, i.ci_low, i.ci_high, i.category,
           small_flags(coalesce(i.denominator, 0)) as flags
    -- every cell of the frame, and the cells outside it that have ages
    from frame
    full join indices as i using (subject, year, area_code, sex, index)
)

select * from final
