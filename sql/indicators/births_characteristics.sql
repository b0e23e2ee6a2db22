-- Characteristics of registered live births by year and area: sex ratio at
-- birth, low birth weight, facility births, skilled attendance, multiple
-- births and birth order. Shares are of births with the item known.
with births as (
    select year, province_code, district_code, sex, birth_weight_g, facility_type, attendant, plurality, birth_order
    from int_births_current
),

counts as (
    select year,
           case when grouping(province_code) = 1 then 'KH'
                when grouping(district_code) = 1 then province_code
                else district_code end as area_code,
           count(*) filter (where sex = 'M') as male,
           count(*) filter (where sex in ('M', 'F')) as sexed,
           count(*) filter (where birth_weight_g < 2500) as lbw,
           count(birth_weight_g) as weighed,
           count(*) filter (where facility_type in ('public_hospital', 'health_centre', 'private')) as facility,
           count(facility_type) as place_known,
           count(*) filter (where attendant in ('doctor', 'midwife', 'nurse')) as skilled,
           count(attendant) as attendant_known,
           count(*) filter (where plurality > 1) as multiple,
           count(plurality) as plurality_known,
           count(*) filter (where birth_order = 1) as order_1,
           count(*) filter (where birth_order = 2) as order_2,
           count(*) filter (where birth_order = 3) as order_3,
           count(*) filter (where birth_order >= 4) as order_4_plus,
           count(birth_order) as order_known
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

final as (
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
)

select * from final
