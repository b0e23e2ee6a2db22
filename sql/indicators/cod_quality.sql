-- A mortality data quality summary by year of death and place of usual residence (the nation,
-- provinces and districts), in the spirit of WHO ANACONDA and the Vital Statistics Performance
-- Index: one row per measure, each a proportion with its numerator, denominator and Wilson 95%
-- interval. base says what the denominator counts: 'all_deaths' (every current death) or
-- 'reported_cause' (deaths whose certificate carries an ICD-10 code, valid as underlying cause
-- or not). The measures and what is left out are listed in cod_quality.toml. A death whose
-- residence is not stated counts in 'KH' only. Every cell of the frame (the years and areas of
-- int_frame_areas x every measure) has a row, 0 of 0 without deaths.
with deaths as (
    select year, province_code, district_code, sex, certification, cause_status, cause_reported, missing_cause,
           not_ucod, ill_defined, ill_defined_r00_r99, unlikely_ucod, unusable, sex_violation, nonterminal
    from int_deaths_cod
),

-- counts per district first, then rolled up to provinces and the nation
district_tallies as (
    select
        year,
        province_code,
        district_code,
        count(*) as deaths,
        count(*) filter (where cause_reported) as reported,
        count(*) filter (where missing_cause) as missing,
        count(*) filter (where cause_status = 'not_recorded') as missing_not_recorded,
        count(*) filter (where cause_status = 'bad_icd10_format') as missing_bad_format,
        count(*) filter (where cause_status = 'unknown_icd10') as missing_unknown_code,
        count(*) filter (where not_ucod) as not_ucod,
        count(*) filter (where ill_defined) as ill_defined,
        count(*) filter (where ill_defined_r00_r99) as ill_defined_r00_r99,
        count(*) filter (where unlikely_ucod) as unlikely_ucod,
        count(*) filter (where unusable) as unusable,
        count(*) filter (where sex_violation) as sex_violation,
        count(*) filter (where nonterminal) as nonterminal,
        count(*) filter (where certification = 'physician') as cert_physician,
        count(*) filter (where certification = 'verbal_autopsy') as cert_verbal_autopsy,
        count(*) filter (where certification = 'lay_report') as cert_lay_report,
        count(*) filter (where certification = 'none') as cert_none,
        count(*) filter (where certification is null
                           or certification not in ('physician', 'verbal_autopsy', 'lay_report', 'none')) as cert_unknown,
        count(*) filter (where certification = 'physician' and cause_reported and not unusable) as usable_medically_certified
    from deaths
    group by all
),

tallies as (
    select
        year,
        case
            when grouping(province_code) = 1 then 'KH'
            when grouping(district_code) = 1 then province_code
            else district_code
        end as area_code,
        sum(columns(* exclude (year, province_code, district_code)))::bigint
    from district_tallies
    group by grouping sets ((year), (year, province_code), (year, province_code, district_code))
    having (grouping(province_code) = 1 or province_code is not null)
       and (grouping(district_code) = 1 or district_code is not null)
),

-- every cell of the frame, and the cells outside it that have deaths: zero tallies where none
framed as (
    select year, area_code, coalesce(columns(* exclude (year, area_code)), 0)::bigint
    from (select year, area_code from int_frame_areas) as f
    full join tallies as t using (year, area_code)
),

measures as (
    select
        year,
        area_code,
        unnest([
            {'measure': 'missing_cause', 'base': 'all_deaths', 'numerator': missing, 'denominator': deaths},
            {'measure': 'missing_not_recorded', 'base': 'all_deaths', 'numerator': missing_not_recorded, 'denominator': deaths},
            {'measure': 'missing_bad_format', 'base': 'all_deaths', 'numerator': missing_bad_format, 'denominator': deaths},
            {'measure': 'missing_unknown_code', 'base': 'all_deaths', 'numerator': missing_unknown_code, 'denominator': deaths},
            {'measure': 'ill_defined', 'base': 'reported_cause', 'numerator': ill_defined, 'denominator': reported},
            {'measure': 'ill_defined_r00_r99', 'base': 'reported_cause', 'numerator': ill_defined_r00_r99, 'denominator': reported},
            {'measure': 'not_valid_ucod', 'base': 'reported_cause', 'numerator': not_ucod, 'denominator': reported},
            {'measure': 'unlikely_ucod', 'base': 'reported_cause', 'numerator': unlikely_ucod, 'denominator': reported},
            {'measure': 'unusable', 'base': 'reported_cause', 'numerator': unusable, 'denominator': reported},
            {'measure': 'no_usable_cause', 'base': 'all_deaths', 'numerator': missing + unusable, 'denominator': deaths},
            {'measure': 'sex_violation', 'base': 'reported_cause', 'numerator': sex_violation, 'denominator': reported},
            {'measure': 'nonterminal_code', 'base': 'reported_cause', 'numerator': nonterminal, 'denominator': reported},
            {'measure': 'cert_physician', 'base': 'all_deaths', 'numerator': cert_physician, 'denominator': deaths},
            {'measure': 'cert_verbal_autopsy', 'base': 'all_deaths', 'numerator': cert_verbal_autopsy, 'denominator': deaths},
            {'measure': 'cert_lay_report', 'base': 'all_deaths', 'numerator': cert_lay_report, 'denominator': deaths},
            {'measure': 'cert_none', 'base': 'all_deaths', 'numerator': cert_none, 'denominator': deaths},
            {'measure': 'cert_unknown', 'base': 'all_deaths', 'numerator': cert_unknown, 'denominator': deaths},
            {'measure': 'medically_certified', 'base': 'all_deaths', 'numerator': cert_physician, 'denominator': deaths},
            {'measure': 'usable_medically_certified', 'base': 'all_deaths', 'numerator': usable_medically_certified, 'denominator': deaths}
        ], recursive := true)
    from framed
),

final as (
    select
        year,
        area_code,
        measure,
        base,
        numerator,
        denominator,
        case when denominator > 0 then numerator / denominator end as value,
        wilson_low(numerator, denominator) as ci_low,
        wilson_high(numerator, denominator) as ci_high,
        list_concat(small_flags(numerator), case when denominator = 0 then ['no_denominator'] else [] end) as flags
    from measures
)

select * from final
