-- ref_icd10_sex_limited: ICD-10 codes limited to one sex (WHO ICD-10 Volume 2, 2019, as parsed by codeditr), from
-- refdata icd10/cod_icd10_sex_limited_codes.csv. One row per code; allowed_sex is 'male' or 'female'.
-- Needs: set variable ref_icd10_sex_limited_path = '<path of the CSV>';
create or replace table ref_icd10_sex_limited as
with source as (
    select *
    from read_csv(
        getvariable('ref_icd10_sex_limited_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'code': 'varchar',
            'allowed_sex': 'varchar'
        }
    )
),

final as (
    select
        replace(code, '.', '') as code,
        code as code_dotted,
        allowed_sex
    from source
)

select * from final order by code;
