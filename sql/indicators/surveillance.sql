-- Mortality surveillance (docs/methods.md section 16): deaths by ISO week and
-- by month of occurrence, by area (KH, provinces), sex (T, M, F) and broad age
-- group, observed so far, nowcast where registrations are still arriving, and
-- expected deaths, excess and P-score with 95% intervals. Computed in Go
-- (warehouse/surveillance.go: packages nowcast and excess) into
-- int_surveillance.
select * from int_surveillance
