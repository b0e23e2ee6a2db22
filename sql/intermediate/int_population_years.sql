-- materialize: table
-- Denominators for every year from the first to the last year given, by the
-- finest area given. A year missing between two given years is interpolated
-- geometrically (constant growth rate between them; linearly if either is
-- zero); years outside the range get no denominator, so their rates are null
-- rather than extrapolated.
with population as (
    select * from stg_ref__population
),

spans as (
    select *,
           lead(year) over cell as next_year,
           lead(population) over cell as next_population
    from population
    window cell as (partition by province_code, district_code, sex, age_group order by year)
),

final as (
    select s.province_code, s.district_code, s.sex, s.age_group, s.age_start, y.year,
           case
               when y.year = s.year then s.population
               when s.population > 0 and s.next_population > 0
                   then s.population * pow(s.next_population / s.population, (y.year - s.year) / (s.next_year - s.year))
               else s.population + (s.next_population - s.population) * (y.year - s.year) / (s.next_year - s.year)
           end as population,
           y.year <> s.year as interpolated
    from spans as s,
         range(s.year, coalesce(s.next_year, s.year + 1)) as y(year)
)

select year, province_code, district_code, sex, age_group, age_start, population, interpolated from final
