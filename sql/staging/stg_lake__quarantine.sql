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
        detail
    from source
)

select * from final
