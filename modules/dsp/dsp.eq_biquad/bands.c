/*
 * bands.c - parse EQ bands and design their RBJ cookbook biquads.
 *
 * The formulas are Robert Bristow-Johnson's "Cookbook formulae for audio
 * EQ biquad filter coefficients", with the Q form of alpha for every type
 * (for shelves Q sets the slope; Q = 0.7071 is the classic maximally steep
 * shelf without overshoot).
 */
#include <math.h>
#include <string.h>

#include "bands.h"

static const char *const type_names[] = {"peak", "lowshelf", "highshelf",
                                         "lowpass", "highpass", 0};

static int band_number(const json_t *o, int i, const char *field, double def,
                       double lo, double hi, double *out, cz_error *err)
{
    const json_t *v = json_object_get(o, field);
    if (!v) {
        if (isnan(def))
            return cz_err(err, CZ_EINVAL,
                          "option bands[%d].%s: missing (a number in %g..%g)",
                          i, field, lo, hi);
        *out = def;
        return 0;
    }
    if (!json_is_number(v))
        return cz_err(err, CZ_EINVAL,
                      "option bands[%d].%s: must be a number in %g..%g", i,
                      field, lo, hi);
    double x = json_number_value(v);
    if (!(x >= lo && x <= hi))
        return cz_err(err, CZ_EINVAL,
                      "option bands[%d].%s: %g is out of range %g..%g", i,
                      field, x, lo, hi);
    *out = x;
    return 0;
}

int eq_bands_parse(const json_t *bands, eq_band *out, int *n_out,
                   cz_error *err)
{
    *n_out = 0;
    if (!bands || json_is_null(bands))
        return 0;
    if (!json_is_array(bands))
        return cz_err(err, CZ_EINVAL,
                      "option bands: must be a list of {type, freq, gain_db, q}");
    size_t n = json_array_size(bands);
    if (n > EQ_MAX_BANDS)
        return cz_err(err, CZ_EINVAL,
                      "option bands: %zu bands, at most %d are supported", n,
                      EQ_MAX_BANDS);
    for (size_t k = 0; k < n; k++) {
        int i = (int)k;
        const json_t *o = json_array_get(bands, k);
        if (!json_is_object(o))
            return cz_err(err, CZ_EINVAL,
                          "option bands[%d]: must be a mapping {type, freq, gain_db, q}",
                          i);
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *)o, key, val) {
            (void)val;
            if (strcmp(key, "type") && strcmp(key, "freq") &&
                strcmp(key, "gain_db") && strcmp(key, "q"))
                return cz_err(err, CZ_EINVAL,
                              "option bands[%d].%s: unknown field (expected type, freq, gain_db, q)",
                              i, key);
        }
        const char *t = json_string_value(json_object_get(o, "type"));
        if (!t)
            return cz_err(err, CZ_EINVAL,
                          "option bands[%d].type: missing or not a string "
                          "(peak|lowshelf|highshelf|lowpass|highpass)", i);
        int type = -1;
        for (int j = 0; type_names[j]; j++)
            if (!strcmp(t, type_names[j]))
                type = j;
        if (type < 0)
            return cz_err(err, CZ_EINVAL,
                          "option bands[%d].type: unknown type '%s' "
                          "(peak|lowshelf|highshelf|lowpass|highpass)", i, t);
        eq_band *b = &out[k];
        b->type = (eq_type)type;
        int shelf = b->type == EQ_LOWSHELF || b->type == EQ_HIGHSHELF;
        int rc;
        if ((rc = band_number(o, i, "freq", NAN, 10, 40000, &b->freq, err)) ||
            (rc = band_number(o, i, "gain_db", 0, -48, 48, &b->gain_db, err)) ||
            (rc = band_number(o, i, "q", M_SQRT1_2, 0.05, shelf ? 10 : 50,
                              &b->q, err)))
            return rc;
        if ((b->type == EQ_LOWPASS || b->type == EQ_HIGHPASS))
            b->gain_db = 0;
    }
    *n_out = (int)n;
    return 0;
}

int eq_band_is_identity(const eq_band *b)
{
    return (b->type == EQ_PEAK || b->type == EQ_LOWSHELF ||
            b->type == EQ_HIGHSHELF) && b->gain_db == 0.0;
}

