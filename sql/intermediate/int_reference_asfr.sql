-- The reference age-specific fertility rates by calendar year, per woman-year:
-- UN WPP 2024's annual TFR spread over the age groups by the age pattern of
-- its five-year period ("2000-2005" covers 2000 to 2004).
with pattern as (
    select * from ref_wpp_asfr
),

annual as (
    select year, tfr from ref_wpp_annual
),

final as (
    select y.year, p.age_group, a.tfr * p.pct_of_tfr / 100.0 / 5.0 as asfr
    from pattern as p,
         range(split_part(p.period, '-', 1)::integer, split_part(p.period, '-', 2)::integer) as y(year),
         annual as a
    where a.year = y.year
)

select * from final
