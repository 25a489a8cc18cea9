/*
 * measure.c - rendering and measuring the master: the fast meter or
 * libebur128.
 */
#include <math.h>
#include <stdlib.h>

#include <ebur128.h>

#include "mst.h"

static double db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -HUGE_VAL;
}

/* The largest true peak of control blocks [k, k1) of the master, from
 * `best` on: computed exactly where its bound comes `near` the ceiling (in
 * runs of consecutive blocks), the estimate g * gain * peak elsewhere. */
static double tp_scan(const mst_tp *tp, const mst_limiter *l, double g, const cz_audio *a,
                      double near, size_t k, size_t k1, double best)
{
    float v[256];
    while (k < k1) {
        double bound, est;
        mst_limiter_tp_bound(l, tp, g, k, &bound, &est);
        if (bound < near) {
            best = est > best ? est : best;
            k++;
            continue;
        }
        size_t e = k + 1;
        while (e < k1 && e - k < 256) {
            mst_limiter_tp_bound(l, tp, g, e, &bound, &est);
            if (bound < near)
                break;
            e++;
        }
        mst_tp_blocks(tp, a->samples, a->frames, a->channels, MST_CTL, k, e, v);
        for (size_t i = 0; i < e - k; i++)
            best = v[i] > best ? v[i] : best;
        k = e;
    }
    return best;
}

/* Limit and measure in one pass, 100 ms at a time while it is in cache:
 * apply the gain, K-weight the result (loudness and LRA of the master
 * itself) and take the true peak of the blocks whose interpolation taps
 * (6 frames past a block) are all rendered, so two blocks behind. */
static int limit_measure_fast(const mst_tp *tp, const mst_limiter *l, double g, cz_audio *a,
                              double ceiling_db, mst_measure *out)
{
    const uint32_t ch = a->channels, sub_len = (a->rate + 5) / 10;
    const uint64_t frames = a->frames;
    size_t n_sub = (size_t)(frames / sub_len);
    size_t n_all = (size_t)((frames + sub_len - 1) / sub_len);
    double *sub = malloc((n_all ? n_all : 1) * sizeof *sub);
    if (!sub)
        return CZ_ENOMEM;
    mst_biquad kw[2];
    mst_filt kf;
    mst_bq_kweight(kw, a->rate);
    mst_filt_init(&kf, kw, 2);
    double near = pow(10.0, (ceiling_db - 0.5) / 20.0), best = 0;
    float peak = 0;
    size_t tp_done = 0;
    for (uint64_t s = 0; s < frames; s += sub_len) {
        uint64_t e = s + sub_len < frames ? s + sub_len : frames;
        float p = mst_limiter_apply(l, a->samples, s, e, ch, g);
        peak = p > peak ? p : peak;
        mst_filt_energy(&kf, a->samples + s * ch, e - s, ch, sub_len, sub + s / sub_len);
        size_t upto = l->m;
        if (e < frames)
            upto = e / MST_CTL > 2 ? (size_t)(e / MST_CTL) - 2 : 0;
        if (upto > tp_done) {
            best = tp_scan(tp, l, g, a, near, tp_done, upto, best);
            tp_done = upto;
        }
    }
    out->integrated = mst_integrated(sub, n_sub, sub_len);
    out->lra = mst_lra(sub, n_sub, sub_len);
    free(sub);
    if (out->lra < 0)
        return CZ_ENOMEM;
    out->true_peak = db(best);
    out->sample_peak = db(peak);
    return 0;
}

static int measure_ebur128(const cz_audio *a, mst_measure *out)
{
    ebur128_state *st = ebur128_init(a->channels, a->rate,
                                     EBUR128_MODE_I | EBUR128_MODE_LRA |
                                         EBUR128_MODE_TRUE_PEAK |
                                         EBUR128_MODE_SAMPLE_PEAK);
    if (!st)
        return CZ_ENOMEM;
    int rc = 0;
    const uint64_t chunk = 1u << 16;
    for (uint64_t i = 0; i < a->frames && rc == 0; i += chunk) {
        uint64_t n = a->frames - i < chunk ? a->frames - i : chunk;
        if (ebur128_add_frames_float(st, a->samples + i * a->channels, (size_t)n))
            rc = CZ_ENOMEM;
    }
    double tp = 0, sp = 0, v;
    for (uint32_t c = 0; c < a->channels && rc == 0; c++) {
        if (ebur128_true_peak(st, c, &v) == EBUR128_SUCCESS && v > tp)
            tp = v;
        if (ebur128_sample_peak(st, c, &v) == EBUR128_SUCCESS && v > sp)
            sp = v;
    }
    if (rc == 0) {
        if (ebur128_loudness_global(st, &out->integrated) != EBUR128_SUCCESS)
            out->integrated = -HUGE_VAL;
        if (ebur128_loudness_range(st, &out->lra) != EBUR128_SUCCESS)
            out->lra = 0;
        out->true_peak = db(tp);
        out->sample_peak = db(sp);
    }
    ebur128_destroy(&st);
    return rc;
}

int mst_limit_measure(const mst_tp *tp, const mst_limiter *l, double g, cz_audio *a,
                      double ceiling_db, int use_ebur128, mst_measure *out)
{
    if (!use_ebur128)
        return limit_measure_fast(tp, l, g, a, ceiling_db, out);
    mst_limiter_apply(l, a->samples, 0, a->frames, a->channels, g);
    return measure_ebur128(a, out);
}
