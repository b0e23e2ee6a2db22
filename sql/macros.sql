-- Shared expressions of the models. Loaded once per build, before staging.

-- The abridged age groups of life tables and denominators: 0, 1-4, 5-9 ... 80-84, 85+.
create or replace macro abridged_group(age) as
    case
        when age is null then null
        when age < 1 then '0'
        when age < 5 then '1-4'
        when age >= 85 then '85+'
        else ((age // 5) * 5)::varchar || '-' || ((age // 5) * 5 + 4)::varchar
    end;

create or replace macro abridged_start(age) as
    case when age is null then null when age < 1 then 0 when age < 5 then 1 when age >= 85 then 85 else (age // 5) * 5 end;

-- Five-year groups 0-4 ... 80-84, 85+ (WHO standard population, DDM methods).
create or replace macro group5(age) as
    case when age is null then null when age >= 85 then '85+'
         else ((age // 5) * 5)::varchar || '-' || ((age // 5) * 5 + 4)::varchar end;

-- Mother's age group for ASFR: under 15 counted in 15-19, 50 and over in 45-49 (DESIGN.md section 4).
create or replace macro asfr_group(age) as
    case
        when age is null then null
        when age < 20 then '15-19'
        when age >= 45 then '45-49'
        else ((age // 5) * 5)::varchar || '-' || ((age // 5) * 5 + 4)::varchar
    end;

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

-- Small-number flags (DESIGN.md section 4): rates from fewer than 20 events are
-- flagged; cells below 5 are suppressed when published.
create or replace macro small_flags(n) as
    case when n is null then []::varchar[]
         when n < 5 then ['lt5', 'lt20']
         when n < 20 then ['lt20']
         else []::varchar[] end;

-- Whole days between two dates.
create or replace macro days_between(a, b) as datediff('day', a, b);
