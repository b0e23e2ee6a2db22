#!/usr/bin/env python3
"""An independent implementation of the warehouse's abridged life tables
(docs/methods.md section 7), written from the documented rules without the Go
code, to check lifetable_fixture_test.go: it reads the fixture's counts
(population.csv, deaths.csv, births.csv), the GGB-SEG completeness with its
standard error (completeness.csv: an input here, checked against published
cases in warehouse/demog), the best completeness of each band of deaths and of
births (completeness_best.csv, int_completeness_best) and the expected deaths
of each sex behind it (expected_deaths.csv, int_expected_events; both inputs
here, checked on synthetic truth in cmd/vitalstats), and writes
expected_life_table.csv and expected_life_expectancy.csv. Standard library
only. Run once from this folder: python3 lifetable_check.py.

Where it differs from the Go code on purpose, as a check: e85 of the Gompertz
closeout by the exponential integral's series (Go integrates numerically), its
variance by analytic derivatives of that formula (Go: central differences);
the reference-based completeness of pooled years as registered / expected
deaths summed (Go: the expected-weighted mean of the yearly values). With -mc
it also checks the adjusted tables' standard errors by Monte Carlo: Poisson
redraws of the registered deaths (binomial infant deaths) with the
completeness recomputed from them, and normal draws of the reference's error.
"""
import csv
import math
import random
import sys
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
BANDS = ['0', '1-4', '5+']  # the death bands of the completeness estimates
REFERENCE_METHODS = ('reference_rates', 'reference_asfr')  # registered / expected events
H = 0.01  # the relative step of the derivatives


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


def band_of(i):
    return '0' if STARTS[i] == 0 else '1-4' if STARTS[i] < 5 else '5+'


def read_best():
    """int_completeness_best by (year, area, band): value, registered, expected, log_se, method."""
    best = {}
    for r in csv.DictReader(open('completeness_best.csv')):
        band = 'births' if r['event_type'] == 'birth' else r['age_band']
        if band not in BANDS + ['births']:
            continue
        num = lambda x: float(x) if x != '' else None
        best[(int(r['year']), r['area_code'], band)] = (num(r['value']), num(r['numerator']), num(r['denominator']),
                                                        num(r['log_se']), r['method'])
    expected = {}
    for r in csv.DictReader(open('expected_deaths.csv')):
        expected[(int(r['year']), r['area_code'], r['sex'], r['age_band'])] = float(r['expected'] or 0)
    return best, expected


