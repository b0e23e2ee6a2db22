-- Researcher extract of fetal deaths: one row per fetal death counted by the
-- warehouse (int_fetal_deaths_current), de-identified as
-- sql/research/fetal_deaths.toml documents. No identifier, hash, commune or
-- full date leaves here.
-- Quasi-identifiers: year, event_month, province_code, district_code, sex,
-- mother_age_group, cause3, chapter. Rare combinations (fewer than
-- getvariable('extract_k') records) are generalised in whole cells, step by
-- step: month -> NULL; district -> NULL (province kept); cause3 -> NULL
-- (chapter kept); mother's age group -> broad group. Each step only touches
-- cells still rare, so a cell of k or more is never split.
with fetal as (
    select * from int_fetal_deaths_current
),

codes as (
    select code, chapter from int_cod_icd10
),

coarsened as (
    select
        f.year,
        month(f.date_of_delivery)::integer as event_month,
        f.province_code,
        f.district_code,
        f.sex,
        case
            when f.mother_age is null then null
            when f.mother_age < 15 then '<15'
            when f.mother_age >= 50 then '50+'
            else ((f.mother_age // 5) * 5)::varchar || '-' || ((f.mother_age // 5) * 5 + 4)::varchar
        end as mother_age_group,
        case
            when f.date_of_delivery is null or f.registration_date is null then null
            when datediff('day', f.date_of_delivery, f.registration_date) < 15 then '0-14d'
            when datediff('day', f.date_of_delivery, f.registration_date) < 30 then '15-29d'
            when datediff('day', f.date_of_delivery, f.registration_date) < 90 then '30-89d'
            when datediff('day', f.date_of_delivery, f.registration_date) < 365 then '90-364d'
            when datediff('day', f.date_of_delivery, f.registration_date) < 5 * 365 then '1-4y'
            else '5y+'
        end as registration_delay,
        f.provenance,
        f.facility_type,
        -- as the births extract: the lower bound of the 100 g band, 900 = under 1,000 g
        case when f.birth_weight_g is null then null
             else least(greatest((f.birth_weight_g // 100) * 100, 900), 5000) end::integer as birth_weight_g,
        -- as the births extract: 27 = under 28 weeks (tab_fetal_deaths' '<28'), 43 = 43 or more
        case when f.gestation_weeks is null then null
             else least(greatest(f.gestation_weeks, 27), 43) end::integer as gestation_weeks,
        -- the fourth character is left out, as in the deaths extract
        left(c.code, 3) as cause3,
        c.chapter
    from fetal as f
    left join codes as c on c.code = upper(replace(trim(f.cause), '.', ''))
),

-- step 1: month -> NULL in rare cells
step_month as (
    select
        * exclude (rare) replace (case when rare then null else event_month end as event_month),
        case when rare then 'month' else 'none' end as generalised
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex,
                                              mother_age_group, cause3, chapter)
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
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex,
                                              mother_age_group, cause3, chapter)
                  < getvariable('extract_k') as rare
        from step_month
    )
),

-- step 3: the ICD-10 category -> NULL (chapter kept) in cells still rare
step_cause as (
    select
        * exclude (rare) replace (case when rare then null else cause3 end as cause3,
                                  case when rare then 'cause' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex,
                                              mother_age_group, cause3, chapter)
                  < getvariable('extract_k') as rare
        from step_district
    )
),

-- step 4: mother's age group -> broad group (<20, 20-34, 35+) in cells still rare
step_age as (
    select
        * exclude (rare) replace (
            case when not rare or mother_age_group is null then mother_age_group
                 when mother_age_group in ('<15', '15-19') then '<20'
                 when mother_age_group in ('20-24', '25-29', '30-34') then '20-34'
                 else '35+' end as mother_age_group,
            case when rare then 'age' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex,
                                              mother_age_group, cause3, chapter)
                  < getvariable('extract_k') as rare
        from step_cause
    )
),

-- step 5: the chapter -> NULL and the province -> NULL (the nation) in cells still rare
step_province as (
    select
        * exclude (rare) replace (case when rare then null else chapter end as chapter,
                                  case when rare then null else province_code end as province_code,
                                  case when rare then 'province' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex,
                                              mother_age_group, cause3, chapter)
                  < getvariable('extract_k') as rare
        from step_age
    )
),

final as (
    select
        year, event_month, province_code, district_code, sex, mother_age_group, registration_delay, provenance,
        facility_type, birth_weight_g, gestation_weeks, cause3, chapter, generalised
    from step_province
)

select * from final
