-- Each event is counted once: no event_id twice, and no duplicate group twice,
-- among the current births and deaths.
select 'birth' as event_type, coalesce(dup_group, event_id) as key, count(*) as n
from int_births_current group by all having count(*) > 1
union all
select 'death', coalesce(dup_group, event_id), count(*)
from int_deaths_current group by all having count(*) > 1
