-- Current deaths with the cause groups the mortality indicators use, from the
-- underlying cause (ICD-10, 3 characters c3 and 4 characters c4):
--   maternal: O00-O99 except O96-O97, plus A34 (obstetric tetanus), women;
--   ncd4: the four NCDs of SDG 3.4.1, I00-I99, C00-C97, E10-E14, J30-J98;
--   road_traffic (SDG 3.6.1): V01-V04, V06, V09-V80, V87, V89, V99;
--   suicide (SDG 3.4.2): X60-X84, Y87.0; homicide (SDG 16.1.1): X85-Y09, Y87.1.
with deaths as (
    select year, province_code, district_code, sex, age_years, age_days, age_group, infant, neonatal,
           upper(replace(underlying_cause, '.', '')) as code
    from int_deaths_current
),

coded as (
    select *, left(code, 3) as c3, left(code, 4) as c4 from deaths
),

final as (
    select
        year, province_code, district_code, sex, age_years, age_days, age_group, infant, neonatal, c3,
        sex = 'F' and ((c3 between 'O00' and 'O99' and c3 not in ('O96', 'O97')) or c3 = 'A34') as maternal,
        (c3 between 'I00' and 'I99') or (c3 between 'C00' and 'C97') or (c3 between 'E10' and 'E14')
            or (c3 between 'J30' and 'J98') as ncd4,
        c3 in ('V01', 'V02', 'V03', 'V04', 'V06', 'V87', 'V89', 'V99') or (c3 between 'V09' and 'V80') as road_traffic,
        (c3 between 'X60' and 'X84') or c4 = 'Y870' as suicide,
        (c3 between 'X85' and 'Y09') or c4 = 'Y871' as homicide
    from coded
)

select * from final
