-- Shared expressions of the models. Loaded once per build, before staging.

-- Five-year groups 0-4 ... 80-84, 85+ (WHO standard population, DDM methods).
create or replace macro group5(age) as
    -- constant strings: building '5-9' from the age took most of a pass over the births
    case
        when age is null then null
        when age < 5 then '0-4'
        when age < 10 then '5-9'
        when age < 15 then '10-14'
        when age < 20 then '15-19'
        when age < 25 then '20-24'
        when age < 30 then '25-29'
        when age < 35 then '30-34'
        when age < 40 then '35-39'
        when age < 45 then '40-44'
        when age < 50 then '45-49'
        when age < 55 then '50-54'
        when age < 60 then '55-59'
        when age < 65 then '60-64'
        when age < 70 then '65-69'
        when age < 75 then '70-74'
        when age < 80 then '75-79'
        when age < 85 then '80-84'
        else '85+'
    end;

-- The abridged age groups of life tables and denominators: 0, 1-4, 5-9 ... 80-84, 85+.
create or replace macro abridged_group(age) as
    case when age is null then null when age < 1 then '0' when age < 5 then '1-4' else group5(age) end;

create or replace macro abridged_start(age) as
    case when age is null then null when age < 1 then 0 when age < 5 then 1 when age >= 85 then 85 else (age // 5) * 5 end;

-- The part of the first year of life an infant death falls in, from the finest age the
-- record gives: 'neonatal' (under 28 days), 'post_neonatal' (28 days to under one year),
-- 'unknown' (age 0 in years and nothing finer); NULL for a death that is not an infant's.
-- The age in days (from the date of birth, or reported in days) classifies by days. An age
-- reported in months without a date of birth classifies by months: 0 months, the first
-- month of life, is neonatal (the Guide to DHS Statistics counts deaths reported at age 0
-- months as neonatal); 1 to 11 months is post-neonatal.
create or replace macro infant_age(infant, age_days, age_unit, age_value) as
    case when not coalesce(infant, false) then null
         when age_days is not null then case when age_days < 28 then 'neonatal' else 'post_neonatal' end
         when age_unit = 'M' and age_value is not null then case when age_value < 1 then 'neonatal' else 'post_neonatal' end
         else 'unknown' end;

-- 4a1, the mean years lived in 1-4 by those who die there, from q0 by the Coale-Demeny West
-- equations, with the constant from q0 = 0.1, as the UN (MortPak) rule of the life tables
-- has them (warehouse/demog AxUN; a test holds the two equal): males 1.653 - 3.013 q0
-- (1.352), females 1.524 - 1.627 q0 (1.361). Both sexes ('T'): the two weighted by a sex
-- ratio at birth of 1.05, as DemoTools' lt_rule_4a1_cd does.
create or replace macro cd_west_4a1(q0, sex) as
    case when q0 is null then null
         when sex = 'M' then case when q0 >= 0.1 then 1.352 else 1.653 - 3.013 * q0 end
         when sex = 'F' then case when q0 >= 0.1 then 1.361 else 1.524 - 1.627 * q0 end
         else (1.05 * case when q0 >= 0.1 then 1.352 else 1.653 - 3.013 * q0 end
               + case when q0 >= 0.1 then 1.361 else 1.524 - 1.627 * q0 end) / 2.05 end;

-- nqx from the death rate m of a group of n years whose dying live a years in it on average.
create or replace macro q_from_m(n, m, a) as n * m / (1 + (n - a) * m);

-- Mother's age group for ASFR: under 15 counted in 15-19, 50 and over in 45-49 (DESIGN.md section 4).
create or replace macro asfr_group(age) as
    case when age is null then null when age < 20 then '15-19' when age >= 45 then '45-49' else group5(age) end;

-- 95% interval of a Poisson count n (Byar's approximation; exact enough from n = 1, 0 gives [0, 3.69]).
create or replace macro poisson_low(n) as
    case when n is null then null when n = 0 then 0.0
         else n * pow(1 - 1 / (9.0 * n) - 1.959964 / (3 * sqrt(n)), 3) end;
create or replace macro poisson_high(n) as
    case when n is null then null
         else (n + 1) * pow(1 - 1 / (9.0 * (n + 1)) + 1.959964 / (3 * sqrt(n + 1)), 3) end;

-- 95% Wilson score interval of a proportion k / n.
create or replace macro wilson_low(k, n) as
    case when n is null or n = 0 then null
         else greatest(0.0, ((k / n) + 1.920729 / n - 1.959964 * sqrt((k / n) * (1 - k / n) / n + 0.960365 / (n * n))) / (1 + 3.841459 / n)) end;
create or replace macro wilson_high(k, n) as
    case when n is null or n = 0 then null
         else least(1.0, ((k / n) + 1.920729 / n + 1.959964 * sqrt((k / n) * (1 - k / n) / n + 0.960365 / (n * n))) / (1 + 3.841459 / n)) end;

-- Completeness flags of a registered rate resting on registration of
-- completeness c (docs/methods.md section 3): complete at 90% or more (UN
-- Principles and Recommendations), of low usability under 70% (WHO); no
-- estimate is said too.
create or replace macro completeness_flags(c) as
    case when c is null then ['completeness_unknown']
         when c < 0.7 then ['completeness_lt70']
         when c < 0.9 then ['completeness_lt90']
         else []::varchar[] end;

-- Small-number flags (DESIGN.md section 4): rates from fewer than 20 events are
-- flagged; cells below 5 are suppressed when published.
create or replace macro small_flags(n) as
    case when n is null then []::varchar[]
         when n < 5 then ['lt5', 'lt20']
         when n < 20 then ['lt20']
         else []::varchar[] end;

-- Whole days between two dates.
create or replace macro days_between(a, b) as datediff('day', a, b);

-- Age heaping (data quality family). Aggregate macros over rows of a single
-- year of age and a count n; lo and hi bound the ages used, inclusive.
-- Whipple's index: records at ages ending in 0 or 5 over one fifth of all
-- records in [lo, hi] x 100; 100 = no preference, 500 = every age ends in 0
-- or 5. The range must hold whole blocks of five ages (23-62: UN Manual II).
create or replace macro whipple_index(age, n, lo, hi) as
    500.0 * coalesce(sum(n) filter (where age between lo and hi and age % 5 = 0), 0)
          / nullif(sum(n) filter (where age between lo and hi), 0);

-- Myers' blended index: each age's weight in the blended sum of its terminal
-- digit, j = (age - lo) mod 10 being its place in the decade: j + 1 in the
-- series lo .. hi-10 and 9 - j in the series lo+10 .. hi. Both series hold
-- the same number of decades, so a uniform distribution blends to 10% on
-- every digit (hi - lo + 1 must be a multiple of 10; 10-89 by default).
create or replace macro myers_weight(age, lo, hi) as
    (case when age between lo and hi - 10 then (age - lo) % 10 + 1 else 0 end)
  + (case when age between lo + 10 and hi then 9 - (age - lo) % 10 else 0 end);

-- Half the sum of the absolute deviations of the ten blended shares from 10%:
-- 0 = no digit preference, 90 = every age on one digit. b lists the blended
-- sums of the digits present, one each; a digit absent deviates by 10.
create or replace macro myers_from_blended(b) as
    (list_sum(list_transform(b, lambda x: abs(100.0 * x / nullif(list_sum(b), 0) - 10.0)))
     + 10.0 * (10 - len(b))) / 2;

create or replace macro myers_index(age, n, lo, hi) as
    myers_from_blended([
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 0), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 1), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 2), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 3), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 4), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 5), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 6), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 7), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 8), 0),
        coalesce(sum(n * myers_weight(age, lo, hi)) filter (where age % 10 = 9), 0)
    ]);

