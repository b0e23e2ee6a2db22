-- The unknown or missing share of each key field of current births and
-- deaths, by the province of the registration office (who recorded them)
-- and the month of registration. Counted in one pass per event type with
-- one filtered count per field, then unpivoted (the aggregate is small).
with communes as (
    select commune_code from ref_communes
),

births as (
    select
        'birth' as event_type,
        coalesce(left(b.registration_commune, 2), '??') as office_province,
        date_trunc('month', b.registration_date)::date as month,
        count(*) as records,
        count(*) filter (where b.sex is null or b.sex not in ('M', 'F')) as sex,
        count(*) filter (where b.mother_age is null) as mother_age,
        count(*) filter (where b.birth_weight_g is null) as birth_weight_g,
        count(*) filter (where b.gestation_weeks is null) as gestation_weeks,
        count(*) filter (where b.attendant is null) as attendant,
        count(*) filter (where b.facility_type is null) as facility_type,
        count(*) filter (where c.commune_code is null) as residence
    from int_births_current as b
    left join communes as c on c.commune_code = b.residence_commune
    group by grouping sets ((month), (office_province, month))
),

deaths as (
    select
        'death' as event_type,
        coalesce(left(d.registration_commune, 2), '??') as office_province,
        date_trunc('month', d.registration_date)::date as month,
        count(*) as records,
        count(*) filter (where d.age_years is null) as age,
        count(*) filter (where d.sex is null or d.sex not in ('M', 'F')) as sex,
        count(*) filter (where d.underlying_cause is null) as underlying_cause,
        count(*) filter (where d.certification is null) as certification,
        count(*) filter (where d.manner is null or d.manner = 'unknown') as manner,
        count(*) filter (where c.commune_code is null) as residence
    from int_deaths_current as d
    left join communes as c on c.commune_code = d.residence_commune
    group by grouping sets ((month), (office_province, month))
),

long as (
    select * from (
        unpivot births
        on sex, mother_age, birth_weight_g, gestation_weeks, attendant, facility_type, residence
        into name field value missing
    )
    union all by name
    select * from (
        unpivot deaths
        on age, sex, underlying_cause, certification, manner, residence
        into name field value missing
    )
),

final as (
    select
        event_type,
        -- the national rows are those without a province (grouping set (month))
        coalesce(office_province, 'KH') as area_code,
        month,
        field,
        missing as numerator,
        records as denominator,
        missing / records as value,
        wilson_low(missing, records) as ci_low,
        wilson_high(missing, records) as ci_high,
        small_flags(records) as flags
    from long
)

select * from final
