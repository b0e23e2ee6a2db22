-- Researcher extract of live births: one row per live birth counted by the
-- warehouse (int_births_current), de-identified as sql/research/births.toml
-- documents. No identifier, link key, commune or full date leaves here.
-- Quasi-identifiers: year, event_month, district_code, sex, mother_age_group.
-- Rare combinations (fewer than getvariable('extract_k') records) are
-- generalised in whole cells, step by step: month -> NULL, then district ->
-- NULL (province kept), then mother's age group -> broad group. Each step
-- only touches cells still rare, so a cell of k or more is never split.
with births as (
    select * from int_births_current
),

coarsened as (
    select
        year,
        month(date_of_birth)::integer as event_month,
        province_code,
        district_code,
        sex,
        case
            when mother_age is null then null
            when mother_age < 15 then '<15'
            when mother_age >= 50 then '50+'
            else ((mother_age // 5) * 5)::varchar || '-' || ((mother_age // 5) * 5 + 4)::varchar
        end as mother_age_group,
        case
            when date_of_birth is null or registration_date is null then null
            when datediff('day', date_of_birth, registration_date) < 15 then '0-14d'
            when datediff('day', date_of_birth, registration_date) < 30 then '15-29d'
            when datediff('day', date_of_birth, registration_date) < 90 then '30-89d'
            when datediff('day', date_of_birth, registration_date) < 365 then '90-364d'
            when datediff('day', date_of_birth, registration_date) < 5 * 365 then '1-4y'
            else '5y+'
        end as registration_delay,
        provenance,
        facility_type,
        attendant,
        least(birth_order, 7)::integer as birth_order,
        least(plurality, 3)::integer as plurality,
        -- the lower bound of the 100 g band keeps "under 2,500 g" exact
        case when birth_weight_g is null then null
             else least(greatest((birth_weight_g // 100) * 100, 900), 5000) end::integer as birth_weight_g,
        case when gestation_weeks is null then null
             else least(greatest(gestation_weeks, 27), 43) end::integer as gestation_weeks
    from births
),

-- step 1: month -> NULL in rare cells
step_month as (
    select
        * exclude (rare) replace (case when rare then null else event_month end as event_month),
        case when rare then 'month' else 'none' end as generalised
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, mother_age_group)
                  < getvariable('extract_k') as rare
        from coarsened
    )
),

-- step 2: district -> NULL (province kept) in cells still rare
step_district as (
    select
        * exclude (rare) replace (case when rare then null else district_code end as district_code,
                                  case when rare then 'district' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, mother_age_group)
                  < getvariable('extract_k') as rare
        from step_month
    )
),

-- step 3: mother's age group -> broad group (<20, 20-34, 35+) in cells still rare
step_age as (
    select
        * exclude (rare) replace (
            case when not rare or mother_age_group is null then mother_age_group
                 when mother_age_group in ('<15', '15-19') then '<20'
                 when mother_age_group in ('20-24', '25-29', '30-34') then '20-34'
                 else '35+' end as mother_age_group,
            case when rare then 'age' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, mother_age_group)
                  < getvariable('extract_k') as rare
        from step_district
    )
),

final as (
    select
        year, event_month, province_code, district_code, sex, mother_age_group, registration_delay, provenance,
        facility_type, attendant, birth_order, plurality, birth_weight_g, gestation_weeks, generalised
    from step_age
)

select * from final
