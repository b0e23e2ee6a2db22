-- A life table row has a value exactly when its table is not withheld, and a
-- withheld row carries its reason.
with rows as (
    select 'life_table' as mart, year, area_code, sex, basis, age_group as item, value, flags from life_table
    union all
    select 'life_expectancy', year, area_code, sex, basis, measure, value, flags from life_expectancy
)

select * from rows
where (value is null) <> list_contains(flags, 'withheld')
   or (list_contains(flags, 'withheld') and len(list_filter(flags, f -> f like 'withheld\_%' escape '\')) = 0)
