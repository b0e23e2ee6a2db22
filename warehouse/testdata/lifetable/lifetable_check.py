#!/usr/bin/env python3
"""An independent implementation of the warehouse's abridged life tables
(docs/methods.md section 7), written from the documented rules without the Go
code, to check lifetable_fixture_test.go: it reads the fixture's counts
(population.csv, deaths.csv, births.csv) and the GGB-SEG completeness with its
standard error (completeness.csv: an input here, checked against published
cases in warehouse/demog), and writes expected_life_table.csv and
expected_life_expectancy.csv. Standard library only. Run once from this folder:
python3 lifetable_check.py.

Where it differs from the Go code on purpose, as a check: e85 of the Gompertz
closeout by the exponential integral's series (Go integrates numerically), its
variance by analytic derivatives of that formula (Go: central differences).
"""
import csv
import math
from collections import defaultdict

STARTS = [0, 1] + list(range(5, 85, 5)) + [85]
WIDTHS = [1, 4] + [5] * 16 + [0]
LABELS = ['0', '1-4'] + ['%d-%d' % (x, x + 4) for x in range(5, 85, 5)] + ['85+']
OPEN = len(STARTS) - 1
Z = 1.959964
MIN_DEATHS = 200          # a table needs this many deaths (all ages), pooling 1, 3 or 5 years
FEW_OPEN = 200            # an open group with fewer deaths closes with a Gompertz fit
FIT_FROM, FIT_TO = 60, 85  # groups 60-64 ... 80-84
RISE_FROM, RISE_Z = 30, 2.326
E0_MIN, E0_MAX = 40.0, 90.0
MEASURES = ['e0', 'e60', '45q15', '1q0', '5q0']


