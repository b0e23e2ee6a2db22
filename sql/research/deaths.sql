-- Researcher extract of deaths, time and place: one row per death counted by
-- the warehouse (int_deaths_current), de-identified as
-- sql/research/deaths.toml documents. No identifier, link key, commune, date
-- of birth or full date leaves here, and no cause: the causes are in
-- sql/research/death_causes.sql, a file of its own, so that neither file's
-- rare combinations are made of the other's details. The two files share no
-- column but the year, province, sex and age (group, days for infants).
-- Quasi-identifiers: year, event_month, province_code, district_code, sex,
-- age_group, infant_age_days. Rare combinations (fewer than
-- getvariable('extract_k') records) are generalised in whole cells, step by
-- step: age group -> broad group (infant age in days -> NULL); month ->
-- NULL; district -> NULL (province kept); province -> NULL. Each step only
-- touches cells still rare.
with deaths as (
    select * from int_deaths_current
),

coarsened as (
    select
        year,
        month(date_of_death)::integer as event_month,
        province_code,
        district_code,
        sex,
        age_group,
        case
            when not coalesce(infant, false) or age_days is null then null
            when age_days < 7 then '0-6'
            when age_days < 28 then '7-27'
            else '28-364'
        end as infant_age_days,
        case
            when lag_days is null then null
            when lag_days < 15 then '0-14d'
            when lag_days < 30 then '15-29d'
            when lag_days < 90 then '30-89d'
            when lag_days < 365 then '90-364d'
            when lag_days < 5 * 365 then '1-4y'
            else '5y+'
        end as registration_delay,
        provenance,
        facility_type,
        marital_status
    from deaths
),

-- step 1: the age group -> a broad group and the infant's age in days ->
-- NULL, in rare cells: a file of time and place keeps its month and
-- district before its five-year ages
step_age as (
    select
        * exclude (rare) replace (case when not rare then age_group
                                       when age_group in ('0', '1-4') then age_group
                                       when age_group in ('5-9', '10-14') then '5-14'
                                       when age_group in ('15-19', '20-24', '25-29', '30-34', '35-39', '40-44') then '15-44'
                                       when age_group in ('45-49', '50-54', '55-59', '60-64') then '45-64'
                                       when age_group is not null then '65+' end as age_group,
                                  case when rare then null else infant_age_days end as infant_age_days),
        case when rare then 'age' else 'none' end as generalised
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, age_group, infant_age_days)
                  < getvariable('extract_k') as rare
        from coarsened
    )
),

-- step 2: month -> NULL in cells still rare
step_month as (
    select
        * exclude (rare) replace (case when rare then null else event_month end as event_month,
                                  case when rare then 'month' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, age_group, infant_age_days)
                  < getvariable('extract_k') as rare
        from step_age
    )
),

-- step 3: district -> NULL (province kept) in cells still rare
step_district as (
    select
        * exclude (rare) replace (case when rare then null else district_code end as district_code,
                                  case when rare then 'district' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, age_group, infant_age_days)
                  < getvariable('extract_k') as rare
        from step_month
    )
),

-- step 4: the province -> NULL (the nation) in cells still rare
step_province as (
    select
        * exclude (rare) replace (case when rare then null else province_code end as province_code,
                                  case when rare then 'province' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, province_code, district_code, sex, age_group, infant_age_days)
                  < getvariable('extract_k') as rare
        from step_district
    )
),

final as (
    select
        year, event_month, province_code, district_code, sex, age_group, infant_age_days, registration_delay,
        provenance, facility_type, marital_status, generalised
    from step_province
)

select * from final
