-- Characteristics of registered live births by year and area: sex ratio at
-- birth, low birth weight, facility births, skilled attendance, multiple
-- births and birth order. Shares are of births with the item known. Births of
-- sex not stated are outside the sex ratio; births whose residence is not
-- stated count in 'KH' only. Every cell of the frame (the years and areas of
-- int_frame_areas, every measure) has a row, 0 of 0 without births.
with births as (
    select * from int_births_counts
),

counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           coalesce(sum(births) filter (where sex = 'M'), 0) as male,
           coalesce(sum(births) filter (where sex in ('M', 'F')), 0) as sexed,
           sum(lbw) as lbw, sum(weighed) as weighed,
           sum(facility) as facility, sum(place_known) as place_known,
           sum(skilled) as skilled, sum(attendant_known) as attendant_known,
           sum(multiple) as multiple, sum(plurality_known) as plurality_known,
           sum(order_1) as order_1, sum(order_2) as order_2, sum(order_3) as order_3,
           sum(order_4_plus) as order_4_plus, sum(order_known) as order_known
    from births
    group by grouping sets ((year), (year, province_code), (year, province_code, district_code))
),

shares as (
    select year, area_code, measure, k, n
    from counts
    unpivot (
        (k, n) for measure in (
            (lbw, weighed) as 'low_birth_weight',
            (facility, place_known) as 'facility_births',
            (skilled, attendant_known) as 'skilled_attendance',
            (multiple, plurality_known) as 'multiple_births',
            (order_1, order_known) as 'birth_order_1',
            (order_2, order_known) as 'birth_order_2',
            (order_3, order_known) as 'birth_order_3',
            (order_4_plus, order_known) as 'birth_order_4_plus'
        )
    )
),

measures as (
    select year, area_code, 'sex_ratio_at_birth' as measure, 'males per 100 females' as unit,
           male as numerator, sexed - male as denominator,
           100.0 * male / nullif(sexed - male, 0) as value,
           100.0 * wilson_low(male, sexed) / (1 - wilson_low(male, sexed)) as ci_low,
           100.0 * wilson_high(male, sexed) / nullif(1 - wilson_high(male, sexed), 0) as ci_high,
           small_flags(sexed) as flags
    from counts
    where area_code is not null
    union all
    select year, area_code, measure, 'share', k, n, k / nullif(n, 0), wilson_low(k, n), wilson_high(k, n), small_flags(n)
    from shares
    where area_code is not null
),

frame as (
    select f.year, f.area_code, m.measure, m.unit
    from int_frame_areas as f
    cross join (values ('sex_ratio_at_birth', 'males per 100 females'), ('low_birth_weight', 'share'),
                       ('facility_births', 'share'), ('skilled_attendance', 'share'), ('multiple_births', 'share'),
                       ('birth_order_1', 'share'), ('birth_order_2', 'share'), ('birth_order_3', 'share'),
                       ('birth_order_4_plus', 'share')) as m(measure, unit)
),

final as (
    select year, area_code, measure, coalesce(frame.unit, m.unit) as unit,
           coalesce(m.numerator, 0) as numerator, coalesce(m.denominator, 0) as denominator,
           m.value, m.ci_low, m.ci_high, coalesce(m.flags, small_flags(0)) as flags
    -- every cell of the frame, and the cells outside it that have births
    from frame
    full join measures as m using (year, area_code, measure)
)

select * from final
