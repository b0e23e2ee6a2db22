-- Summary measures of the life tables by year, area, sex and basis: life
-- expectancy at birth (e0) and at 60 (e60), the probability of dying between
-- 15 and 60 (45q15), and 1q0 and 5q0 from the tables, each with a 95% CI.
-- Rows of a withheld table have NULL values (see life_table). Beside them,
-- for the nation, the reference life tables' measures (int_reference_rates:
-- UN WPP 2024, child mortality UN IGME's), what pages show where registration
-- is too incomplete to headline a registered value.
with summary as (
    select * from int_life_summary
),

death_years as (
    select min(year) as first_year, max(year) as last_year from int_life_summary
),

-- e0, e60 and 45q15 take the basis of the adult rates (WPP's, or a site's),
-- 1q0 and 5q0 that of the rates under five (IGME's where it has the year);
-- IGME's uncertainty gives 1q0 and 5q0 an interval (log_se of the groups 0
-- and 1-4: 4q1 carries the error of 5q0), WPP publishing none for the rest.
reference_tables as (
    select r.year, r.sex,
           max(r.ex) filter (where r.age_start = 0) as e0,
           max(r.ex) filter (where r.age_start = 60) as e60,
           1 - max(r.lx) filter (where r.age_start = 60) / max(r.lx) filter (where r.age_start = 15) as q45x15,
           max(r.qx) filter (where r.age_start = 0) as q0,
           1 - max(r.lx) filter (where r.age_start = 5) / max(r.lx) filter (where r.age_start = 0) as q5,
           max(r.basis) filter (where r.age_start = 60) as adult_basis,
           max(r.basis) filter (where r.age_start = 0) as child_basis,
           max(r.log_se) filter (where r.age_start = 0) as q0_log_se,
           max(r.log_se) filter (where r.age_start = 1) as q5_log_se
    from int_reference_rates as r, death_years as d
    where r.year between d.first_year and d.last_year
    group by r.year, r.sex
),

reference as (
    select year, sex, adult_basis as basis, unnest(['e0', 'e60', '45q15']) as measure,
           unnest([e0, e60, q45x15]) as value, null::double as log_se
    from reference_tables
    union all
    select year, sex, child_basis, unnest(['1q0', '5q0']), unnest([q0, q5]), unnest([q0_log_se, q5_log_se])
    from reference_tables
),

final as (
    select
        year, area_code, sex, basis, measure,
        case when measure in ('e0', 'e60') then 'years' else 'probability' end as unit,
        round(deaths)::bigint as numerator,
        null::double as denominator,
        value,
        -- probabilities and years are not negative (greatest would turn a NULL into 0)
        case when value - 1.959964 * se < 0 then 0 else value - 1.959964 * se end as ci_low,
        value + 1.959964 * se as ci_high,
        flags
    from summary
    union all
    -- no interval rather than one of no width where the reference publishes none
    select year, 'KH', sex, basis, measure,
           case when measure in ('e0', 'e60') then 'years' else 'probability' end,
           null::bigint, null::double, value,
           case when log_se > 0 then value * exp(-1.959964 * log_se) end,
           case when log_se > 0 then value * exp(1.959964 * log_se) end,
           []::varchar[]
    from reference
)

select * from final
