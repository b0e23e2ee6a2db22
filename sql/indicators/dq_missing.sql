-- The unknown or missing share of each key field of current births and
-- deaths, by the province of the registration office (who recorded them)
-- and the month of registration. Counted in one pass per event type with
-- one filtered count per field, then unpivoted (the aggregate is small).
-- Every cell of the frame (the nation and provinces of int_frame_areas, every
-- month of their years up to the as-of date, every field) has a row, 0 of 0
-- where nothing was registered.
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

cells as (
    -- the national rows are those without a province (grouping set (month))
    select event_type, coalesce(office_province, 'KH') as area_code, month, field, missing, records
    from long
),

fields as (
    select * from (values ('birth', 'sex'), ('birth', 'mother_age'), ('birth', 'birth_weight_g'),
                          ('birth', 'gestation_weeks'), ('birth', 'attendant'), ('birth', 'facility_type'),
                          ('birth', 'residence'), ('death', 'age'), ('death', 'sex'), ('death', 'underlying_cause'),
                          ('death', 'certification'), ('death', 'manner'), ('death', 'residence')) as f(event_type, field)
),

frame as (
    select f.event_type, a.area_code, make_date(a.year, m.range::integer, 1) as month, f.field
    from int_frame_areas as a
    cross join range(1, 13) as m
    cross join fields as f
    where a.level <> 'district' and make_date(a.year, m.range::integer, 1) <= getvariable('as_of')::date
),

final as (
    select
        event_type,
        area_code,
        month,
        field,
        coalesce(c.missing, 0) as numerator,
        coalesce(c.records, 0) as denominator,
        c.missing / c.records as value,
        wilson_low(c.missing, c.records) as ci_low,
        wilson_high(c.missing, c.records) as ci_high,
        small_flags(coalesce(c.records, 0)) as flags
    -- every cell of the frame, and the cells outside it that have records
    from frame
    full join cells as c using (event_type, area_code, month, field)
)

select * from final
