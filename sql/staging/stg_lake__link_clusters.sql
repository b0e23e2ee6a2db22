-- materialize: table
-- The cluster of each linked birth and death (etl/linkage.go): records of
-- one person's one event share it, whether they were linked by identity
-- code, by probabilistic linkage or by an analyst. The latest row of an
-- event wins (a merge moves records to the surviving cluster).
select
    event_type,
    event_id,
    arg_max(cluster_id, (batch, seq)) as cluster_id
from raw_link_cluster
group by event_type, event_id
