-- The ill-defined share of deaths with a reported ICD-10 underlying cause, by year of death,
-- place of usual residence (the nation and provinces), sex and abridged age group ('all' for every
-- age, 'unknown' for deaths of unknown age). Ill-defined is R00-R99 or the WHO CoDEdit
-- ill-defined rule (see int_cod_icd10); deaths with no usable code are outside the denominator and
-- are counted by cod_quality (missing_cause). A death of sex not stated counts in 'T' only, one whose
-- residence is not stated in 'KH' only. Every cell of the frame (the years, nation and provinces of
-- int_frame_areas x M, F, T x every age group) has a row, 0 of 0 where no death had a reported cause.
with deaths as (
    select year, province_code, sex, coalesce(age_group, 'unknown') as age_group, ill_defined
    from int_deaths_cod
    where cause_reported
),

cells as (
    select year, province_code, sex, age_group, count(*) filter (where ill_defined) as ill_defined, count(*) as reported
    from deaths
    group by all
),

counts as (
    select
        year,
        case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        case when grouping(age_group) = 1 then 'all' else age_group end as age_group,
        sum(ill_defined)::bigint as ill_defined,
        sum(reported)::bigint as reported
    from cells
    group by year, cube (province_code, sex, age_group)
    having (grouping(province_code) = 1 or province_code is not null)
       and (grouping(sex) = 1 or sex in ('M', 'F'))
),

frame as (
    select f.year, f.area_code, s.sex, g.age_group
    from int_frame_areas as f
    cross join (values ('M'), ('F'), ('T')) as s(sex)
    cross join (values ('0'), ('1-4'), ('5-9'), ('10-14'), ('15-19'), ('20-24'), ('25-29'), ('30-34'), ('35-39'),
                       ('40-44'), ('45-49'), ('50-54'), ('55-59'), ('60-64'), ('65-69'), ('70-74'), ('75-79'),
                       ('80-84'), ('85+'), ('unknown'), ('all')) as g(age_group)
    where f.level <> 'district'
),

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        coalesce(c.ill_defined, 0) as numerator,
        coalesce(c.reported, 0) as denominator,
        c.ill_defined / c.reported as value,
        wilson_low(c.ill_defined, c.reported) as ci_low,
        wilson_high(c.ill_defined, c.reported) as ci_high,
        small_flags(coalesce(c.ill_defined, 0)) as flags
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join counts as c using (year, area_code, sex, age_group)
)

select * from final
