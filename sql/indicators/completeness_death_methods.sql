-- Completeness of death registration estimated from the data themselves: the
-- death-distribution methods (GGB, SEG, GGB-SEG) between two population counts,
-- for deaths at ages 5 and over, and the Adair-Lopez empirical model for all
-- ages, by year, on 5q0 from the reference (q5, q5_basis). value is the
-- estimated share of deaths registered.
with ddm as (
    select * from int_ddm_completeness
),

adair_lopez as (
    select * from int_adair_lopez
),

final as (
    select method, period_start as year_start, period_end as year_end, area_code, sex,
           '5+' as ages,
           round(deaths, 1) as numerator, null::double as denominator, completeness as value,
           -- GGB-SEG carries a bootstrap standard error (Poisson deaths)
           -- (greatest skips NULLs: the case keeps a missing SE missing)
           case when se is not null then greatest(completeness - 1.959964 * se, 0) end as ci_low,
           completeness + 1.959964 * se as ci_high, flags,
           k1_over_k2, age_min, age_max, null::double as q5, null::varchar as q5_basis
    from ddm
    union all
    select 'adair_lopez_model2', year, year, area_code, sex, 'all',
           deaths, null, completeness, null, null, flags,
           null, null, null, q5, q5_basis
    from adair_lopez
)

select * from final
