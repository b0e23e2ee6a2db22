-- Records the ETL refused, one row per problem found.
with source as (
    select * from raw_quarantine
),

final as (
    select
        event,
        source,
        source_ref,
        record_id,
        field,
        reason,
        detail,
        -- the year of the ETL run that refused the record (the lake partition)
        try_cast(regexp_extract(filename, 'occ_year=([0-9]+)', 1) as integer) as run_year
    from source
)

select * from final
