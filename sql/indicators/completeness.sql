-- Registration completeness of births and deaths by year of occurrence and area
-- (usual residence). method 'reference_asfr' (births) and 'reference_rates'
-- (deaths, by age band of the deceased): events registered (and in the lake)
-- / expected events (int_completeness_reference), for every window (within).
-- method 'dual_system': registered facility events / the facility events
-- estimated from notifications and registrations linked by link_key
-- (int_dual_system), all registrations so far, all ages.
with reference as (
    select * from int_completeness_reference
),

dual_system as (
    select * from int_dual_system
),

final as (
    select event_type, age_band, year, area_code, within, method,
           round(registered, 3) as numerator, expected as denominator, value, ci_low, ci_high, flags
    from reference
    union all
    select event_type, 'all', year, area_code, 'all', 'dual_system',
           registered, occurred, value, ci_low, ci_high, flags
    from dual_system
)

select * from final order by event_type, age_band, year, area_code, within, method
