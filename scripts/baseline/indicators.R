# indicators.R: the R data.table baseline of the benchmark (DESIGN.md
# section 6, issue #7). From CSV exports of the lake's raw birth and death
# records (every version, as the warehouse reads them) and the population
# file, it computes the same tables as the warehouse, with the same rules:
#
#   births.csv  live births by year and area (the completeness and CBR numerator)
#   asfr.csv    age-specific fertility rates per 1,000 women (fertility_asfr)
#   tfr.csv     total fertility rate (fertility_rates, measure tfr)
#   asdr.csv    age-specific death rates per 1,000 (mortality_asdr)
#   cdr.csv     crude death rate per 1,000 (mortality_rates, measure cdr)
#
# Areas are the nation ('KH'), provinces and districts. `vitalstats bench`
# runs it as a measured child process and checks every value it writes
# against the warehouse: a baseline that computed other numbers would not be
# a baseline. data.table only, written as a data.table user would.
#
#   Rscript indicators.R births.csv deaths.csv population.csv OUTDIR

suppressPackageStartupMessages(library(data.table))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4L) {
  stop("usage: Rscript indicators.R births.csv deaths.csv population.csv OUTDIR")
}
births_csv <- args[[1]]
deaths_csv <- args[[2]]
population_csv <- args[[3]]
out_dir <- args[[4]]
setDTthreads(2L) # the machine of the targets has 2 cores; the warehouse build uses 2 threads
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

say <- function(...) message(format(Sys.time(), "%H:%M:%OS3"), " ", ...)

# Codes are text ('01', '0102'): read as numbers they would lose their zeros.
event_classes <- c(
  event_id = "character", version = "integer", status = "character",
  dup_group = "character", registration_date = "character", year = "integer",
  province_code = "character", district_code = "character", sex = "character"
)

# current keeps each event once, as int_births_excluded / int_deaths_excluded
# do: the latest version of each event_id, not cancelled, and of each
# duplicate group (dup_group) the record registered first (registration
# date, then event_id; unknown dates last).
current <- function(ev) {
  latest <- ev[, .(version = max(version)), by = event_id]
  cur <- ev[latest, on = .(event_id, version), nomatch = NULL]
  cur <- cur[is.na(status) | status != "cancelled"]
  setorderv(cur, c("registration_date", "event_id"), na.last = TRUE)
  cur[is.na(dup_group) | !duplicated(dup_group)]
}

# Five-year age groups: asfr_group (under 20 in 15-19, 45 and over in 45-49)
# and abridged_group (0, 1-4, 5-9 ... 80-84, 85+) of sql/macros.sql.
five_year <- function(age) {
  start <- (age %/% 5L) * 5L
  paste0(start, "-", start + 4L)
}
asfr_group <- function(age) {
  fcase(is.na(age), "unknown", age < 20L, "15-19", age >= 45L, "45-49", default = NA_character_) |>
    fcoalesce(five_year(age))
}
abridged_group <- function(age) {
  fcase(is.na(age), "unknown", age < 1L, "0", age < 5L, "1-4", age >= 85L, "85+", default = NA_character_) |>
    fcoalesce(five_year(age))
}

# by_area adds up counts of `cells` for the nation, each province and each
# district (a record without a province or district counts only above it).
by_area <- function(cells, keys) {
  kh <- cells[, .(n = sum(n)), by = c("year", keys)][, area_code := "KH"]
  prov <- cells[!is.na(province_code), .(n = sum(n)), by = c("year", "province_code", keys)]
  setnames(prov, "province_code", "area_code")
  dist <- cells[!is.na(province_code) & !is.na(district_code), .(n = sum(n)),
                by = c("year", "province_code", "district_code", keys)]
  dist[, province_code := NULL]
  setnames(dist, "district_code", "area_code")
  rbind(kh, prov, dist, use.names = TRUE)
}

# --- population: by year, area (KH, province, district), sex (M, F, T) and abridged age group
say("read ", population_csv)
pop <- fread(population_csv, na.strings = "",
             colClasses = c(year = "integer", province_code = "character", district_code = "character",
                            sex = "character", age_group = "character", population = "double"))
