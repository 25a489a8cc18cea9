/*
 * limiter.c - the look-ahead true-peak limiter.
 *
 * Mastering sees the whole song, so the limiter can look ahead as far as
 * it likes at no latency cost. It works on a control grid of MST_CTL
 * frames (6 kHz at 48 kHz), on per-block true-peak maxima measured once
 * (truepeak.c) before any gain, because peaks scale with gain: trying
 * another overall gain costs only a pass over the grid, not the samples.
 *
 * For gain g and ceiling c, control point k (at frame k * MST_CTL) may not
 * exceed need[k] = c / (g * peak) for the peaks of the blocks on either
 * side of it, so the linear ramp between two control points never exceeds
 * what any sample in between needs. Then:
 *
 *   hold  h[k] = min(need[k .. k + A - 1])       look-ahead of A steps
 *   rel   r[k] = min(h[k], 1 - (1 - r[k-1]) * R) exponential release
 *   gain  two moving averages of A/2 steps over r
 *
 * The averages span A - 1 steps, each inside the hold window of every
 * point they cover, so gain[k] <= need[k] holds exactly (up to rounding,
 * which the stage's safety margin absorbs): no overshoot, and the gain
 * falls in an S-shaped ramp over ~A steps before a peak instead of a
 * click. The release runs on (1 - gain), a smooth exponential recovery.
 */
#include <math.h>
#include <stdlib.h>

#include "mst.h"

int mst_limiter_init(mst_limiter *l, uint64_t frames, double rate,
                     double lookahead_ms, double release_ms)
{
    *l = (mst_limiter){0};
    l->m = (size_t)((frames + MST_CTL - 1) / MST_CTL);
    size_t n = l->m + 1;
    l->pb = calloc(n, sizeof *l->pb);
    l->gc = calloc(n, sizeof *l->gc);
    l->tmp1 = calloc(n, sizeof *l->tmp1);
    l->tmp2 = calloc(n, sizeof *l->tmp2);
    if (!l->pb || !l->gc || !l->tmp1 || !l->tmp2) {
        mst_limiter_free(l);
        return CZ_ENOMEM;
    }
    double steps = lookahead_ms * 1e-3 * rate / MST_CTL;
    uint32_t a = (uint32_t)ceil(steps);
    if (a < 2)
        a = 2;
    a += a & 1u;
    l->attack = a;
    l->release = exp(-(double)MST_CTL / (release_ms * 1e-3 * rate));
    return 0;
}

void mst_limiter_free(mst_limiter *l)
{
    free(l->pb);
    free(l->gc);
    free(l->tmp1);
    free(l->tmp2);
    *l = (mst_limiter){0};
}

/* Sliding minimum of in[0..n) over [k, k + w) into out (van Herk /
 * Gil-Werman: a prefix and a suffix minimum per block of w). */
static void sliding_min(const float *in, float *out, float *pre, size_t n,
                        uint32_t w)
{
    for (size_t s = 0; s < n; s += w) {
        size_t e = s + w < n ? s + w : n;
        pre[s] = in[s];
        for (size_t i = s + 1; i < e; i++)
            pre[i] = in[i] < pre[i - 1] ? in[i] : pre[i - 1];
        out[e - 1] = in[e - 1];
        for (size_t i = e - 1; i-- > s;)
            out[i] = in[i] < out[i + 1] ? in[i] : out[i + 1];
    }
    /* out holds suffix minima; combine with the prefix minimum of the
     * block where the window ends. */
    for (size_t s = 0; s < n; s += w)
        for (size_t k = s + 1; k < s + w && k < n; k++) {
            /* The window [k, k + w) ends in the next block. */
            size_t last = k + w - 1 < n ? k + w - 1 : n - 1;
            if (last >= s + w && pre[last] < out[k])
                out[k] = pre[last];
        }
}