def window_completeness(best, expected, key, years):
    """The bands' completeness over the years of a table: for each band (and
    births) the completeness, its reference error (the standard error of its
    log beyond the registrations' Poisson noise: years taken as one error, so
    averaged by expected events), whether it is registered / expected (then its
    registered and expected events), and the expected deaths of each sex.
    None when a year lacks an estimate."""
    year, area, sex = key
    ys = range(year - years // 2, year + years // 2 + 1)
    out = {}
    for band in BANDS + ['births']:
        rows = [best.get((y, area, band)) for y in ys]
        if any(r is None or r[0] is None or not r[0] > 0 or not (r[1] or 0) > 0 or r[3] is None for r in rows):
            return None
        shared = all(r[4] in REFERENCE_METHODS for r in rows)
        den = sum(r[2] for r in rows)
        ses = [math.sqrt(max(r[3] ** 2 - 1 / r[1], 0)) if r[4] in REFERENCE_METHODS else r[3] for r in rows]
        out[band] = {'shared': shared, 'registered': sum(r[1] for r in rows), 'expected': den,
                     'c': sum(r[1] for r in rows) / den if shared else sum(r[0] * r[2] for r in rows) / den,
                     'se': sum(se * r[2] for se, r in zip(ses, rows)) / den}
    for s in ('M', 'F'):
        for band in BANDS:
            e = [expected.get((y, area, s, band), 0.0) for y in ys]
            if not all(x > 0 for x in e):
                return None
            out[(s, band)] = sum(e)
    return out


def band_registered(s):
    """Registered deaths by band as the completeness of a sex counts them: infant deaths as q0 does."""
    r = {b: 0.0 for b in BANDS}
    for i in range(1, len(STARTS)):
        r[band_of(i)] += s['deaths'][i]
    r['0'] = s['infants']
    return r


def sex_completeness(w, sex, own, other):
    """Each band's completeness for the sex: c x (R_s / E_s) / ((R_M + R_F) / (E_M + E_F)); None when a band
    has no registered death of the sex. Births: both sexes."""
    o = 'F' if sex == 'M' else 'M'
    rs, ro = band_registered(own), band_registered(other)
    c = {'births': w['births']['c']}
    for b in BANDS:
        if not rs[b] > 0:
            return None
        c[b] = w[b]['c'] * (rs[b] / w[(sex, b)]) / ((rs[b] + ro[b]) / (w[(sex, b)] + w[(o, b)]))
    return c


def adjusted_table(s, sex, c):
    mult = [c[band_of(i)] for i in range(len(STARTS))]
    return table(s, sex, mult, c['births'] / c['0'])


def adjusted_variance(s, sex, w, other, base):
    """Delta method on the registered counts (each moving the completeness that counts it) and the
    completeness's reference errors, by central differences (1 +- H); the reference's errors of the
    bands 0 and 1-4 fully correlated. Returns the variances of ex by group and of the measures."""
    parts = []  # (variance, function of f -> table)

    def moved(counts_fn, band, n):
        def at(f):
            s2 = {'pop': s['pop'], 'deaths': list(s['deaths']), 'infants': s['infants'], 'births': s['births']}
            counts_fn(s2, f)
            w2 = dict(w)
            if w[band]['shared']:
                b2 = dict(w[band])
                b2['registered'] += n * (f - 1)
                b2['c'] = b2['registered'] / b2['expected']
                w2[band] = b2
            return adjusted_table(s2, sex, sex_completeness(w2, sex, s2, other))[0]
        return at

    q0 = s['infants'] / s['births']
    if s['births'] > s['infants'] and s['infants'] > 0:
        parts.append(((1 - q0) / s['infants'], moved(lambda s2, f: s2.update(infants=s['infants'] * f), '0', s['infants'])))
    for i in range(1, len(STARTS)):
        d = s['deaths'][i]
        if d > 0:
            def set_d(s2, f, i=i):
                s2['deaths'][i] = s['deaths'][i] * f
            parts.append((1 / d, moved(set_d, band_of(i), d)))
    deriv = {}
    for band in BANDS + ['births']:
        def at(f, band=band):
            w2 = dict(w)
            w2[band] = dict(w[band], c=w[band]['c'] * f)
            return adjusted_table(s, sex, sex_completeness(w2, sex, s, other))[0]
        parts.append((w[band]['se'] ** 2, at))
        deriv[band] = len(parts) - 1
    n = len(STARTS)
    var_ex, var_m = [0.0] * n, [0.0] * len(MEASURES)
    grads = []
    for v, at in parts:
        lo, hi = at(1 - H), at(1 + H)
        gex = [(hi['ex'][i] - lo['ex'][i]) / (2 * H) for i in range(n)]
        gm = [(hi['summary'][k][0] - lo['summary'][k][0]) / (2 * H) for k in range(len(MEASURES))]
        grads.append((gex, gm))
        for i in range(n):
            var_ex[i] += gex[i] ** 2 * v
        for k in range(len(MEASURES)):
            var_m[k] += gm[k] ** 2 * v
    if w['0']['shared'] and w['1-4']['shared']:
        cov = w['0']['se'] * w['1-4']['se']
        (g0ex, g0m), (g1ex, g1m) = grads[deriv['0']], grads[deriv['1-4']]
        for i in range(n):
            var_ex[i] += 2 * g0ex[i] * g1ex[i] * cov
        for k in range(len(MEASURES)):
            var_m[k] += 2 * g0m[k] * g1m[k] * cov
    return var_ex, var_m


def monte_carlo(cells, best, expected, key, reps=2000):
    """The spread of the adjusted table's measures over redraws of what it is computed from, beside the
    delta method's standard errors."""
    rnd = random.Random('%s' % (key,))
    year, area, sex = key
    o = 'F' if sex == 'M' else 'M'
    s, years = pool(cells, key)
    other = window_counts(cells, (year, area, o), years)
    w = window_completeness(best, expected, key, years)
    c = sex_completeness(w, sex, s, other)
    t, _ = adjusted_table(s, sex, c)
    var_ex, var_m = adjusted_variance(s, sex, w, other, None)

    def poisson(m):
        if m > 500:
            return max(rnd.gauss(m, math.sqrt(m)), 0.0)
        k, p = 0, math.exp(-m)  # by inversion
        cum, u = p, rnd.random()
        while u > cum:
            k += 1
            p *= m / k
            cum += p
        return float(k)

    draws = []
    for _ in range(reps):
        s2 = {'pop': s['pop'], 'births': s['births'], 'deaths': [poisson(d) for d in s['deaths']]}
        q0 = s['infants'] / s['births']
        s2['infants'] = max(rnd.gauss(s['infants'], math.sqrt(s['births'] * q0 * (1 - q0))), 1.0)
        w2 = dict(w)
        z = rnd.gauss(0, 1)  # the reference's errors under five move together
        for band in BANDS + ['births']:
            b2 = dict(w[band])
            if b2['shared'] and band != 'births':
                own0, own1 = band_registered(s)[band], band_registered(s2)[band]
                b2['registered'] += own1 - own0
                b2['c'] = b2['registered'] / b2['expected']
            e = z if band in ('0', '1-4') else rnd.gauss(0, 1)
            b2['c'] *= math.exp(e * b2['se'])
            w2[band] = b2
        c2 = sex_completeness(w2, sex, s2, other)
        t2, _ = adjusted_table(s2, sex, c2) if c2 else (None, None)
        if t2 is not None:
            draws.append([m[0] for m in t2['summary']])
    for k, name in enumerate(MEASURES):
        xs = [d[k] for d in draws]
        mean = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
        print('%s %s: %s = %.6g, delta-method SE %.4g, Monte Carlo SD %.4g (%d draws; ratio %.3f)' % (
            key, 'adjusted_completeness', name, t['summary'][k][0], math.sqrt(var_m[k]), sd, len(xs),
            math.sqrt(var_m[k]) / sd if sd > 0 else float('nan')))


def window_counts(cells, key, years):
    year, area, sex = key
    ks = [(y, area, sex) for y in range(year - years // 2, year + years // 2 + 1)]
    if not all(k in cells for k in ks):
        return None
    s = {'pop': [0.0] * len(STARTS), 'deaths': [0.0] * len(STARTS), 'infants': 0.0, 'births': 0.0}
    for k in ks:
        c = cells[k]
        for i in range(len(STARTS)):
            s['pop'][i] += c['pop'][i]
            s['deaths'][i] += c['deaths'][i]
        s['infants'] += c['infants']
        s['births'] += c['births']
    return s


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


def table(s, sex, mult, q0_mult=1.0):
    """The table of summed counts s with the exposures times mult (by group) and q0 times q0_mult, or a
    withheld reason."""
    pop, deaths = s['pop'], s['deaths']
    if any(not p > 0 for p in pop):
        return None, 'no_population'
    expo = [p * m for p, m in zip(pop, mult)]
    flags = []
    dch = list(deaths)  # the counts behind each row's variance
    if s['births'] > s['infants']:
        q0 = s['infants'] / s['births'] * q0_mult
        if not q0 < 1:
            return None, 'q0_out_of_range'
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


def read_reference():
    """int_reference_rates of the fixture's years, by (year, sex): the rows by age start."""
    ref = defaultdict(dict)
    for r in csv.DictReader(open('reference_rates.csv')):
        ref[(int(r['year']), r['sex'])][int(r['age_start'])] = r
    return ref


def reference_rows(ref, years):
    """The nation's reference measures: e0, e60, 45q15 with the adult rates' basis and no interval; 1q0
    and 5q0 with the basis of the rates under five and IGME's interval (log_se of the groups 0 and 1-4)."""
    rows = []
    for (year, sex), t in sorted(ref.items()):
        if year not in years:
            continue
        f = lambda age, col: float(t[age][col])
        adult, child = t[60]['basis'], t[0]['basis']
        for name, v, basis, se in [('e0', f(0, 'ex'), adult, 0.0), ('e60', f(60, 'ex'), adult, 0.0),
                                   ('45q15', 1 - f(60, 'lx') / f(15, 'lx'), adult, 0.0),
                                   ('1q0', f(0, 'qx'), child, f(0, 'log_se')),
                                   ('5q0', 1 - f(5, 'lx') / f(0, 'lx'), child, f(1, 'log_se'))]:
            lo, hi = (fmt(v * math.exp(-Z * se)), fmt(v * math.exp(Z * se))) if se > 0 else ('NULL', 'NULL')
            rows.append([year, 'KH', sex, basis, name, 'years' if name in ('e0', 'e60') else 'probability',
                         'NULL', 'NULL', fmt(v), lo, hi, ''])
    return rows


def main():
    cells = read_counts()
    compl = read_completeness()
    best, expected = read_best()
    if '-mc' in sys.argv:
        for key in [(2021, 'KH', 'M'), (2021, 'KH', 'F'), (2021, '12', 'F'), (2021, '23', 'M')]:
            monte_carlo(cells, best, expected, key)
        return
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
        for basis in ('registered', 'adjusted_ggb_seg', 'adjusted_completeness'):
            flags = list(base)
            if basis == 'adjusted_ggb_seg' and key not in compl:
                continue
            if s is None:
                withheld(key, basis, ['withheld', 'withheld_few_deaths'])
                continue
            if basis == 'registered':
                t, reason = table(s, sex, [1.0] * len(STARTS))
            elif basis == 'adjusted_ggb_seg':
                c, c_se = compl[key]
                flags += ['adjusted_5plus', 'under5_unadjusted']
                ggb = lambda c: [c if st >= 5 else 1.0 for st in STARTS]
                t, reason = table(s, sex, ggb(c))
            else:
                other = window_counts(cells, (year, area, 'F' if sex == 'M' else 'M'), years)
                w = window_completeness(best, expected, key, years)
                csex = sex_completeness(w, sex, s, other) if w and other else None
                if csex is None:
                    withheld(key, basis, flags + ['withheld', 'withheld_no_completeness'])
                    continue
                if any(w[b]['shared'] for b in BANDS + ['births']):
                    flags.append('level_from_reference')
                t, reason = adjusted_table(s, sex, csex)
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
                lo, _ = table(s, sex, ggb(c - h))
                hi, _ = table(s, sex, ggb(c + h))
                for i in range(len(se)):
                    d = (hi['ex'][i] - lo['ex'][i]) / (2 * h)
                    se[i] = math.sqrt(se[i] ** 2 + d * d * c_se * c_se)
                for k in range(len(summary)):
                    d = (hi['summary'][k][0] - lo['summary'][k][0]) / (2 * h)
                    summary[k] = (summary[k][0], math.sqrt(summary[k][1] ** 2 + d * d * c_se * c_se))
            if basis == 'adjusted_completeness':
                var_ex, var_m = adjusted_variance(s, sex, w, other, base)
                se = [math.sqrt(v) for v in var_ex]
                summary = [(v, math.sqrt(vm)) for (v, _), vm in zip(summary, var_m)]
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
    le_rows += reference_rows(read_reference(), {k[0] for k in cells})

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
