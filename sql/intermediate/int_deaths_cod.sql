-- Each current death (int_deaths_current) with its underlying cause classified for cause-of-death
-- statistics. One row per death.
--
-- The cause is normalised ('i21.9', 'I21.9', 'I219' -> cause_code 'I219', cause3 'I21', cause4 'I219')
-- and looked up in int_cod_icd10. cause_status says what the death carries:
--   'coded'            an ICD-10 code of the reference list (valid as underlying cause or not);
--   'not_ucod_dropped' the ETL dropped a code WHO excludes as underlying cause (canon flag
--                      not_underlying_cause): a cause was reported but it is not usable;
--   'bad_icd10_format' no ICD-10 code in any accepted spelling (canon flag, or seen here);
--   'unknown_icd10'    a well-formed code not in the list (canon flag, or seen here);
--   'not_recorded'     no underlying cause at all.
-- The canon flags bad_icd10_format and unknown_icd10 are set by any line of the certificate, so a
-- death with a NULL underlying cause and one of them is read as "its underlying cause was that bad
-- code"; not_underlying_cause is set by the underlying cause only.
-- unusable ("garbage") = ill-defined, or not a valid underlying cause (asterisk, chapter XIX S/T,
-- List 1 'UNDEF', no List 1 item, or dropped by the ETL for that reason), or unlikely to cause death.
-- list1_item is the List 1 leaf, or 'not_ucod' (a reported code that is not a valid underlying
-- cause) or 'missing' (no usable code: bad format, unknown, not recorded), so items add up to all
-- deaths.
-- A view, not a table: each indicator reads a few of its columns, and the hash join to the 12k codes
-- of int_cod_icd10 costs less than writing one row per death (measured on 1.4 M deaths).
with deaths as (
    select
        event_id, year, province_code, district_code, sex, age_group, underlying_cause, certification, flags
    from int_deaths_current
),

codes as (
    select * from int_cod_icd10
),

normalised as (
    select
        *,
        upper(replace(trim(underlying_cause), '.', '')) as cleaned
    from deaths
),

joined as (
    select
        p.*,
        c.code as cause_code,
        c.code_dotted as cause_dotted,
        c.chapter,
        c.list1_item as valid_list1_item,
        c.not_ucod,
        c.not_ucod_reason,
        c.in_r00_r99,
        c.ill_defined,
        c.unlikely_ucod,
        c.sex_limited,
        c.is_terminal
    from normalised as p
    left join codes as c on c.code = p.cleaned
),

statused as (
    select
        *,
        case
            when cause_code is not null then 'coded'
            -- the ETL lets only valid codes through; these two arise from other loaders of the lake
            when underlying_cause is not null and not regexp_full_match(cleaned, '[A-Z][0-9]{2}[0-9]?') then 'bad_icd10_format'
            when underlying_cause is not null then 'unknown_icd10'
            when list_contains(flags, 'not_underlying_cause') then 'not_ucod_dropped'
            when list_contains(flags, 'unknown_icd10') then 'unknown_icd10'
            when list_contains(flags, 'bad_icd10_format') then 'bad_icd10_format'
            else 'not_recorded'
        end as cause_status
    from joined
),

final as (
    select
        event_id,
        year,
        province_code,
        district_code,
        sex,
        age_group,
        certification,
        cause_code,
        cause_dotted,
        left(cause_code, 3) as cause3,
        case when length(cause_code) = 4 then cause_code end as cause4,
        cause_status,
        cause_status in ('coded', 'not_ucod_dropped') as cause_reported,
        cause_status in ('bad_icd10_format', 'unknown_icd10', 'not_recorded') as missing_cause,
        chapter,
        case
            when cause_status = 'coded' and valid_list1_item is not null then valid_list1_item
            when cause_status in ('coded', 'not_ucod_dropped') then 'not_ucod'
            else 'missing'
        end as list1_item,
        coalesce(not_ucod, cause_status = 'not_ucod_dropped') as not_ucod,
        case when cause_status = 'not_ucod_dropped' then 'dropped_by_etl' else not_ucod_reason end as not_ucod_reason,
        coalesce(in_r00_r99, false) as ill_defined_r00_r99,
        coalesce(ill_defined, false) as ill_defined,
        coalesce(unlikely_ucod, false) as unlikely_ucod,
        coalesce(ill_defined or not_ucod or unlikely_ucod, cause_status = 'not_ucod_dropped') as unusable,
        sex_limited,
        coalesce((sex = 'M' and sex_limited = 'female') or (sex = 'F' and sex_limited = 'male'), false) as sex_violation,
        not coalesce(is_terminal, true) as nonterminal
    from statused
)

select * from final
