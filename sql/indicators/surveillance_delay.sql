-- The registration delay of the deaths of each ISO week and month of
-- occurrence (docs/methods.md section 16), by area (KH, provinces) and kind:
-- 'current' the electronic (ICT) registrations, 'backlog' the digitized paper
-- records, kept apart so that the backlog, registered on paper and typed in
-- years later, does not distort the delay of today's registrations (nor the
-- nowcast, which reads current registrations only). Each death once; only
-- what had arrived by as_of (registered, or digitized for the backlog), in
-- the periods of the surveillance table (the last five years, periods ended
-- by as_of). delay = registration date - date of death in days; arrival =
-- the day the record reached the electronic registry (its registration, or
-- its digitization) - date of death.
with deaths as (
    select date_of_death as dod, province_code,
           case when provenance = 'ict' then 'current' else 'backlog' end as kind,
           greatest(0, datediff('day', date_of_death, registration_date)) as delay_days,
           greatest(0, datediff('day', date_of_death,
               case when provenance = 'ict' then registration_date
                    else coalesce(digitized_at::date, registration_date) end)) as arrival_days,
           case when provenance = 'ict' then registration_date
                else coalesce(digitized_at::date, registration_date) end as arrival
    from int_deaths_current
    where date_of_death <= getvariable('as_of')::date
),

arrived as (
    select * from deaths where arrival <= getvariable('as_of')::date
),

-- the last period of each type that ended by as_of, and the first year shown
bounds as (
    select 'week' as period_type,
           date_trunc('week', getvariable('as_of')::date + 1)::date as next_start,
           isoyear(date_trunc('week', getvariable('as_of')::date + 1)::date - 1) - 4 as first_year
    union all
    select 'month', date_trunc('month', getvariable('as_of')::date + 1)::date,
           year(date_trunc('month', getvariable('as_of')::date + 1)::date - 1) - 4
),

periods as (
    select b.period_type, a.*,
           case when b.period_type = 'week' then isoyear(a.dod) else year(a.dod) end as year,
           case when b.period_type = 'week' then week(a.dod) else month(a.dod) end as period_no,
           case when b.period_type = 'week' then date_trunc('week', a.dod) else date_trunc('month', a.dod) end as start,
           b.next_start, b.first_year
    from arrived as a
    cross join bounds as b
),

cells as (
    select period_type, year, period_no, kind,
           case when grouping(province_code) = 1 then 'KH' else province_code end as area_code,
           count(*) as registrations,
           quantile_disc(delay_days, 0.5) as median_delay_days,
           count(*) filter (where delay_days <= 30) / count(*) as within_30d,
           count(*) filter (where delay_days <= 365) / count(*) as within_365d,
           quantile_disc(arrival_days, 0.5) as median_arrival_days
    from periods
    where start < next_start and year >= first_year
    group by grouping sets ((period_type, year, period_no, kind), (period_type, year, period_no, kind, province_code))
),

final as (
    select period_type,
           case when period_type = 'week' then year || '-W' || lpad(period_no::varchar, 2, '0')
                else year || '-' || lpad(period_no::varchar, 2, '0') end as period,
           year::integer as year, period_no::integer as period_no, area_code, kind,
           registrations, median_delay_days, within_30d, within_365d, median_arrival_days,
           small_flags(registrations) as flags
    from cells
    where area_code is not null and area_code <> '99'
)

select * from final
