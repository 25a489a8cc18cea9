/*
 * measure.c - measuring the master: the fast meter or libebur128.
 */
#include <math.h>
#include <stdlib.h>

#include <ebur128.h>

#include "mst.h"

static double db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -HUGE_VAL;
}

static int measure_fast(const mst_tp *tp, const mst_limiter *l, double g,
                        const cz_audio *a, double ceiling_db, mst_measure *out)
{
    uint32_t sub_len = (a->rate + 5) / 10;
    size_t n_sub = (size_t)(a->frames / sub_len);
    size_t n_all = (size_t)((a->frames + sub_len - 1) / sub_len);
    double *sub = malloc((n_all ? n_all : 1) * sizeof *sub);
    if (!sub)
        return CZ_ENOMEM;
    mst_kweight_energy(a->samples, a->frames, a->channels, a->rate, sub_len, sub);
    out->integrated = mst_integrated(sub, n_sub, sub_len);
    out->lra = mst_lra(sub, n_sub, sub_len);
    free(sub);
    if (out->lra < 0)
        return CZ_ENOMEM;

    /* True peak: exact where it could come near the ceiling, in runs of
     * consecutive blocks; the estimate elsewhere. */
    double near = pow(10.0, (ceiling_db - 0.5) / 20.0), best = 0;
    float v[256];
    size_t k = 0;
    while (k < l->m) {
        double bound, est;
        mst_limiter_tp_bound(l, tp, g, k, &bound, &est);
        if (bound < near) {
            best = est > best ? est : best;
            k++;
            continue;
        }
        size_t k1 = k + 1;
        while (k1 < l->m && k1 - k < 256) {
            mst_limiter_tp_bound(l, tp, g, k1, &bound, &est);
            if (bound < near)
                break;
            k1++;
        }
        mst_tp_blocks(tp, a->samples, a->frames, a->channels, MST_CTL, k, k1, v);
        for (size_t i = 0; i < k1 - k; i++)
            best = v[i] > best ? v[i] : best;
        k = k1;
    }
    out->true_peak = db(best);
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

int mst_measure_master(const mst_tp *tp, const mst_limiter *l, double g,
                       const cz_audio *a, double ceiling_db, float sample_peak,
                       int use_ebur128, mst_measure *out)
{
    if (use_ebur128)
        return measure_ebur128(a, out);
    out->sample_peak = db(sample_peak);
    return measure_fast(tp, l, g, a, ceiling_db, out);
}
