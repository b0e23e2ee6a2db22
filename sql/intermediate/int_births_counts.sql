-- materialize: table
-- Live births counted once by year, residence district, sex and the
-- mother's age group for fertility rates (asfr_group; NULL if unknown), with the
-- counts the birth indicators need: one pass over the births, which the
-- indicators then add up by area (nation, province, district) on this small
-- table instead of each reading nine million births.
with births as (
    select * from int_births_current
),

final as (
    select
        year, province_code, district_code, sex, asfr_group(mother_age) as mother_age_group,
        count(*) as births,
        count(*) filter (where mother_age between 10 and 14) as births_10_14,
        count(*) filter (where mother_age between 15 and 19) as births_15_19,
        count(*) filter (where birth_weight_g < 2500) as lbw,
        count(birth_weight_g) as weighed,
        count(*) filter (where facility_type in ('public_hospital', 'health_centre', 'private')) as facility,
        count(facility_type) as place_known,
        count(*) filter (where attendant in ('doctor', 'midwife', 'nurse')) as skilled,
        count(attendant) as attendant_known,
        count(*) filter (where plurality > 1) as multiple,
        count(plurality) as plurality_known,
        count(*) filter (where birth_order = 1) as order_1,
        count(*) filter (where birth_order = 2) as order_2,
        count(*) filter (where birth_order = 3) as order_3,
        count(*) filter (where birth_order >= 4) as order_4_plus,
        count(birth_order) as order_known
    from births
    group by all
)

select * from final
