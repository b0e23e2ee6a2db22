-- Summary fertility measures by year, area (usual residence of the mother)
-- and basis: TFR, GRR, NRR, mean age at childbearing, GFR, CBR and the
-- adolescent birth rates 10-14 and 15-19 (SDG 3.7.2), from registered births
-- ('registered') and divided by the completeness of birth registration of the
-- year and area ('adjusted_completeness', every measure but the mean age,
-- which a completeness common to all ages leaves unchanged). The adjusted
-- intervals carry the completeness's uncertainty (see fertility_asfr). NRR:
-- registered ASFRs with the registered female life table; adjusted ASFRs with
-- the reference female life table (WPP 2024, UN IGME). Every year and area with
-- a population has its rows: no births gives 0.
with asfr as (
    select b.year, b.area_code, b.age_group, b.births, w.population as women,
           b.births / w.population as rate,
           split_part(b.age_group, '-', 1)::integer as age_start
    from int_births_by_mother_age as b
    join int_population_areas as w
        on w.year = b.year and w.area_code = b.area_code and w.age_group = b.age_group and w.sex = 'F'
),

births as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           sum(births) as births,
           coalesce(sum(births) filter (where mother_age_group is not null), 0) as known,
           coalesce(sum(births) filter (where sex = 'M'), 0) as male,
           coalesce(sum(births) filter (where sex = 'F'), 0) as female,
           sum(births_10_14) as births_10_14,
           sum(births_15_19) as births_15_19
    from int_births_counts
    group by grouping sets ((year), (year, province_code), (year, province_code, district_code))
),

population as (
    select year, area_code,
           sum(population) filter (where sex = 'T') as total,
           sum(population) filter (where sex = 'F' and age_start between 15 and 45) as women_15_49,
           sum(population) filter (where sex = 'F' and age_group = '10-14') as women_10_14,
           sum(population) filter (where sex = 'F' and age_group = '15-19') as women_15_19
    from int_population_areas
    group by all
),

-- the frame: every year and area with a population, with its births (0 if none)
cells as (
    select p.*,
           coalesce(b.births, 0) as births,
           coalesce(b.known, 0) as known,
           coalesce(b.male, 0) as male,
           coalesce(b.female, 0) as female,
           coalesce(b.births_10_14, 0) as births_10_14,
           coalesce(b.births_15_19, 0) as births_15_19,
           -- births of unknown maternal age spread pro rata over the known ages, as ASFR does
           case when coalesce(b.births, 0) = 0 then 1.0 when b.known > 0 then b.births / b.known end as age_factor
    from population as p
    left join births as b using (year, area_code)
),

-- no births: TFR 0; births but no known maternal age: no TFR
tfr as (
    select c.year, c.area_code,
           case when c.births = 0 then 0.0 when c.known > 0 then 5 * sum(a.rate) end as tfr,
           case when c.births = 0 then 0.0 when c.known > 0 then 25 * sum(a.births / (a.women * a.women)) end as tfr_var,
           sum((a.age_start + 2.5) * a.rate) / nullif(sum(a.rate), 0) as mac
    from cells as c
    left join asfr as a using (year, area_code)
    group by c.year, c.area_code, c.births, c.known
),

female_life_table as (
    select year, area_code, age_group, nlx / 100000.0 as nlx
    from int_life_tables
    where sex = 'F' and age_start between 15 and 45 and basis = 'registered' and nlx is not null -- not withheld
),

reference_survival as (
    select year, age_group, nlx
    from int_reference_rates
    where sex = 'F' and age_start between 15 and 45
),

nrr as (
    select l.year, l.area_code, sum(coalesce(a.rate, 0) * l.nlx) as nrr_both_sexes
    from female_life_table as l
    left join asfr as a using (year, area_code, age_group)
    group by all
    having count(*) = 7
),

nrr_reference as (
    select c.year, c.area_code, sum(coalesce(a.rate, 0) * s.nlx) as nrr_both_sexes
    from cells as c
    join reference_survival as s on s.year = c.year
    left join asfr as a on a.year = c.year and a.area_code = c.area_code and a.age_group = s.age_group
    group by all
    having count(*) = 7
),

