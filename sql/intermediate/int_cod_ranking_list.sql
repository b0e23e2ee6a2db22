-- The causes that leading-cause tables rank (cod_leading, cod_leading_by_age):
-- the leaves of WHO Mortality Tabulation List 1 except the ill-defined item
-- 1-094 and the residual items that pool unrelated conditions (the twelve
-- "Remainder of ..." items and 1-103 "All other external causes").
with list1 as (
    select * from ref_who_list1
),

final as (
    select list1_item, title
    from list1
    where is_leaf
      and list1_item <> '1-094'
      and list1_item <> '1-103'
      and title not ilike 'Remainder of%'
)

select * from final
