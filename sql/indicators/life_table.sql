-- Abridged period life tables by year, area (nation and provinces), sex and
-- basis (registered deaths, or adult deaths adjusted for completeness): the
-- columns of int_life_tables, with life expectancy at each age as the value
-- and its 95% CI. A table that fails a plausibility gate keeps its rows with
-- the flags withheld and withheld_<reason> and NULL in every value column.
with tables as (
    select * from int_life_tables
),

final as (
    select
        year, area_code, sex, basis, age_group,
        age_start, width,
        round(deaths, 3) as numerator,
        population as denominator,
        ex as value,
        ex - 1.959964 * ex_se as ci_low,
        ex + 1.959964 * ex_se as ci_high,
        flags,
        mx, ax, qx, lx, dx, nlx, tx, ex_se
    from tables
)

select * from final
