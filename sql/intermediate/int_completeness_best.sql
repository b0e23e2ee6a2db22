-- materialize: table
-- The best estimate of registration completeness of each event type, age
-- band, year and area (KH, provinces, districts): what the flags
-- completeness_lt90 / completeness_lt70 and the completeness-adjusted rates
-- rest on. All registrations so far (within 'all'). The rule
-- (docs/methods.md section 4): the reference-based estimate
-- (int_completeness_reference: reference ASFR for births, reference death
-- rates by age band for deaths); NULL in a year the reference does not cover.
-- Why not GGB-SEG for adults: it is one value for a whole intercensal period
-- and assumes completeness constant and the population closed, while
-- registration in Cambodia is changing fast and young adults emigrate; on the
-- default synthetic registry it misses the yearly truth at 5+ by 0.043 on
-- average (2002-2025), the reference rates by 0.030. Why not the dual-system
-- estimate: it covers facility events only, and the years of the health-CR
-- link; it is published beside, in completeness.
-- numerator and denominator are the registered and the expected events;
-- log_se the standard error of log(value).
with reference as (
    select * from int_completeness_reference
    where within = 'all'
),

final as (
    select event_type, age_band, year, area_code, value, ci_low, ci_high, method,
           registered as numerator, expected as denominator, log_se
    from reference
)

select * from final
