-- materialize: table
-- Every ICD-10 code of the reference list (3 and 4 characters) classified once for
-- cause-of-death statistics, so that deaths join it by code instead of testing ranges
-- row by row. One row per code.
--
-- list1_item (WHO Mortality Tabulation List 1, a leaf 1-002 ... 1-103) comes from, in order:
--   'code'     the code's own list-1 column in ref_icd10_codes;
--   'category' the column of its 3-character category, where the 4-character code is blank
--              (e.g. B20.0, C80.9, O80.0 are blank in the DIMDI metadata, their categories are not);
--   'range'    the published ranges of the List 1 leaves in ref_who_list1 (A09, A09.9 and chapter XX
--              V01-Y89, which the metadata leaves blank).
-- A code with no item by any route (Z codes, U codes, Y90-Y98, asterisk, chapter XIX and 'UNDEF'
-- codes) is not a valid underlying cause: List 1 covers every valid underlying cause (A00-Y89).
-- not_ucod_reason says why, in the order asterisk, injury_nature (chapter XIX S/T), undef (the code's
-- list-1 column, or its blank column's category, is 'UNDEF': Z codes, B95-B98 ...), no_list1_item.
-- The first three are the ETL's own rule (canon flag not_underlying_cause); no_list1_item is ours.
-- ill_defined is R00-R99 (List 1 item 1-094) or the WHO CoDEdit ill-defined rule (ref_ill_defined);
-- unlikely_ucod is the ICD-10 Volume 2 list of conditions unlikely to cause death; sex_limited is the
-- Volume 2 list of sex-limited codes, a listed category limiting its subcodes and a category whose
-- every subcode is limited to one sex being limited too (C53 for a man).
with codes as (
    select code, code_dotted, level, chapter, asterisk_code, is_terminal, mortality_list1
    from ref_icd10_codes
),

list1 as (
    select list1_item, title, icd10_ranges from ref_who_list1 where is_leaf
),

ill_defined as (
    select code_from, code_to from ref_ill_defined
),

unlikely as (
    select code_from, code_to from ref_icd10_unlikely_ucod
),

sex_limited as (
    select code, allowed_sex from ref_icd10_sex_limited
),

-- the published ranges of each List 1 leaf, one row per part ('A90-A94, A96-A99' gives two)
list1_ranges as (
    select
        list1_item,
        replace(trim(split_part(part, '-', 1)), '.', '') as code_from,
        replace(trim(coalesce(nullif(split_part(part, '-', 2), ''), split_part(part, '-', 1))), '.', '') as code_to
    from (
        select list1_item, trim(unnest(string_split(icd10_ranges, ','))) as part
        from list1
    )
    where part <> ''
),

-- every range once per initial letter it spans, so that codes join it by letter (a hash join)
-- and only then by the range test
range_letters as (
    select 'list1' as list, list1_item as item, code_from, code_to from list1_ranges
    union all
    select 'ill_defined', null, code_from, code_to from ill_defined
    union all
    select 'unlikely', null, code_from, code_to from unlikely
),

lettered as (
    select
        list, item, code_from, code_to,
        chr(unnest(generate_series(ascii(left(code_from, 1)), ascii(left(code_to, 1))))::integer) as letter
    from range_letters
),

in_ranges as (
    select c.code, r.list, min(r.item) as item
    from codes as c
    join lettered as r
        on left(c.code, 1) = r.letter
        and c.code >= r.code_from and left(c.code, length(r.code_to)) <= r.code_to
    group by c.code, r.list
),

by_range as (
    select code, item as list1_item from in_ranges where list = 'list1'
),

categories as (
    select code, mortality_list1 from codes where level = 3
),

ill as (
    select code from in_ranges where list = 'ill_defined'
),

unlikely_codes as (
    select code from in_ranges where list = 'unlikely'
),

-- a listed code, or a subcode of a listed category
sex_direct as (
    select code, min(allowed_sex) as allowed_sex
    from (
        select c.code, s.allowed_sex
        from codes as c
        join sex_limited as s on c.code = s.code
        union all
        select c.code, s.allowed_sex
        from codes as c
        join sex_limited as s on left(c.code, 3) = s.code and c.level = 4
    )
    group by code
),

-- a category all of whose subcodes are limited to the same sex
sex_categories as (
    select left(c.code, 3) as code, min(d.allowed_sex) as allowed_sex
    from codes as c
    left join sex_direct as d using (code)
    where c.level = 4
    group by left(c.code, 3)
    having count(*) = count(d.allowed_sex) and min(d.allowed_sex) = max(d.allowed_sex)
),

classified as (
    select
        c.code,
        c.code_dotted,
        c.level,
        c.chapter,
        c.asterisk_code,
        c.is_terminal,
        nullif(c.mortality_list1, '') as own_list1,
        coalesce(nullif(c.mortality_list1, ''), nullif(cat.mortality_list1, '')) as metadata_list1,
        r.list1_item as range_list1,
        left(c.code, 1) = 'R' as in_r00_r99,
        i.code is not null as in_ill_defined_rule,
        u.code is not null as unlikely_ucod,
        coalesce(d.allowed_sex, sc.allowed_sex) as sex_limited
    from codes as c
    left join categories as cat on cat.code = left(c.code, 3)
    left join by_range as r on r.code = c.code
    left join ill as i on i.code = c.code
    left join unlikely_codes as u on u.code = c.code
    left join sex_direct as d on d.code = c.code
    left join sex_categories as sc on sc.code = c.code
),

reasoned as (
    select
        *,
        case
            when asterisk_code then 'asterisk'
            when chapter = '19' then 'injury_nature'
            when metadata_list1 = 'UNDEF' then 'undef'
            when coalesce(metadata_list1, range_list1) is null then 'no_list1_item'
        end as not_ucod_reason
    from classified
),

final as (
    select
        code,
        code_dotted,
        left(code, 3) as code3,
        level,
        chapter,
        asterisk_code,
        is_terminal,
        case when not_ucod_reason is null then coalesce(metadata_list1, range_list1) end as list1_item,
        case
            when not_ucod_reason is not null then null
            when own_list1 is not null then 'code'
            when metadata_list1 is not null then 'category'
            else 'range'
        end as list1_source,
        not_ucod_reason is not null as not_ucod,
        not_ucod_reason,
        in_r00_r99,
        in_r00_r99 or in_ill_defined_rule as ill_defined,
        unlikely_ucod,
        sex_limited
    from reasoned
)

select * from final