float mst_limiter_compute(mst_limiter *l, double g, double c)
{
    size_t n = l->m + 1;
    float *need = l->gc, *hold = l->tmp1;
    /* need[k]: blocks k-1 and k meet at control point k. */
    double lim = c / g;
    /* lim / max(p, lim) is lim / p above lim and exactly 1 below: no
     * branch, which would go either way at random in limited passages. */
    need[0] = (float)(lim / (l->pb[0] > lim ? l->pb[0] : lim));
    for (size_t k = 1; k < l->m; k++) {
        double p = l->pb[k - 1] > l->pb[k] ? l->pb[k - 1] : l->pb[k];
        need[k] = (float)(lim / (p > lim ? p : lim));
    }
    need[l->m] = (float)(lim / (l->pb[l->m - 1] > lim ? l->pb[l->m - 1] : lim));
    sliding_min(need, hold, l->tmp2, n, l->attack);

    /* Release, then two moving averages of attack/2 steps, in one pass
     * (three independent running recurrences the CPU overlaps): r into
     * hold (in place), the first average into tmp2, the second into gc.
     * Before the song the gain is taken as 1. */
    const uint32_t w = l->attack / 2;
    const double inv = 1.0 / w;
    float *avg1 = l->tmp2, *gc = l->gc;
    double r = 1.0, sum1 = w, sum2 = w;
    float gmin = 1.0f;
    for (size_t k = 0; k < n; k++) {
        double rel = 1.0 - (1.0 - r) * l->release;
        r = hold[k] < rel ? hold[k] : rel;
        if (r > 1.0 - 1e-7)
            r = 1.0;
        hold[k] = (float)r;
        sum1 += hold[k] - (k >= w ? hold[k - w] : 1.0f);
        avg1[k] = (float)(sum1 * inv);
        sum2 += avg1[k] - (k >= w ? avg1[k - w] : 1.0f);
        float v = (float)(sum2 * inv);
        v = v > 1.0f ? 1.0f : v;
        gc[k] = v;
        gmin = v < gmin ? v : gmin;
    }
    return gmin;
}

void mst_limiter_predict(const mst_limiter *l, const double *keb,
                         uint32_t sub_len, double *sub, size_t n_sub)
{
    /* Control block k belongs to the sub-block its first frame is in. */
    size_t k = 0;
    for (size_t s = 0; s < n_sub; s++) {
        uint64_t end = (uint64_t)(s + 1) * sub_len;
        double e = 0;
        for (; k < l->m && (uint64_t)k * MST_CTL < end; k++) {
            double a = l->gc[k], b = l->gc[k + 1];
            e += keb[k] * (a * a + a * b + b * b);
        }
        sub[s] = e / 3.0;
    }
}

float mst_limiter_apply(const mst_limiter *l, float *x, uint64_t f0, uint64_t f1,
                        uint32_t ch, double g)
{
    const float inv = 1.0f / MST_CTL;
    float peak = 0;
    /* Frame f is step f % MST_CTL of the ramp across control block f / MST_CTL,
     * wherever the range starts: a song applied in pieces is the song applied
     * at once, bit for bit. */
    for (uint64_t f = f0; f < f1;) {
        size_t k = (size_t)(f / MST_CTL);
        uint64_t start = (uint64_t)k * MST_CTL;
        uint64_t end = start + MST_CTL < f1 ? start + MST_CTL : f1;
        float g0 = (float)(g * l->gc[k]);
        float d = ((float)(g * l->gc[k + 1]) - g0) * inv;
        float p = mst_ramp(x + f * ch, ch, (uint32_t)(f - start), (uint32_t)(end - start), g0, d);
        peak = p > peak ? p : peak;
        f = end;
    }
    return peak;
}

void mst_limiter_tp_bound(const mst_limiter *l, const mst_tp *tp, double g,
                          size_t k, double *bound, double *estimate)
{
    /* The interpolator around block k reads blocks k-1..k+1 (taps reach 6
     * frames), whose gains lie between control points k-1 and k+2. */
    size_t a = k > 0 ? k - 1 : 0, b = k + 2 <= l->m ? k + 2 : l->m;
    float gmax = 0, gmin = 1, pn = 0;
    for (size_t i = a; i <= b; i++) {
        gmax = l->gc[i] > gmax ? l->gc[i] : gmax;
        gmin = l->gc[i] < gmin ? l->gc[i] : gmin;
    }
    for (size_t i = a; i <= k + 1 && i < l->m; i++)
        pn = l->pb[i] > pn ? l->pb[i] : pn;
    *estimate = g * gmax * l->pb[k];
    *bound = g * (gmax * l->pb[k] + (gmax - gmin) * tp->l1 * pn);
}