def group_of(age):
    if age == 0:
        return 0
    if age < 5:
        return 1
    return min(age // 5 + 1, OPEN)


def read_counts():
    pop = defaultdict(lambda: [0.0] * len(STARTS))       # (year, area, sex) -> by group
    known = defaultdict(lambda: [0.0] * len(STARTS))
    unknown = defaultdict(float)
    infants = defaultdict(float)
    births = defaultdict(float)
    for r in csv.DictReader(open('population.csv')):
        for area in ('KH', r['province_code']):
            pop[(int(r['year']), area, r['sex'])][LABELS.index(r['age_group'])] += float(r['population'])
    for r in csv.DictReader(open('deaths.csv')):
        for area in ('KH', r['district_code'][:2]):
            k = (int(r['year']), area, r['sex'])
            n = float(r['deaths'])
            if r['age'] == '':
                unknown[k] += n
                continue
            age = int(r['age'])
            known[k][group_of(age)] += n
            if age == 0:
                infants[k] += n
    for r in csv.DictReader(open('births.csv')):
        for area in ('KH', r['district_code'][:2]):
            births[(int(r['year']), area, r['sex'])] += float(r['births'])
    cells = {}
    for k, p in pop.items():
        kn = known[k]
        total_known = sum(kn)
        # deaths of unknown age spread pro rata over the known ages of the year, area and sex
        factor = (total_known + unknown[k]) / total_known if total_known > 0 else 0.0
        cells[k] = {'pop': p, 'deaths': [d * factor for d in kn], 'infants': infants[k], 'births': births[k]}
    return cells


def read_completeness():
    out = {}
    for r in csv.DictReader(open('completeness.csv')):
        for y in range(int(r['period_start']), int(r['period_end']) + 1):
            out[(y, r['area_code'], r['sex'])] = (min(float(r['completeness']), 1.0), float(r['se']))
    return out


def pool(cells, key):
    year, area, sex = key
    for h in (0, 1, 2):
        ks = [(y, area, sex) for y in range(year - h, year + h + 1)]
        if not all(k in cells for k in ks):
            continue
        s = {'pop': [0.0] * len(STARTS), 'deaths': [0.0] * len(STARTS), 'infants': 0.0, 'births': 0.0}
        for k in ks:
            c = cells[k]
            for i in range(len(STARTS)):
                s['pop'][i] += c['pop'][i]
                s['deaths'][i] += c['deaths'][i]
            s['infants'] += c['infants']
            s['births'] += c['births']
        if sum(s['deaths']) >= MIN_DEATHS:
            return s, 2 * h + 1
    return None, 0


def coale_demeny_west(sex, q0):
    if sex == 'M':
        return (0.33, 1.352) if q0 >= 0.1 else (0.0425 + 2.875 * q0, 1.653 - 3.013 * q0)
    return (0.35, 1.361) if q0 >= 0.1 else (0.05 + 3.0 * q0, 1.524 - 1.627 * q0)


def e1(c):
    """Exponential integral E1 by its power series."""
    s, term = 0.0, 1.0
    for k in range(1, 120):
        term *= -c / k
        s += term / k
    return -0.5772156649015329 - math.log(c) - s


def gompertz(deaths, expo):
    """Poisson MLE of ln mu = a + b x on the group midpoints of 60-84; e85, var(e85)."""
    idx = [i for i, s in enumerate(STARTS) if FIT_FROM <= s < FIT_TO]
    x = [STARTS[i] + 2.5 for i in idx]
    d = [deaths[i] for i in idx]
    e = [expo[i] for i in idx]
    # a log-linear Poisson regression by iteratively reweighted least squares
    a, b = math.log(sum(d) / sum(e)), 0.0
    for _ in range(200):
        mu = [ei * math.exp(a + b * xi) for xi, ei in zip(x, e)]
        z = [a + b * xi + (di - mi) / mi for xi, di, mi in zip(x, d, mu)]
        sw, swx, swxx = sum(mu), sum(m * xi for m, xi in zip(mu, x)), sum(m * xi * xi for m, xi in zip(mu, x))
        swz, swxz = sum(m * zi for m, zi in zip(mu, z)), sum(m * xi * zi for m, xi, zi in zip(mu, x, z))
        det = sw * swxx - swx * swx
        na, nb = (swxx * swz - swx * swxz) / det, (sw * swxz - swx * swz) / det
        done = abs(na - a) < 1e-13 and abs(nb - b) < 1e-15
        a, b = na, nb
        if done:
            break
    if not b > 0:
        return None
    mu = [ei * math.exp(a + b * xi) for xi, ei in zip(x, e)]
    i00, i01, i11 = sum(mu), sum(m * xi for m, xi in zip(mu, x)), sum(m * xi * xi for m, xi in zip(mu, x))
    det = i00 * i11 - i01 * i01
    cov = [[i11 / det, -i01 / det], [-i01 / det, i00 / det]]
    c = math.exp(a + b * 85) / b
    ex = math.exp(c) * e1(c) / b
    # d e85 / d a = (c/b)(...): with F(c) = e^c E1(c), F'(c) = F(c) - 1/c;
    # c = exp(a + 85 b)/b, dc/da = c, dc/db = c (85 - 1/b); e85 = F(c)/b
    f = math.exp(c) * e1(c)
    fp = f - 1 / c
    da = fp * c / b
    db = fp * c * (85 - 1 / b) / b - f / (b * b)
    var = da * da * cov[0][0] + 2 * da * db * cov[0][1] + db * db * cov[1][1]
    return ex, var


def table(s, sex, adj):
    """The table of summed counts s with exposures at 5+ times adj, or a withheld reason."""
    pop, deaths = s['pop'], s['deaths']
    if any(not p > 0 for p in pop):
        return None, 'no_population'
    expo = [p * (adj if st >= 5 else 1.0) for p, st in zip(pop, STARTS)]
    flags = []
    dch = list(deaths)  # the counts behind each row's variance
    if s['births'] > s['infants']:
        q0 = s['infants'] / s['births']
        dch[0] = s['infants']
    else:
        raise NotImplementedError('q0 from the death rate: not in the fixture')
    m = [d / e for d, e in zip(deaths, expo)]
    if deaths[OPEN] < FEW_OPEN:
        g = gompertz(deaths, expo)
        if g is None:
            return None, 'open_age'
        e85, var_open = g
        m[OPEN] = 1 / e85
        flags.append('closeout_gompertz')
    else:
        e85 = expo[OPEN] / deaths[OPEN]
        var_open = 1 / (m[OPEN] ** 2 * deaths[OPEN])
    a0, a1 = coale_demeny_west(sex, q0)
    ax = [a0, a1, 2.5, 2.5] + [2.5] * 14 + [e85]
    for i in range(4, OPEN):  # Greville from 15, the last closed group using the open group's rate
        n = 5.0
        if m[i - 1] > 0 and m[i + 1] > 0:
            k = math.log(m[i + 1] / m[i - 1]) / (2 * n)
            a = n / 2 - n * n / 12 * (m[i] - k)
            if 0 < a < n:
                ax[i] = a
    qx, lx, dx, nlx = [], [], [], []
    l = 100000.0
    for i, w in enumerate(WIDTHS):
        lx.append(l)
        if w == 0:
            qx.append(1.0)
            dx.append(l)
            nlx.append(l * e85)
            break
        q = q0 if i == 0 else w * m[i] / (1 + (w - ax[i]) * m[i])
        d = l * q
        qx.append(q)
        dx.append(d)
        nlx.append(w * (l - d) + ax[i] * d)
        l -= d
    mx = list(m)
    mx[0] = dx[0] / nlx[0]  # the rate the table implies at age 0
    tx, t = [0.0] * len(STARTS), 0.0
    for i in range(OPEN, -1, -1):
        t += nlx[i]
        tx[i] = t
    ex = [t_ / l_ for t_, l_ in zip(tx, lx)]
    # Chiang: variance of ex from var(q) = q^2 (1-q) / D, the open group adding var(e85)
    se = [0.0] * len(STARTS)
    acc = lx[OPEN] ** 2 * var_open
    se[OPEN] = math.sqrt(acc) / lx[OPEN]
    for i in range(OPEN - 1, -1, -1):
        if dch[i] > 0 and qx[i] > 0:
            acc += lx[i] ** 2 * (WIDTHS[i] - ax[i] + ex[i + 1]) ** 2 * qx[i] ** 2 * (1 - qx[i]) / dch[i]
        se[i] = math.sqrt(acc) / lx[i]

    def span(i, j):
        p, rel = 1.0, 0.0
        for g_ in range(i, j):
            p *= 1 - qx[g_]
            if dch[g_] > 0:
                rel += qx[g_] ** 2 * (1 - qx[g_]) / dch[g_] / (1 - qx[g_]) ** 2
        return 1 - p, math.sqrt(p * p * rel)

    i15, i60 = STARTS.index(15), STARTS.index(60)
    summary = [(ex[0], se[0]), (ex[i60], se[i60]), span(i15, i60), (qx[0], span(0, 1)[1]), span(0, 2)]
    return {'mx': mx, 'ax': ax, 'qx': qx, 'lx': lx, 'dx': dx, 'nlx': nlx, 'tx': tx, 'ex': ex, 'se': se,
            'summary': summary, 'dch': dch, 'flags': flags}, None


def falls(s):
    pop, deaths = s['pop'], s['deaths']
    for i in range(1, len(STARTS)):
        if STARTS[i - 1] < RISE_FROM:
            continue
        dp, dg = deaths[i - 1] + 0.5, deaths[i] + 0.5
        if math.log(dp / pop[i - 1]) - math.log(dg / pop[i]) > RISE_Z * math.sqrt(1 / dp + 1 / dg):
            return True
    return False


def fmt(v):
    return 'NULL' if v is None else repr(v)


def main():
    cells = read_counts()
    compl = read_completeness()
    lt_rows, le_rows = [], []

    def withheld(key, basis, flags):
        year, area, sex = key
        fl = ' '.join(sorted(flags))
        for i in range(len(STARTS)):
            lt_rows.append([year, area, sex, basis, LABELS[i], STARTS[i], WIDTHS[i]] + ['NULL'] * 5 + [fl] +
                           ['NULL'] * 8)
        for name in MEASURES:
            le_rows.append([year, area, sex, basis, name, 'years' if name in ('e0', 'e60') else 'probability'] +
                           ['NULL'] * 5 + [fl])

    for key in sorted(cells):
        year, area, sex = key
        s, years = pool(cells, key)
        base = {3: ['pooled_3y'], 5: ['pooled_5y']}.get(years, [])
        for basis in ('registered', 'adjusted_ggb_seg'):
            c, c_se = 1.0, 0.0
            flags = list(base)
            if basis == 'adjusted_ggb_seg':
                if key not in compl:
                    continue
                c, c_se = compl[key]
                flags += ['adjusted_5plus', 'under5_unadjusted']
            if s is None:
                withheld(key, basis, ['withheld', 'withheld_few_deaths'])
                continue
            t, reason = table(s, sex, c)
            if t is None:
                withheld(key, basis, flags + ['withheld', 'withheld_' + reason])
                continue
            flags += t['flags']
            total = sum(s['deaths'])
            if total < 1000:
                flags.append('lt1000_deaths')
            reasons = []
            if falls(s):
                reasons.append('rates_not_rising')
            if not E0_MIN <= t['ex'][0] <= E0_MAX:
                reasons.append('e0_out_of_bounds')
            if reasons:
                withheld(key, basis, flags + ['withheld'] + ['withheld_' + r for r in reasons])
                continue
            se, summary = list(t['se']), list(t['summary'])
            if basis == 'adjusted_ggb_seg':
                # the completeness's variance by the delta method, derivative by central differences
                h = 0.01 * c
                lo, _ = table(s, sex, c - h)
                hi, _ = table(s, sex, c + h)
                for i in range(len(se)):
                    d = (hi['ex'][i] - lo['ex'][i]) / (2 * h)
                    se[i] = math.sqrt(se[i] ** 2 + d * d * c_se * c_se)
                for k in range(len(summary)):
                    d = (hi['summary'][k][0] - lo['summary'][k][0]) / (2 * h)
                    summary[k] = (summary[k][0], math.sqrt(summary[k][1] ** 2 + d * d * c_se * c_se))
            fl = ' '.join(sorted(flags))
            if basis == 'adjusted_ggb_seg':
                # deaths under five unadjusted: the rows and what depends on
                # mortality under five are withheld; e60 and 45q15 are not
                held = flags + ['withheld', 'withheld_under5_unadjusted']
                hl = ' '.join(sorted(held))
                for i in range(len(STARTS)):
                    lt_rows.append([year, area, sex, basis, LABELS[i], STARTS[i], WIDTHS[i]] + ['NULL'] * 5 + [hl] +
                                   ['NULL'] * 8)
                for name, (v, sev) in zip(MEASURES, summary):
                    unit = 'years' if name in ('e0', 'e60') else 'probability'
                    if name in ('e60', '45q15'):
                        lo = v - Z * sev
                        le_rows.append([year, area, sex, basis, name, unit, int(math.floor(total + 0.5)), 'NULL', fmt(v),
                                        fmt(lo if lo > 0 else 0.0), fmt(v + Z * sev), fl])
                    else:
                        le_rows.append([year, area, sex, basis, name, unit] + ['NULL'] * 5 + [hl])
                continue
            for i in range(len(STARTS)):
                lt_rows.append([year, area, sex, basis, LABELS[i], STARTS[i], WIDTHS[i],
                                fmt(math.floor(t['dch'][i] * 1000 + 0.5) / 1000), fmt(s['pop'][i]), fmt(t['ex'][i]),
                                fmt(t['ex'][i] - Z * se[i]), fmt(t['ex'][i] + Z * se[i]), fl,
                                fmt(t['mx'][i]), fmt(t['ax'][i]), fmt(t['qx'][i]), fmt(t['lx'][i]), fmt(t['dx'][i]),
                                fmt(t['nlx'][i]), fmt(t['tx'][i]), fmt(se[i])])
            for name, (v, sev) in zip(MEASURES, summary):
                lo = v - Z * sev
                le_rows.append([year, area, sex, basis, name, 'years' if name in ('e0', 'e60') else 'probability',
                                int(math.floor(total + 0.5)), 'NULL', fmt(v), fmt(lo if lo > 0 else 0.0),
                                fmt(v + Z * sev), fl])

    with open('expected_life_table.csv', 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['year', 'area_code', 'sex', 'basis', 'age_group', 'age_start', 'width', 'numerator',
                    'denominator', 'value', 'ci_low', 'ci_high', 'flags', 'mx', 'ax', 'qx', 'lx', 'dx', 'nlx', 'tx',
                    'ex_se'])
        w.writerows(lt_rows)
    with open('expected_life_expectancy.csv', 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['year', 'area_code', 'sex', 'basis', 'measure', 'unit', 'numerator', 'denominator', 'value',
                    'ci_low', 'ci_high', 'flags'])
        w.writerows(le_rows)


if __name__ == '__main__':
    main()
