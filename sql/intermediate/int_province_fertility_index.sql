-- Provincial fertility relative to the nation, from the 2008 census child-woman
-- ratio (children 0-4 per woman 15-49) over its population-weighted national
-- mean: expected births apply the national reference ASFR scaled by it.
-- Tboung Khmum (25) was part of Kampong Cham (03) in 2008.
with census as (
    select * from ref_census2008_provinces
),

national as (
    select sum(child_woman_ratio * pop_total) / sum(pop_total) as cwr from census
),

final as (
    select p.province_code, c.child_woman_ratio / n.cwr as fertility_index
    from ref_provinces as p
    join census as c
        on c.province_code_2008 = case when p.province_code = '25' then '03' else p.province_code end
    cross join national as n
)

select * from final
