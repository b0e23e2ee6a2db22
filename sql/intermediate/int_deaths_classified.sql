-- Current deaths with the cause groups the mortality indicators use, from the
-- underlying cause (ICD-10, 3 characters c3 and 4 characters c4):
--   maternal: the maternal deaths of ICD-10 Vol. 2 (5.8.1) as ICD-MM (WHO 2012) codes
--     them: O00-O95, O98-O99, A34 (obstetric tetanus), D39.2 (hydatidiform mole,
--     malignant), E23.0 (Sheehan's syndrome), F53 (puerperal mental disorders), M83.0
--     (puerperal osteomalacia); not of a man, and not when the record says the death came
--     43 days to a year after the pregnancy ended (a late maternal death);
--   late_maternal: O96, or a maternal code with pregnancy_status '43_days_to_1_year';
--     O97 (sequelae, a year or more after) is neither;
--   pregnancy_related: a death while pregnant or within 42 days of the end of pregnancy,
--     whatever the cause: a woman (not a man) aged 10-54 or of unknown age whose
--     pregnancy_status is 'pregnant' or 'within_42_days', and every maternal death;
--   ncd4: the four NCDs of SDG 3.4.1, I00-I99, C00-C97, E10-E14, J30-J98;
--   road_traffic (SDG 3.6.1): V01-V04, V06, V09-V80, V87, V89, V99;
--   suicide (SDG 3.4.2): X60-X84, Y87.0; homicide (SDG 16.1.1): X85-Y09, Y87.1.
with deaths as (
    select year, province_code, district_code, sex, age_years, age_days, age_group, infant, infant_age,
           pregnancy_status, upper(replace(underlying_cause, '.', '')) as code
    from int_deaths_current
),

coded as (
    select *, left(code, 3) as c3, left(code, 4) as c4 from deaths
),

grouped as (
    select *,
        sex is distinct from 'M' and ((c3 between 'O00' and 'O95') or c3 in ('O98', 'O99', 'A34', 'F53')
                        or c4 in ('D392', 'E230', 'M830')) as maternal_code
    from coded
),

final as (
    select
        year, province_code, district_code, sex, age_years, age_days, age_group, infant, infant_age,
        age_days < 7 as early_neonatal, c3,
        maternal_code and pregnancy_status is distinct from '43_days_to_1_year' as maternal,
        sex is distinct from 'M' and (c3 = 'O96' or (maternal_code and pregnancy_status = '43_days_to_1_year')) as late_maternal,
        (maternal_code and pregnancy_status is distinct from '43_days_to_1_year')
            or (sex is distinct from 'M' and pregnancy_status in ('pregnant', 'within_42_days')
                and coalesce(age_years between 10 and 54, true)) as pregnancy_related,
        (c3 between 'I00' and 'I99') or (c3 between 'C00' and 'C97') or (c3 between 'E10' and 'E14')
            or (c3 between 'J30' and 'J98') as ncd4,
        c3 in ('V01', 'V02', 'V03', 'V04', 'V06', 'V87', 'V89', 'V99') or (c3 between 'V09' and 'V80') as road_traffic,
        (c3 between 'X60' and 'X84') or c4 = 'Y870' as suicide,
        (c3 between 'X85' and 'Y09') or c4 = 'Y871' as homicide
    from grouped
)

select * from final
