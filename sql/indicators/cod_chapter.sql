-- Deaths by ICD-10 chapter of the underlying cause, year of death, place of usual residence (the
-- nation, provinces and districts) and sex, with the chapter's share of all deaths. chapter is the
-- two-digit chapter number of the reference list ('01' ... '22'), 'none' for deaths without an
-- ICD-10 code (missing, or dropped by the ETL as not a valid underlying cause) and 'all' for all
-- deaths (the denominator). Codes are tabulated in their own chapter even when they are not valid
-- underlying causes (an S/T code counts in chapter XIX); cod_quality counts those. A death of sex
-- not stated counts in 'T' only, one whose residence is not stated in 'KH' only. Every cell of
-- the frame (the years and areas of int_frame_areas x M, F, T x every chapter) has a row, 0 deaths
-- where none happened.
with deaths as (
    select year, province_code, district_code, sex, coalesce(chapter, 'none') as chapter
    from int_deaths_cod
),

-- ICD-10 (2010 edition) chapters, as WHO publishes them
chapters as (
    select * from (values
        ('01', 'I', 'A00-B99', 'Certain infectious and parasitic diseases'),
        ('02', 'II', 'C00-D48', 'Neoplasms'),
        ('03', 'III', 'D50-D89', 'Diseases of the blood and blood-forming organs and certain disorders involving the immune mechanism'),
        ('04', 'IV', 'E00-E90', 'Endocrine, nutritional and metabolic diseases'),
        ('05', 'V', 'F00-F99', 'Mental and behavioural disorders'),
        ('06', 'VI', 'G00-G99', 'Diseases of the nervous system'),
        ('07', 'VII', 'H00-H59', 'Diseases of the eye and adnexa'),
        ('08', 'VIII', 'H60-H95', 'Diseases of the ear and mastoid process'),
        ('09', 'IX', 'I00-I99', 'Diseases of the circulatory system'),
        ('10', 'X', 'J00-J99', 'Diseases of the respiratory system'),
        ('11', 'XI', 'K00-K93', 'Diseases of the digestive system'),
        ('12', 'XII', 'L00-L99', 'Diseases of the skin and subcutaneous tissue'),
        ('13', 'XIII', 'M00-M99', 'Diseases of the musculoskeletal system and connective tissue'),
        ('14', 'XIV', 'N00-N99', 'Diseases of the genitourinary system'),
        ('15', 'XV', 'O00-O99', 'Pregnancy, childbirth and the puerperium'),
        ('16', 'XVI', 'P00-P96', 'Certain conditions originating in the perinatal period'),
        ('17', 'XVII', 'Q00-Q99', 'Congenital malformations, deformations and chromosomal abnormalities'),
        ('18', 'XVIII', 'R00-R99', 'Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified'),
        ('19', 'XIX', 'S00-T98', 'Injury, poisoning and certain other consequences of external causes'),
        ('20', 'XX', 'V01-Y98', 'External causes of morbidity and mortality'),
        ('21', 'XXI', 'Z00-Z99', 'Factors influencing health status and contact with health services'),
        ('22', 'XXII', 'U00-U99', 'Codes for special purposes'),
        ('none', '', '', 'No ICD-10 code'),
        ('all', '', '', 'All causes')
    ) as t(chapter, roman, icd10_range, title)
),

-- the finest cells first: the grouping sets then roll up far fewer rows than there are deaths
cells as (
    select year, chapter, province_code, district_code, sex, count(*) as deaths
    from deaths
    group by all
),

chapter_counts as (
    select
        year,
        chapter,
        case
            when grouping(province_code) = 1 then 'KH'
            when grouping(district_code) = 1 then province_code
            else district_code
        end as area_code,
        case when grouping(sex) = 1 then 'T' else sex end as sex,
        sum(deaths)::bigint as deaths
    from cells
    group by grouping sets (
        (year, chapter), (year, chapter, sex),
        (year, chapter, province_code), (year, chapter, province_code, sex),
        (year, chapter, province_code, district_code), (year, chapter, province_code, district_code, sex)
    )
    having (grouping(sex) = 1 or sex in ('M', 'F'))
       and (grouping(province_code) = 1 or province_code is not null)
       and (grouping(district_code) = 1 or district_code is not null)
),

totals as (
    select year, area_code, sex, sum(deaths)::bigint as total from chapter_counts group by all
),

counts as (
    select * from chapter_counts
    union all
    select year, 'all', area_code, sex, total from totals
),

frame as (
    select f.year, f.area_code, s.sex, h.chapter
    from int_frame_areas as f
    cross join (values ('M'), ('F'), ('T')) as s(sex)
    cross join chapters as h
),

final as (
    select
        year,
        area_code,
        sex,
        chapter,
        h.roman,
        h.icd10_range,
        h.title,
        coalesce(c.deaths, 0) as numerator,
        coalesce(t.total, 0) as denominator,
        coalesce(c.deaths, 0) / t.total as value,
        wilson_low(coalesce(c.deaths, 0), t.total) as ci_low,
        wilson_high(coalesce(c.deaths, 0), t.total) as ci_high,
        small_flags(coalesce(c.deaths, 0)) as flags
    -- every cell of the frame, and the cells outside it that have deaths
    from frame
    full join counts as c using (year, area_code, sex, chapter)
    left join totals as t using (year, area_code, sex)
    left join chapters as h using (chapter)
)

select * from final
