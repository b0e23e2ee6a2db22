-- materialize: table
-- The best estimate of registration completeness of each event type, age
-- band, year and area (KH, provinces, districts): what the flags
-- completeness_lt90 / completeness_lt70 and the completeness-adjusted rates
-- rest on. All registrations so far (within 'all'). The rule
-- (docs/methods.md section 4): the reference-based estimate
-- (int_completeness_reference: reference ASFR for births, reference death
-- rates by age band for deaths) wherever the reference covers the year; for
-- deaths at 5+ in a year it does not cover, GGB-SEG (both sexes together)
-- where a period between two census years holds the year, and deaths 'all'
-- then add up the bands' estimated deaths (expected where the band rests on
-- the reference, registered / c where on GGB-SEG).
-- Why not GGB-SEG first for adults: it is one value for a whole intercensal
-- period and assumes completeness constant and the population closed, while
-- registration in Cambodia is changing fast and young adults emigrate; on the
-- default synthetic registry it misses the yearly truth at 5+ by 0.043 on
-- average (2002-2025), the reference rates by 0.030. Why not the dual-system
-- estimate: it covers facility events only (and the years of the health-CR
-- link); it is published beside, in completeness.
-- numerator and denominator are the registered and the estimated events;
-- log_se the standard error of log(value) where the method gives one (NULL
-- for GGB-SEG, which has none).
with reference as (
    select event_type, age_band, year, area_code, registered, expected, value, ci_low, ci_high, log_se, method
    from int_completeness_reference
    where within = 'all'
),

-- GGB-SEG of each year a period covers (the later period where two meet), both sexes weighted
-- by their registered deaths at 5+ in the period: c = (D_M + D_F) / (D_M / c_M + D_F / c_F)
ddm as (
    select y.year, d.area_code, d.sex, d.deaths, d.completeness
    from int_ddm_completeness as d, range(d.period_start, d.period_end + 1) as y(year)
    where d.method = 'ggb_seg' and d.completeness > 0
    qualify row_number() over (partition by y.year, d.area_code, d.sex order by d.period_start desc) = 1
),

ddm_both as (
    select year, area_code, sum(deaths) / sum(deaths / completeness) as completeness
    from ddm
    group by all
    having count(*) = 2
),

chosen as (
    select r.event_type, r.age_band, r.year, r.area_code, r.registered,
           case when d.completeness is not null then r.registered / d.completeness else r.expected end as denominator,
           case when d.completeness is not null then d.completeness else r.value end as value,
           case when d.completeness is null then r.ci_low end as ci_low,
           case when d.completeness is null then r.ci_high end as ci_high,
           case when d.completeness is null then r.log_se end as log_se,
           case when d.completeness is not null then 'ggb_seg' else r.method end as method
    from reference as r
    left join ddm_both as d
        on r.event_type = 'death' and r.age_band = '5+' and r.expected is null
       and d.year = r.year and d.area_code = r.area_code
    where r.age_band <> 'all' or r.event_type = 'birth'
),

-- all ages: the bands' estimated deaths added up; the interval is the reference's where every
-- band rests on it
all_ages as (
    select 'death' as event_type, 'all' as age_band, c.year, c.area_code,
           r.registered,
           case when count(c.denominator) = 3 then sum(c.denominator) end as denominator,
           bool_or(c.method = 'ggb_seg') as ddm
    from chosen as c
    join reference as r on r.event_type = 'death' and r.age_band = 'all' and r.year = c.year and r.area_code = c.area_code
    where c.event_type = 'death'
    group by c.year, c.area_code, r.registered
),

final as (
    select event_type, age_band, year, area_code, value, ci_low, ci_high, method,
           registered as numerator, denominator, log_se
    from chosen
    union all
    select a.event_type, a.age_band, a.year, a.area_code,
           a.registered / a.denominator,
           case when not a.ddm then r.ci_low end,
           case when not a.ddm then r.ci_high end,
           case when a.ddm then 'ggb_seg+reference_rates' else 'reference_rates' end,
           a.registered, a.denominator,
           case when not a.ddm then r.log_se end
    from all_ages as a
    join reference as r on r.event_type = 'death' and r.age_band = 'all' and r.year = a.year and r.area_code = a.area_code
)

select * from final
