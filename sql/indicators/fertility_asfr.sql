-- Age-specific fertility rates per 1,000 women by year, area and five-year age
-- group of the mother, on two bases:
--   registered            births (unknown ages distributed pro rata) / mid-year
--                         women of the group; CI from the Poisson count of
--                         reported births;
--   adjusted_completeness the registered rate / the birth-registration
--                         completeness of the year and area
--                         (int_completeness_best); the CI adds the
--                         completeness's uncertainty on the log scale, less
--                         twice their covariance where the completeness itself
--                         counts the same births (reference_asfr: 1/B).
-- Every year, area and age group with women has its rows: no births is 0.
with women as (
    select year, area_code, age_group, population
    from int_population_areas
    where sex = 'F' and age_start between 15 and 45
),

births as (
    select * from int_births_by_mother_age
),

-- births of the year and area, and those of known maternal age
totals as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           sum(births) as births,
           coalesce(sum(births) filter (where mother_age_group is not null), 0) as known
    from int_births_counts
    group by grouping sets ((year), (year, province_code), (year, province_code, district_code))
),

birth_completeness as (
    select year, area_code, nullif(value, 0) as c, log_se, method,
           case when method = 'reference_asfr' then 1.0 / nullif(numerator, 0) end as shared
    from int_completeness_best
    where event_type = 'birth' and age_band = 'all'
),

registered as (
    select
        w.year,
        w.area_code,
        w.age_group,
        case when coalesce(t.births, 0) = 0 then 0.0 when t.known > 0 then coalesce(b.births, 0) end as births,
        coalesce(b.births_reported, 0) as reported,
        -- the area's births over those of known maternal age: it scales every group's count
        case when coalesce(t.births, 0) = 0 then 1.0 else t.births / nullif(t.known, 0) end as factor,
        w.population as women,
        case when t.births > 0 and t.known = 0 then ['mother_age_unknown'] else [] end as age_flags
    from women as w
    left join births as b using (year, area_code, age_group)
    left join totals as t using (year, area_code)
),

rates as (
    select r.*, 1000 * r.births / r.women as value
    from registered as r
),

final as (
    select year, area_code, 'registered' as basis, age_group,
           round(births, 3) as numerator,
           women as denominator,
           value,
           1000 * poisson_low(reported) * factor / women as ci_low,
           1000 * poisson_high(reported) * factor / women as ci_high,
           list_concat(small_flags(reported), age_flags,
                       case when women is null then ['no_denominator'] else [] end) as flags
    from rates
    union all
    select r.year, r.area_code, 'adjusted_completeness', r.age_group,
           round(r.births / nullif(c.c, 0), 3),
           r.women,
           r.value / nullif(c.c, 0),
           case when r.reported > 0 then r.value / c.c * exp(-1.959964 * adjusted_log_se(1.0 / r.reported, c.log_se, c.shared))
                when c.c > 0 then 0.0 end,
           case when r.reported > 0 then r.value / c.c * exp(1.959964 * adjusted_log_se(1.0 / r.reported, c.log_se, c.shared))
                else 1000 * poisson_high(0) / r.women / c.c * exp(1.959964 * adjusted_log_se(null, c.log_se, c.shared)) end,
           list_concat(small_flags(r.reported), r.age_flags,
                       case when r.women is null then ['no_denominator'] else [] end,
                       case when not (c.c > 0) or c.c is null then ['no_completeness'] else [] end,
                       case when c.method = 'reference_asfr' then ['level_from_reference'] else [] end)
    from rates as r
    left join birth_completeness as c using (year, area_code)
)

select * from final
