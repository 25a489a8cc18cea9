/*
 * meter.c - a fast ITU-R BS.1770-4 loudness meter (EBU R 128 / Tech 3342).
 *
 * Why not only libebur128: on one core it needs ~0.13 s to measure the
 * integrated loudness of a 3-minute 48 kHz stereo song (0.5 s with true
 * peak), and the whole mastering stage has ~0.2 s. This meter does the
 * same arithmetic faster: both channels of a frame go through the two
 * K-weighting biquads in one two-lane double vector, and it only sums the
 * filtered energy per block; the gating works on those sums afterwards, so
 * the mastering loop can re-gate predicted energies without touching the
 * samples again. The unit tests hold it to libebur128 within 0.05 LU, and
 * `meter: ebur128` makes the stage report libebur128's own figures.
 *
 * Gating (BS.1770-4): 400 ms blocks every 100 ms, absolute gate -70 LUFS,
 * relative gate 10 LU below the absolute-gated level. LRA (EBU Tech 3342):
 * 3 s short-term blocks every second (as libebur128 steps them), absolute
 * gate -70 LUFS, relative gate 20 LU, range between the 10th and 95th
 * percentiles (nearest rank).
 */
#include <math.h>
#include <stdlib.h>

#include "mst.h"

#define ABS_GATE_LUFS (-70.0)

static double lufs(double ms)
{
    return ms > 0 ? -0.691 + 10.0 * log10(ms) : -HUGE_VAL;
}

static double ms_of(double l)
{
    return pow(10.0, (l + 0.691) / 10.0);
}

double mst_integrated(const double *sub, size_t n_sub, double sub_len)
{
    if (n_sub < 4)
        return -HUGE_VAL;
    size_t nb = n_sub - 3;
    double abs_ms = ms_of(ABS_GATE_LUFS), sum = 0;
    size_t n = 0;
    for (size_t j = 0; j < nb; j++) {
        double ms = (sub[j] + sub[j + 1] + sub[j + 2] + sub[j + 3]) / (4 * sub_len);
        if (ms > abs_ms) {
            sum += ms;
            n++;
        }
    }
    if (n == 0)
        return -HUGE_VAL;
    double rel_ms = ms_of(lufs(sum / (double)n) - 10.0);
    double gate = rel_ms > abs_ms ? rel_ms : abs_ms;
    sum = 0;
    n = 0;
    for (size_t j = 0; j < nb; j++) {
        double ms = (sub[j] + sub[j + 1] + sub[j + 2] + sub[j + 3]) / (4 * sub_len);
        if (ms > gate) {
            sum += ms;
            n++;
        }
    }
    return n ? lufs(sum / (double)n) : -HUGE_VAL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double mst_lra(const double *sub, size_t n_sub, double sub_len)
{
    if (n_sub < 30)
        return 0.0;
    size_t nb = (n_sub - 30) / 10 + 1;
    double *l = malloc(nb * sizeof *l);
    if (!l)
        return -1.0;
    double abs_ms = ms_of(ABS_GATE_LUFS), sum = 0;
    size_t n = 0;
    for (size_t j = 0; j < nb; j++) {
        double e = 0;
        for (size_t k = 0; k < 30; k++)
            e += sub[j * 10 + k];
        double ms = e / (30 * sub_len);
        if (ms > abs_ms) {
            l[n++] = ms;
            sum += ms;
        }
    }
    double lra = 0.0;
    if (n > 0) {
        double rel_ms = ms_of(lufs(sum / (double)n) - 20.0);
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            if (l[j] > rel_ms)
                l[m++] = lufs(l[j]);
        if (m > 0) {
            qsort(l, m, sizeof *l, cmp_double);
            size_t lo = (size_t)((double)(m - 1) * 0.10 + 0.5);
            size_t hi = (size_t)((double)(m - 1) * 0.95 + 0.5);
            lra = l[hi] - l[lo];
        }
    }
    free(l);
    return lra;
}