years <- sort(unique(pop$year))
# The warehouse interpolates years missing between two given ones; the
# generator's file gives every year, and this script does not interpolate.
if (any(diff(years) != 1L)) stop("population: years are not consecutive; interpolation is not implemented here")
pop_sex <- rbind(
  pop[, .(population = sum(population)), by = .(year, sex, age_group)][, area_code := "KH"],
  pop[, .(population = sum(population)), by = .(year, area_code = province_code, sex, age_group)],
  pop[!is.na(district_code), .(population = sum(population)), by = .(year, area_code = district_code, sex, age_group)],
  use.names = TRUE
)
pop_areas <- rbind(
  pop_sex,
  pop_sex[, .(population = sum(population)), by = .(year, area_code, age_group)][, sex := "T"],
  use.names = TRUE
)

# --- births: ASFR (unknown maternal ages pro rata over the known), TFR, counts
say("read ", births_csv)
births <- fread(births_csv, na.strings = "", colClasses = c(event_classes, mother_age = "integer"))
say(nrow(births), " birth records")
births <- current(births)
say(nrow(births), " live births counted")
cells <- births[, .(n = .N), by = .(year, province_code, district_code, mother_age)]
cells[, age_group := asfr_group(mother_age)]
b_area <- by_area(cells, "age_group")[!is.na(area_code)]
b_tot <- b_area[, .(all = sum(n), known = sum(n[age_group != "unknown"])), by = .(year, area_code)]
fwrite(b_tot[, .(year, area_code, births = all)], file.path(out_dir, "births.csv"))

asfr <- b_area[b_tot, on = .(year, area_code)][age_group != "unknown" & known > 0]
asfr[, births := as.numeric(n) * all / known]
asfr <- pop_areas[sex == "F", .(year, area_code, age_group, women = population)][asfr, on = .(year, area_code, age_group)]
asfr[, value := 1000 * births / women]
fwrite(asfr[, .(year, area_code, age_group, births, women, value)], file.path(out_dir, "asfr.csv"))
tfr <- asfr[!is.na(women), .(value = 5 * sum(births / women)), by = .(year, area_code)]
fwrite(tfr, file.path(out_dir, "tfr.csv"))

# --- deaths: age-specific death rates (unknown ages pro rata by sex), CDR.
# A death of sex not stated counts in T only, one of unknown residence in KH
# only. Every population cell of the years from the first to the last with a
# death has its row (0 deaths where none), as in the warehouse's frame.
say("read ", deaths_csv)
deaths <- fread(deaths_csv, na.strings = "", colClasses = c(event_classes, age_years = "integer"))
say(nrow(deaths), " death records")
deaths <- current(deaths)
say(nrow(deaths), " deaths counted")
cells <- deaths[, .(n = .N), by = .(year, province_code, district_code, sex, age_years)]
cells[, age_group := abridged_group(age_years)]
d_sex <- by_area(cells, c("sex", "age_group"))
d_area <- rbind(d_sex[sex %in% c("M", "F")], d_sex[, .(n = sum(n)), by = .(year, area_code, age_group)][, sex := "T"],
                use.names = TRUE)
d_area <- d_area[!is.na(area_code)]
d_tot <- d_area[, .(all = sum(n), known = sum(n[age_group != "unknown"])), by = .(year, area_code, sex)]
frame <- pop_areas[year >= min(deaths$year) & year <= max(deaths$year)]

asdr <- d_tot[frame, on = .(year, area_code, sex)]
asdr <- d_area[asdr, on = .(year, area_code, sex, age_group)]
asdr[, deaths := fifelse(is.na(n) | is.na(known) | known == 0, 0, as.numeric(n) * all / known)]
# no population, no rate (NULL in the warehouse: / nullif(population, 0))
asdr[, value := fifelse(population == 0, NA_real_, 1000 * deaths / population)]
fwrite(asdr[, .(year, area_code, sex, age_group, deaths, population, value)], file.path(out_dir, "asdr.csv"))

cdr <- d_tot[frame[, .(population = sum(population)), by = .(year, area_code, sex)], on = .(year, area_code, sex)]
cdr[, all := fcoalesce(all, 0L)]
cdr[, value := 1000 * all / population]
fwrite(cdr[, .(year, area_code, sex, deaths = all, population, value)], file.path(out_dir, "cdr.csv"))
say("written to ", out_dir)
