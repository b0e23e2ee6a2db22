-- Summary fertility measures by year and area (usual residence of the mother):
-- TFR, GFR, CBR, GRR, mean age at childbearing, adolescent birth rates 10-14
-- and 15-19 (SDG 3.7.2). The NRR needs the female life table and is in
-- fertility_nrr.
with asfr as (
    select b.year, b.area_code, b.age_group, b.births, b.births_reported, w.population as women,
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

tfr as (
    select year, area_code,
           5 * sum(rate) as tfr,
           25 * sum(births / (women * women)) as tfr_var,
           sum((age_start + 2.5) * rate) / sum(rate) as mac,
           round(sum(births))::bigint as births_reported
    from asfr
    group by all
),

female_life_table as (
    select year, area_code, age_group, nlx / 100000.0 as nlx, basis
    from int_life_tables
    where sex = 'F' and age_start between 15 and 45 and nlx is not null -- not withheld
    qualify row_number() over (partition by year, area_code, age_group order by basis = 'adjusted_ggb_seg' desc) = 1
),

nrr as (
    select l.year, l.area_code, sum(coalesce(a.rate, 0) * l.nlx) as nrr_both_sexes, any_value(l.basis) as basis
    from female_life_table as l
    left join asfr as a using (year, area_code, age_group)
    group by all
    having count(*) = 7
),

measures as (
    select t.year, t.area_code, 'tfr' as measure, 'children per woman' as unit,
           t.births_reported as numerator, null::double as denominator, t.tfr as value,
           t.tfr - 1.959964 * sqrt(t.tfr_var) as ci_low, t.tfr + 1.959964 * sqrt(t.tfr_var) as ci_high
    from tfr as t
    union all
    select t.year, t.area_code, 'grr', 'daughters per woman', t.births_reported, null,
           t.tfr * b.female / b.births,
           (t.tfr - 1.959964 * sqrt(t.tfr_var)) * b.female / b.births,
           (t.tfr + 1.959964 * sqrt(t.tfr_var)) * b.female / b.births
    from tfr as t join births as b using (year, area_code)
    union all
    select t.year, t.area_code, 'mac', 'years', t.births_reported, null, t.mac, null, null
    from tfr as t
    union all
    select t.year, t.area_code, 'nrr_' || n.basis, 'daughters per woman', t.births_reported, null,
           n.nrr_both_sexes * b.female / b.births, null, null
    from tfr as t join nrr as n using (year, area_code) join births as b using (year, area_code)
    union all
    select b.year, b.area_code, 'gfr', 'per 1,000 women 15-49', b.births, p.women_15_49,
           1000 * b.births / p.women_15_49,
           1000 * poisson_low(b.births) / p.women_15_49, 1000 * poisson_high(b.births) / p.women_15_49
    from births as b join population as p using (year, area_code)
    union all
    select b.year, b.area_code, 'cbr', 'per 1,000 population', b.births, p.total,
           1000 * b.births / p.total,
           1000 * poisson_low(b.births) / p.total, 1000 * poisson_high(b.births) / p.total
    from births as b join population as p using (year, area_code)
    union all
    select b.year, b.area_code, 'abr_10_14', 'per 1,000 women 10-14', b.births_10_14, p.women_10_14,
           1000 * b.births_10_14 / p.women_10_14,
           1000 * poisson_low(b.births_10_14) / p.women_10_14, 1000 * poisson_high(b.births_10_14) / p.women_10_14
    from births as b join population as p using (year, area_code)
    union all
    select b.year, b.area_code, 'abr_15_19', 'per 1,000 women 15-19', b.births_15_19, p.women_15_19,
           1000 * b.births_15_19 / p.women_15_19,
           1000 * poisson_low(b.births_15_19) / p.women_15_19, 1000 * poisson_high(b.births_15_19) / p.women_15_19
    from births as b join population as p using (year, area_code)
),

final as (
    select year, area_code, measure, unit, numerator, denominator, value,
           case when ci_low < 0 then 0 else ci_low end as ci_low, ci_high,
           small_flags(numerator) as flags
    from measures
    where area_code is not null
)

select * from final
