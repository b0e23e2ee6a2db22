-- Researcher extract of causes of death: one row per death counted by the
-- warehouse (int_deaths_current, with its cause classified in
-- int_deaths_cod), de-identified as sql/research/death_causes.toml
-- documents: the cause by age, sex, province and year, with no month and no
-- district (those are in sql/research/deaths.sql, which has no cause). No
-- identifier, link key, commune, date or registration detail leaves here.
-- Quasi-identifiers: year, province_code, sex, age_group, infant_age_days,
-- cause3, list1_item, chapter. Rare combinations (fewer than
-- getvariable('extract_k') records) are generalised in whole cells, step by
-- step: cause3 -> NULL (List 1 item kept); age group -> broad group; the
-- List 1 item and the infant's age in days -> NULL (chapter kept); province
-- -> NULL; chapter -> NULL. Each step only touches cells still rare.
with deaths as (
    select * from int_deaths_current
),

causes as (
    select event_id, cause3, list1_item, chapter from int_deaths_cod
),

coarsened as (
    select
        d.year,
        d.province_code,
        d.sex,
        d.age_group,
        case
            when not coalesce(d.infant, false) or d.age_days is null then null
            when d.age_days < 7 then '0-6'
            when d.age_days < 28 then '7-27'
            else '28-364'
        end as infant_age_days,
        d.certification,
        d.manner,
        d.pregnancy_status,
        c.cause3,
        c.list1_item,
        c.chapter
    from deaths as d
    left join causes as c on c.event_id = d.event_id
),

-- step 1: the ICD-10 category -> NULL (List 1 item kept) in rare cells
step_cause as (
    select
        * exclude (rare) replace (case when rare then null else cause3 end as cause3),
        case when rare then 'cause' else 'none' end as generalised
    from (
        select *, count(*) over (partition by year, province_code, sex, age_group, infant_age_days, cause3, list1_item, chapter)
                  < getvariable('extract_k') as rare
        from coarsened
    )
),

-- step 2: the age group -> a broad group in cells still rare
step_age as (
    select
        * exclude (rare) replace (case when not rare then age_group
                                       when age_group in ('0', '1-4') then age_group
                                       when age_group in ('5-9', '10-14') then '5-14'
                                       when age_group in ('15-19', '20-24', '25-29', '30-34', '35-39', '40-44') then '15-44'
                                       when age_group in ('45-49', '50-54', '55-59', '60-64') then '45-64'
                                       when age_group is not null then '65+' end as age_group,
                                  case when rare then 'age' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, province_code, sex, age_group, infant_age_days, cause3, list1_item, chapter)
                  < getvariable('extract_k') as rare
        from step_cause
    )
),

-- step 3: the List 1 item and the infant's age in days -> NULL (chapter kept) in cells still rare
step_list1 as (
    select
        * exclude (rare) replace (case when rare then null else list1_item end as list1_item,
                                  case when rare then null else infant_age_days end as infant_age_days,
                                  case when rare then 'list1' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, province_code, sex, age_group, infant_age_days, cause3, list1_item, chapter)
                  < getvariable('extract_k') as rare
        from step_age
    )
),

-- step 4: the province -> NULL (the nation) in cells still rare
step_province as (
    select
        * exclude (rare) replace (case when rare then null else province_code end as province_code,
                                  case when rare then 'province' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, province_code, sex, age_group, infant_age_days, cause3, list1_item, chapter)
                  < getvariable('extract_k') as rare
        from step_list1
    )
),

-- step 5: the chapter -> NULL in cells still rare
step_chapter as (
    select
        * exclude (rare) replace (case when rare then null else chapter end as chapter,
                                  case when rare then 'chapter' else generalised end as generalised)
    from (
        select *, count(*) over (partition by year, province_code, sex, age_group, infant_age_days, cause3, list1_item, chapter)
                  < getvariable('extract_k') as rare
        from step_province
    )
),

final as (
    select
        year, province_code, sex, age_group, infant_age_days, certification, manner, pregnancy_status,
        cause3, list1_item, chapter, generalised
    from step_chapter
)

select * from final
