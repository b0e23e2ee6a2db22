-- ref_who_list1: the WHO ICD-10 Mortality Tabulation List 1 (WHO Mortality Database list 101), from refdata
-- icd10/cod_who_mortality_tabulation_list1.csv. One row per item: 1000 (all causes) and 1-001 … 1-103, with
-- parent item, leaf flag, title and the ICD-10 ranges as published (see note for known differences with
-- ref_icd10_codes: F01-F09 belong to 1-057, C86 to 1-043, O94 to 1-091).
-- Needs: set variable ref_who_list1_path = '<path of the CSV>';
create or replace table ref_who_list1 as
with source as (
    select *
    from read_csv(
        getvariable('ref_who_list1_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'who_mdb_list101_code': 'varchar',
            'list1_item': 'varchar',
            'parent_list1_item': 'varchar',
            'is_leaf': 'boolean',
            'title': 'varchar',
            'icd10_ranges': 'varchar',
            'note': 'varchar'
        }
    )
),

final as (
    select * from source
)

select * from final order by who_mdb_list101_code;