void eq_band_coef(const eq_band *b, double rate, eq_coef *c)
{
    double f = b->freq;
    if (f > 0.49 * rate)
        f = 0.49 * rate;
    double w0 = 2.0 * M_PI * f / rate;
    double cw = cos(w0), sw = sin(w0);
    double alpha = sw / (2.0 * b->q);
    double A = pow(10.0, b->gain_db / 40.0);
    double sA = sqrt(A);
    double b0, b1, b2, a0, a1, a2;

    switch (b->type) {
    case EQ_LOWPASS:
        b0 = (1 - cw) / 2, b1 = 1 - cw, b2 = (1 - cw) / 2;
        a0 = 1 + alpha, a1 = -2 * cw, a2 = 1 - alpha;
        break;
    case EQ_HIGHPASS:
        b0 = (1 + cw) / 2, b1 = -(1 + cw), b2 = (1 + cw) / 2;
        a0 = 1 + alpha, a1 = -2 * cw, a2 = 1 - alpha;
        break;
    case EQ_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * cw + 2 * sA * alpha);
        b1 = 2 * A * ((A - 1) - (A + 1) * cw);
        b2 = A * ((A + 1) - (A - 1) * cw - 2 * sA * alpha);
        a0 = (A + 1) + (A - 1) * cw + 2 * sA * alpha;
        a1 = -2 * ((A - 1) + (A + 1) * cw);
        a2 = (A + 1) + (A - 1) * cw - 2 * sA * alpha;
        break;
    case EQ_HIGHSHELF:
        b0 = A * ((A + 1) + (A - 1) * cw + 2 * sA * alpha);
        b1 = -2 * A * ((A - 1) + (A + 1) * cw);
        b2 = A * ((A + 1) + (A - 1) * cw - 2 * sA * alpha);
        a0 = (A + 1) - (A - 1) * cw + 2 * sA * alpha;
        a1 = 2 * ((A - 1) - (A + 1) * cw);
        a2 = (A + 1) - (A - 1) * cw - 2 * sA * alpha;
        break;
    case EQ_PEAK:
    default:
        b0 = 1 + alpha * A, b1 = -2 * cw, b2 = 1 - alpha * A;
        a0 = 1 + alpha / A, a1 = -2 * cw, a2 = 1 - alpha / A;
        break;
    }
    c->b0 = b0 / a0;
    c->b1 = b1 / a0;
    c->b2 = b2 / a0;
    c->a1 = a1 / a0;
    c->a2 = a2 / a0;
}

double eq_coef_mag(const eq_coef *c, double w)
{
    double c1 = cos(w), c2 = cos(2 * w);
    double num = c->b0 * c->b0 + c->b1 * c->b1 + c->b2 * c->b2 +
                 2 * (c->b0 * c->b1 + c->b1 * c->b2) * c1 +
                 2 * c->b0 * c->b2 * c2;
    double den = 1 + c->a1 * c->a1 + c->a2 * c->a2 +
                 2 * (c->a1 + c->a1 * c->a2) * c1 + 2 * c->a2 * c2;
    if (num < 0)
        num = 0;
    return den > 0 ? sqrt(num / den) : 0;
}

double eq_coef_pole_radius(const eq_coef *c)
{
    /* Roots of z^2 + a1 z + a2. */
    double d = c->a1 * c->a1 - 4 * c->a2;
    if (d < 0)
        return sqrt(c->a2 > 0 ? c->a2 : 0);
    double s = sqrt(d);
    double r1 = fabs((-c->a1 + s) / 2), r2 = fabs((-c->a1 - s) / 2);
    return r1 > r2 ? r1 : r2;
}

int eq_bands_effective(const json_t *bands, eq_band *out, int *n_out, cz_error *err)
{
    eq_band all[EQ_MAX_BANDS];
    int n = 0;
    int rc = eq_bands_parse(bands, all, &n, err);
    *n_out = 0;
    for (int i = 0; !rc && i < n; i++)
        if (!eq_band_is_identity(&all[i]))
            out[(*n_out)++] = all[i];
    return rc;
}
