-- ref_icd10_codes: every ICD-10 3- and 4-character code (WHO 2010-era edition, DIMDI metadata) with its
-- mortality tabulation lists, from refdata icd10/cod_icd10_code_to_tabulation_lists.csv. One row per code.
-- code has no dot ('A000'), code_dotted has ('A00.0'). mortality_list1 is 'UNDEF' for chapter XIX and asterisk
-- codes (never underlying causes) and null where the source has none (A09, A09.9; chapter XX: use ref_who_list1).
-- place 'T' marks terminal codes (used for coding).
-- Needs: set variable ref_icd10_codes_path = '<path of the CSV>';
create or replace table ref_icd10_codes as
with source as (
    select *
    from read_csv(
        getvariable('ref_icd10_codes_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'code': 'varchar',
            'code_dotted': 'varchar',
            'code_with_marks': 'varchar',
            'level': 'integer',
            'place': 'varchar',
            'node_type': 'varchar',
            'chapter': 'varchar',
            'block_start': 'varchar',
            'asterisk_code': 'boolean',
            'mortality_list1': 'varchar',
            'mortality_list2': 'varchar',
            'mortality_list3': 'varchar',
            'mortality_list4': 'varchar',
            'morbidity_list': 'varchar'
        }
    )
),

final as (
    select
        code,
        code_dotted,
        code_with_marks,
        level,
        place,
        place = 'T' as is_terminal,
        node_type,
        chapter,
        block_start,
        asterisk_code,
        mortality_list1,
        mortality_list2,
        mortality_list3,
        mortality_list4,
        morbidity_list
    from source
)

select * from final order by code;
