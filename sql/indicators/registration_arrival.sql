-- How much of each year's eventual registrations had arrived by as_of, by
-- event type, year of occurrence and area (KH, provinces), and whether the
-- year is therefore provisional (int_registration_arrival says how).
with arrival as (
    select * from int_registration_arrival
),

final as (
    select event_type, year, area_code,
           registered as numerator,
           -- without lags to estimate from, a recent year's share is unknown
           case when arrived_share > 0 and (f_area is not null or arrived_share = 1)
                then registered / arrived_share end as denominator,
           case when f_area is not null or arrived_share = 1 then arrived_share end as value,
           null::double as ci_low,
           null::double as ci_high,
           list_concat(
               case when arrived_share < getvariable('provisional_share') then ['provisional'] else [] end,
               case when f_area is null then ['lag_not_estimated'] else [] end,
               case when f_area = 'KH' and area_code <> 'KH' then ['national_lags'] else [] end,
               case when f_event_type = 'all' then ['pooled_lags'] else [] end
           ) as flags
    from arrival
)

select * from final
