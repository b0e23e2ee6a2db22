#!/usr/bin/env python3
"""Writes the life-table fixture (population.csv, deaths.csv, births.csv) of
warehouse/lifetable_fixture_test.go: three districts of three provinces over
2020-2022, each a stationary population (the same every year) of a known
mortality schedule, whose registered deaths are the expected deaths times a
registration completeness that differs by district and age:

  1201 (Phnom Penh)  large; deaths at 5+ registered at 0.5, under 5 complete,
                     ten female deaths a year with the age not stated
  2301 (Kep)         small (about 110 deaths a year of a sex): pooled years
  1701 (Siem Reap)   males complete except 0.25 at 75+ (the rates fall);
                     females 0.15 at every age (e0 out of bounds)

The counts are rounded expectations, not random draws. Run once from this
folder: python3 make_fixture.py. lifetable_check.py then computes the
expected tables from these files independently of the Go code."""
import csv
import math

YEARS = [2020, 2021, 2022]
STARTS = [0, 1] + list(range(5, 85, 5)) + [85]
LABELS = ['0', '1-4'] + ['%d-%d' % (x, x + 4) for x in range(5, 85, 5)] + ['85+']
WIDTH = [1, 4] + [5] * 16 + [0]


def rates(sex):
    """Death rates by group: child, constant and Gompertz terms (females lower)."""
    k = 1.0 if sex == 'M' else 0.75
    out = []
    for s, w in zip(STARTS, WIDTH):
        x = s + (w / 2 if w else 5)
        out.append(k * (0.035 * math.exp(-1.1 * x) + 0.0009 + 0.000045 * math.exp(0.092 * x)))
    out[0] = k * 0.036
    return out


def stationary(m, births):
    """Stationary population (births × nLx) of the rates, nax = n/2."""
    pop, l = [], 1.0
    for mx, w in zip(m, WIDTH):
        if w == 0:
            pop.append(births * l / mx)
            break
        q = w * mx / (1 + w / 2 * mx)
        pop.append(births * w * (l - l * q / 2))
        l *= 1 - q
    return pop


DISTRICTS = {
    # district: births a year by sex, completeness function (sex, age start) -> share
    '1201': ({'M': 1500, 'F': 1450}, lambda sex, a: 1.0 if a < 5 else 0.5),
    '2301': ({'M': 110, 'F': 105}, lambda sex, a: 1.0),
    '1701': ({'M': 400, 'F': 700}, lambda sex, a: (0.25 if a >= 75 else 1.0) if sex == 'M' else 0.15),
}


def main():
    with open('population.csv', 'w', newline='') as fp, open('deaths.csv', 'w', newline='') as fd, \
            open('births.csv', 'w', newline='') as fb:
        p = csv.writer(fp, lineterminator='\n')
        d = csv.writer(fd, lineterminator='\n')
        b = csv.writer(fb, lineterminator='\n')
        p.writerow(['year', 'province_code', 'district_code', 'sex', 'age_group', 'population'])
        d.writerow(['year', 'district_code', 'sex', 'age', 'deaths'])
        b.writerow(['year', 'district_code', 'sex', 'mother_age', 'births'])
        for year in YEARS:
            for dist, (births, compl) in DISTRICTS.items():
                for sex in ('M', 'F'):
                    m = rates(sex)
                    pop = stationary(m, births[sex])
                    for lab, s, n, mx in zip(LABELS, STARTS, pop, m):
                        p.writerow([year, dist[:2], dist, sex, lab, round(n)])
                        # deaths at the group's first age (85 for 85+)
                        deaths = round(n * mx * compl(sex, s)) if s > 0 else round(births[sex] * mx * 0.97 * compl(sex, 0))
                        if deaths:
                            d.writerow([year, dist, sex, s, deaths])
                    if dist == '1201' and sex == 'F':
                        d.writerow([year, dist, sex, '', 10])  # age not stated
                    # births by mother's age: a fifth of the year's births in each of 20, 25, 30, 35, 40
                    for age in (20, 25, 30, 35, 40):
                        b.writerow([year, dist, sex, age, births[sex] // 5])


if __name__ == '__main__':
    main()
