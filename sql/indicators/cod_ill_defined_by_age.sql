-- The ill-defined share of deaths with a reported ICD-10 underlying cause, by year of death,
-- place of usual residence (the nation and provinces), sex and abridged age group ('all' for every
-- age, 'unknown' for deaths of unknown age). Ill-defined is R00-R99 or the WHO CoDEdit
-- ill-defined rule (see int_cod_icd10); deaths with no usable code are outside the denominator and
-- are counted by cod_quality (missing_cause).
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

final as (
    select
        year,
        area_code,
        sex,
        age_group,
        ill_defined as numerator,
        reported as denominator,
        ill_defined / reported as value,
        wilson_low(ill_defined, reported) as ci_low,
        wilson_high(ill_defined, reported) as ci_high,
        small_flags(ill_defined) as flags
    from counts
)

select * from final
