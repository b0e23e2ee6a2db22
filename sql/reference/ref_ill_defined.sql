-- ref_ill_defined: ill-defined causes of death, from refdata icd10/cod_ill_defined_codes.json. Two definitions:
-- 'who_list1_item_1_094' (R00-R99) and 'codedit_ill_defined_rule' (the WHO CoDEdit rule: I46.1, I46.9, I50, I95.9,
-- I99, J96.0, J96.9, P28.5 and most of R). One row per code or range; entry is the text as published, code_from
-- and code_to have no dots; a code c (no dot) falls in a row when c >= code_from and
-- left(c, length(code_to)) <= code_to.
-- Needs: set variable ref_ill_defined_path = '<path of the JSON>';
create or replace table ref_ill_defined as
with json_file as (
    select *
    from read_json(
        getvariable('ref_ill_defined_path'),
        format = 'auto',
        columns = {
            'definitions': 'struct(who_list1_item_1_094 struct(source varchar, codes varchar), codedit_ill_defined_rule struct(source varchar, codes varchar[]))'
        }
    )
),

entries as (
    select
        'who_list1_item_1_094' as definition,
        definitions.who_list1_item_1_094.source as source,
        trim(unnest(string_split(definitions.who_list1_item_1_094.codes, ','))) as entry
    from json_file
    union all
    select
        'codedit_ill_defined_rule' as definition,
        definitions.codedit_ill_defined_rule.source as source,
        unnest(definitions.codedit_ill_defined_rule.codes) as entry
    from json_file
),

ranges as (
    select
        definition,
        source,
        entry,
        -- drop a trailing remark such as ' (all 4-char subcodes)'
        trim(regexp_replace(entry, '\s*\(.*\)\s*$', '')) as code_or_range
    from entries
),

final as (
    select
        definition,
        source,
        entry,
        replace(split_part(code_or_range, '-', 1), '.', '') as code_from,
        replace(coalesce(nullif(split_part(code_or_range, '-', 2), ''), split_part(code_or_range, '-', 1)), '.', '') as code_to
    from ranges
)

select * from final order by definition, code_from;
