-- Researcher extract of marriages: one row per marriage counted by the
-- warehouse (int_marriages_current), de-identified as
-- sql/research/marriages.toml documents. No identifier, hash, commune or
-- full date leaves here.
-- Quasi-identifiers: year, event_month, the bride's and the groom's province
-- and district, the bride's and the groom's age group. Rare combinations
-- (fewer than getvariable('extract_k') records) are generalised in whole
-- cells, step by step: month -> NULL; the groom's district -> NULL (his
-- province kept); the bride's district -> NULL (her province kept); both age
-- groups -> broad groups. Each step only touches cells still rare, so a cell
-- of k or more is never split.
with marriages as (
    select * from int_marriages_current
),

coarsened as (
    select
        year,
        month(date_of_marriage)::integer as event_month,
        bride_residence_province as bride_province_code,
        bride_residence_district as bride_district_code,
        -- the groups of tab_marriages
        case
            when bride_age is null then null
            when bride_age < 15 then '<15'
            when bride_age >= 50 then '50+'
            when bride_age >= 40 then '40-49'
            else ((bride_age // 5) * 5)::varchar || '-' || ((bride_age // 5) * 5 + 4)::varchar
        end as bride_age_group,
        bride_prev_status,
        groom_residence_province as groom_province_code,
        groom_residence_district as groom_district_code,
        case
            when groom_age is null then null
            when groom_age < 15 then '<15'
            when groom_age >= 50 then '50+'
            when groom_age >= 40 then '40-49'
            else ((groom_age // 5) * 5)::varchar || '-' || ((groom_age // 5) * 5 + 4)::varchar
        end as groom_age_group,
        groom_prev_status,
        case
            when date_of_marriage is null or registration_date is null then null
            when datediff('day', date_of_marriage, registration_date) < 15 then '0-14d'
            when datediff('day', date_of_marriage, registration_date) < 30 then '15-29d'
            when datediff('day', date_of_marriage, registration_date) < 90 then '30-89d'
            when datediff('day', date_of_marriage, registration_date) < 365 then '90-364d'
            when datediff('day', date_of_marriage, registration_date) < 5 * 365 then '1-4y'
            else '5y+'
        end as registration_delay,
        provenance
    from marriages
),

-- step 1: month -> NULL in rare cells
step_month as (
    select
        * exclude (rare) replace (case when rare then null else event_month end as event_month),
        case when rare then 'month' else 'none' end as generalised
    from (
        select *, count(*) over (partition by year, event_month, bride_province_code, bride_district_code,
                                              bride_age_group, groom_province_code, groom_district_code, groom_age_group)
                  < getvariable('extract_k') as rare
        from coarsened
    )
),

-- step 2: the groom's district -> NULL (his province kept) in cells still rare
step_groom_district as (
    select
        * exclude (rare) replace (case when rare then null else groom_district_code end as groom_district_code,
                                  case when rare then 'groom_district' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, bride_province_code, bride_district_code,
                                              bride_age_group, groom_province_code, groom_district_code, groom_age_group)
                  < getvariable('extract_k') as rare
        from step_month
    )
),

-- step 3: the bride's district -> NULL (her province kept) in cells still rare
step_district as (
    select
        * exclude (rare) replace (case when rare then null else bride_district_code end as bride_district_code,
                                  case when rare then 'district' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, bride_province_code, bride_district_code,
                                              bride_age_group, groom_province_code, groom_district_code, groom_age_group)
                  < getvariable('extract_k') as rare
        from step_groom_district
    )
),

-- step 4: both age groups -> broad groups (<20, 20-34, 35+) in cells still rare
step_age as (
    select
        * exclude (rare) replace (
            case when not rare or bride_age_group is null then bride_age_group
                 when bride_age_group in ('<15', '15-19') then '<20'
                 when bride_age_group in ('20-24', '25-29', '30-34') then '20-34'
                 else '35+' end as bride_age_group,
            case when not rare or groom_age_group is null then groom_age_group
                 when groom_age_group in ('<15', '15-19') then '<20'
                 when groom_age_group in ('20-24', '25-29', '30-34') then '20-34'
                 else '35+' end as groom_age_group,
            case when rare then 'age' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, event_month, bride_province_code, bride_district_code,
                                              bride_age_group, groom_province_code, groom_district_code, groom_age_group)
                  < getvariable('extract_k') as rare
        from step_district
    )
),

final as (
    select
        year, event_month, bride_province_code, bride_district_code, bride_age_group, bride_prev_status,
        groom_province_code, groom_district_code, groom_age_group, groom_prev_status, registration_delay,
        provenance, generalised
    from step_age
)

select * from final
