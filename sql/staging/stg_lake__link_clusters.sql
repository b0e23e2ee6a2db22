-- materialize: table
-- The cluster of each linked birth and death (etl/linkage.go): records of
-- one person's one event share it, whether they were linked by identity
-- code, by probabilistic linkage or by an analyst. The latest row of an
-- event wins (a merge moves records to the surviving cluster). A window,
-- not arg_max over (batch, seq): that aggregate did not spill, and the
-- 16 M-event lake's 11 M events overflowed the build's 1.2 GB.
select event_type, event_id, cluster_id
from raw_link_cluster
qualify row_number() over (partition by event_type, event_id order by batch desc, seq desc) = 1
