-- ref_icd10_unlikely_ucod: conditions unlikely to cause death (WHO ICD-10 Volume 2, 2019), from refdata
-- icd10/cod_icd10_unlikely_underlying_causes.csv. One row per code or range: published unions such as
-- 'F50.1,F50.3-F50.9' become one row per part. code_from and code_to have no dots; a code c (no dot) falls in
-- a row when c >= code_from and left(c, length(code_to)) <= code_to.
-- Needs: set variable ref_icd10_unlikely_ucod_path = '<path of the CSV>';
create or replace table ref_icd10_unlikely_ucod as
with source as (
    select *
    from read_csv(
        getvariable('ref_icd10_unlikely_ucod_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'code_or_range': 'varchar',
            'title': 'varchar'
        }
    )
),

parts as (
    select
        code_or_range,
        title,
        trim(unnest(string_split(code_or_range, ','))) as part
    from source
),

final as (
    select
        code_or_range,
        title,
        part,
        replace(trim(split_part(part, '-', 1)), '.', '') as code_from,
        replace(trim(coalesce(nullif(split_part(part, '-', 2), ''), split_part(part, '-', 1))), '.', '') as code_to
    from parts
    where part <> ''
)

select * from final order by code_from;
