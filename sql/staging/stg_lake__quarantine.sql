-- Records the ETL refused, one row per problem found.
with source as (
    select * from raw_quarantine
    -- a lake whose quarantine files all predate run_date has no such column
    union all by name
    select null::date as run_date where false
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
        -- the UTC date of the ETL run that refused the record (the lake
        -- partition run_date=); NULL for files of the old lake layout, which
        -- knew only the run's year, from their folder (occ_year=YYYY)
        run_date,
        coalesce(year(run_date), try_cast(regexp_extract(filename, 'occ_year=([0-9]+)', 1) as integer)) as run_year
    from source
)

select * from final
