-- Sex ratio at birth by registration office (the commune that registered
-- the birth) and year of occurrence, with its 95% interval and flags for
-- offices whose ratio is implausible for a human population: a sign of
-- sex miscoded at entry, or of births of one sex left unregistered. Births of
-- sex not stated are in neither count. Every office (commune) of the provinces
-- of int_frame_areas has a row for each year of the frame, 0 births when it
-- registered none.
with births as (
    select registration_commune, year, sex
    from int_births_current
),

offices as (
    select commune_code, province_code, name_latin from ref_communes
),

observed as (
    select registration_commune, year,
           count(*) filter (where sex = 'M') as male,
           count(*) filter (where sex = 'F') as female
    from births
    group by all
),

frame as (
    select o.commune_code as registration_commune, f.year
    from offices as o
    join int_frame_areas as f on f.area_code = o.province_code
),

counts as (
    select registration_commune, year, coalesce(b.male, 0) as male, coalesce(b.female, 0) as female
    -- every office and year of the frame, and those outside it that registered births
    from frame
    full join observed as b using (registration_commune, year)
),

ratios as (
    select
        c.registration_commune,
        c.year,
        coalesce(o.province_code, left(c.registration_commune, 2)) as province_code,
        o.name_latin as office_name,
        o.commune_code is null as unknown_office,
        c.male as numerator,
        c.female as denominator,
        c.male + c.female as births,
        c.male / nullif(c.female, 0) as value,
        -- the Wilson interval of the male share p, carried to p / (1 - p)
        wilson_low(c.male, c.male + c.female) / (1 - wilson_low(c.male, c.male + c.female)) as ci_low,
        -- no upper bound without a female birth
        case when c.female > 0
             then wilson_high(c.male, c.male + c.female) / (1 - wilson_high(c.male, c.male + c.female)) end as ci_high
    from counts as c
    left join offices as o on o.commune_code = c.registration_commune
),

final as (
    select
        registration_commune,
        year,
        province_code,
        office_name,
        births,
        numerator,
        denominator,
        value,
        ci_low,
        ci_high,
        list_concat(
            small_flags(births),
            case when births >= 500 and (value is null or value < 1.00 or value > 1.10) then ['outside_1.00_1.10'] else [] end,
            case when births >= 100 and (ci_high < 1.00 or ci_low > 1.10) then ['implausible'] else [] end,
            case when unknown_office then ['unknown_office'] else [] end
        ) as flags
    from ratios
)

select * from final