-- registered measures, with the variance of log(value) for the adjusted intervals
registered as (
    select c.year, c.area_code, 'tfr' as measure, 'children per woman' as unit,
           round(c.births)::double as numerator, null::double as denominator, t.tfr as value,
           t.tfr - 1.959964 * sqrt(t.tfr_var) as ci_low, t.tfr + 1.959964 * sqrt(t.tfr_var) as ci_high,
           t.tfr_var / nullif(t.tfr * t.tfr, 0) as var_log, c.births as reported
    from cells as c join tfr as t using (year, area_code)
    union all
    select c.year, c.area_code, 'grr', 'daughters per woman', round(c.births), null,
           t.tfr * c.female / nullif(c.female + c.male, 0),
           (t.tfr - 1.959964 * sqrt(t.tfr_var)) * c.female / nullif(c.female + c.male, 0),
           (t.tfr + 1.959964 * sqrt(t.tfr_var)) * c.female / nullif(c.female + c.male, 0),
           t.tfr_var / nullif(t.tfr * t.tfr, 0), c.births
    from cells as c join tfr as t using (year, area_code)
    union all
    select c.year, c.area_code, 'mac', 'years', round(c.births), null, t.mac, null, null, null, c.births
    from cells as c join tfr as t using (year, area_code)
    union all
    select c.year, c.area_code, 'nrr', 'daughters per woman', round(c.births), null,
           n.nrr_both_sexes * c.female / nullif(c.female + c.male, 0), null, null, null, c.births
    from cells as c join nrr as n using (year, area_code)
    union all
    select year, area_code, 'gfr', 'per 1,000 women 15-49', births, women_15_49,
           1000 * births / women_15_49,
           1000 * poisson_low(births) / women_15_49, 1000 * poisson_high(births) / women_15_49,
           1.0 / nullif(births, 0), births
    from cells
    union all
    select year, area_code, 'cbr', 'per 1,000 population', births, total,
           1000 * births / total,
           1000 * poisson_low(births) / total, 1000 * poisson_high(births) / total,
           1.0 / nullif(births, 0), births
    from cells
    union all
    select year, area_code, 'abr_10_14', 'per 1,000 women 10-14', round(births_10_14 * age_factor, 3), women_10_14,
           1000 * births_10_14 * age_factor / women_10_14,
           1000 * poisson_low(births_10_14) * age_factor / women_10_14,
           1000 * poisson_high(births_10_14) * age_factor / women_10_14,
           1.0 / nullif(births_10_14, 0), births_10_14
    from cells
    union all
    select year, area_code, 'abr_15_19', 'per 1,000 women 15-19', round(births_15_19 * age_factor, 3), women_15_19,
           1000 * births_15_19 * age_factor / women_15_19,
           1000 * poisson_low(births_15_19) * age_factor / women_15_19,
           1000 * poisson_high(births_15_19) * age_factor / women_15_19,
           1.0 / nullif(births_15_19, 0), births_15_19
    from cells
),

birth_completeness as (
    select year, area_code, nullif(value, 0) as c, log_se, method,
           case when method = 'reference_asfr' then 1.0 / nullif(numerator, 0) end as shared
    from int_completeness_best
    where event_type = 'birth' and age_band = 'all'
),

adjusted as (
    select r.year, r.area_code, r.measure, r.unit,
           case when r.denominator is null then r.numerator else round(r.numerator / nullif(k.c, 0), 3) end as numerator,
           r.denominator,
           r.value / nullif(k.c, 0) as value,
           case when r.reported > 0 and r.var_log is not null
                then r.value / k.c * exp(-1.959964 * adjusted_log_se(r.var_log, k.log_se, k.shared))
                when r.reported = 0 and k.c > 0 then 0.0 end as ci_low,
           -- no events: the registered upper bound over c, widened by c's own uncertainty
           case when r.reported > 0 and r.var_log is not null
                then r.value / k.c * exp(1.959964 * adjusted_log_se(r.var_log, k.log_se, k.shared))
                when r.reported = 0 then r.ci_high / k.c * exp(1.959964 * adjusted_log_se(null, k.log_se, k.shared)) end as ci_high,
           r.reported,
           k.c, k.method
    from registered as r
    left join birth_completeness as k using (year, area_code)
    where r.measure in ('tfr', 'grr', 'gfr', 'cbr', 'abr_10_14', 'abr_15_19')
    union all
    -- NRR on the adjusted ASFRs (= registered / c) and the reference's survival
    select c.year, c.area_code, 'nrr', 'daughters per woman', round(c.births), null,
           n.nrr_both_sexes / nullif(k.c, 0) * c.female / nullif(c.female + c.male, 0), null, null, c.births, k.c, k.method
    from cells as c
    join nrr_reference as n using (year, area_code)
    left join birth_completeness as k using (year, area_code)
),

final as (
    select year, area_code, 'registered' as basis, measure, unit, numerator, denominator, value,
           case when ci_low < 0 then 0 else ci_low end as ci_low, ci_high,
           small_flags(reported) as flags
    from registered
    union all
    select year, area_code, 'adjusted_completeness', measure, unit, numerator, denominator, value, ci_low, ci_high,
           list_concat(small_flags(reported),
                       case when not (c > 0) or c is null then ['no_completeness'] else [] end,
                       case when method = 'reference_asfr' then ['level_from_reference'] else [] end)
    from adjusted
)

select * from final
