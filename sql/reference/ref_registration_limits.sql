create or replace table ref_registration_limits as
with source as (
    select *
    from read_csv(
        getvariable('ref_registration_limits_path'),
        header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
        columns = {
            'event_type': 'varchar',
            'regime': 'varchar',
            'valid_from': 'date',
            'valid_to': 'date',
            'limit_days': 'integer',
            'source': 'varchar'
        }
    )
),

final as (
    select * from source
)

select * from final order by event_type, regime, valid_from;