-- 95% interval of a ratio f·n / e: a Poisson count n (reported; f scales it where unknown
-- ages are distributed pro rata) over an expected number e whose log has the standard error
-- se (the reference's own uncertainty). The two half-widths on the log scale add in
-- quadrature; with n = 0 the upper end is the Poisson one widened by the reference's.
create or replace macro ratio_low(n, f, e, se) as
    case when n is null or e is null or e <= 0 then null
         when n = 0 then 0.0
         else f * n / e * exp(-sqrt(pow(ln(n / poisson_low(n)), 2) + pow(1.959964 * coalesce(se, 0), 2))) end;
create or replace macro ratio_high(n, f, e, se) as
    case when n is null or e is null or e <= 0 then null
         when n = 0 then coalesce(f, 1.0) * poisson_high(0) / e * exp(1.959964 * coalesce(se, 0))
         else f * n / e * exp(sqrt(pow(ln(poisson_high(n) / n), 2) + pow(1.959964 * coalesce(se, 0), 2))) end;

-- Standard error of log(a completeness-adjusted rate) = log(registered rate) − log(c): the
-- registered rate's variance of log, plus c's, less twice their covariance (shared: 1/B when
-- c counts the same B registered births, as the reference-based completeness does; else 0).
create or replace macro adjusted_log_se(var_log_registered, completeness_log_se, shared) as
    sqrt(greatest(coalesce(var_log_registered, 0) + pow(completeness_log_se, 2) - 2 * coalesce(shared, 0), 0));
