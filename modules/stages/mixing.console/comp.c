/*
 * comp.c - the per-stem compressor: feed-forward, stereo-linked, run at the
 * control rate (one gain per CTL frames, ramped by the strip).
 *
 * Detector: peak (the largest |sample| of the period, both channels) or RMS
 * (mean square over the period, smoothed by a 10 ms one-pole). Gain
 * computer: the soft-knee static curve of Giannoulis, Massberg and Reiss
 * ("Digital dynamic range compressor design", JAES 2012), in dB. Ballistics:
 * attack and release one-poles on the gain change in the log domain
 * (their "smooth branching" detector), so release is independent of level.
 * A period is 0.67 ms at 48 kHz, shorter than any attack we use; a
 * transient inside a period is caught at the period's end.
 */
#include <math.h>

#include "console.h"

void comp_init(comp *c, const comp_spec *s, float level_db, uint32_t rate)
{
    float per = (float)CTL / (float)rate; /* seconds per period */
    c->thr = level_db + s->thr_db;
    c->slope = s->ratio > 1 ? 1.0f / s->ratio - 1.0f : 0.0f;
    c->knee = s->knee_db > 0 ? s->knee_db : 0;
    c->makeup = s->makeup_db;
    c->att = expf(-per / (s->attack_ms > 0.1f ? s->attack_ms * 1e-3f : 1e-4f));
    c->rel = expf(-per / (s->release_ms > 1 ? s->release_ms * 1e-3f : 1e-3f));
    c->rms_coef = expf(-per / 0.010f);
    c->rms = s->rms;
    c->active = s->ratio > 1;
    c->ms = 0;
    c->gr = 0;
}

/* The soft-knee static curve on four levels (dB) at a time. */
static inline v4f static_curve(const comp *c, v4f lvl)
{
    v4f over = lvl - c->thr;
    v4f t = over + c->knee / 2;
    v4f knee = c->slope * t * t / (2 * c->knee);
    v4f abs_over = (v4f)((v4i)over & 0x7fffffff);
    v4f r = v4_select(2 * abs_over <= c->knee, knee, c->slope * over);
    return v4_select(2 * over < -c->knee, v4_splat(0.0f), r);
}

/* Largest |x| of n stereo frames (the period's last, short or odd). */
static float period_peak(const float *x, uint32_t n)
{
    uint32_t m = 2 * n, i = 0;
    v4f mx = {0, 0, 0, 0};
    for (; i + 4 <= m; i += 4)
        mx = v4_max((v4f)((v4i)v4_load(x + i) & 0x7fffffff), mx);
    float r = mx[0];
    for (int k = 1; k < 4; k++)
        r = mx[k] > r ? mx[k] : r;
    for (; i < m; i++)
        r = fabsf(x[i]) > r ? fabsf(x[i]) : r;
    return r;
}

static float period_ms(const float *x, uint32_t n)
{
    uint32_t m = 2 * n, i = 0;
    v4f acc = {0, 0, 0, 0};
    for (; i + 4 <= m; i += 4) {
        v4f v = v4_load(x + i);
        acc += v * v;
    }
    float s = acc[0] + acc[1] + acc[2] + acc[3];
    for (; i < m; i++)
        s += x[i] * x[i];
    return s / (float)m;
}

/* The same two measures on four whole periods at once: four independent
 * chains instead of one (each period summed in the same order as above,
 * so the same bits), one value per lane. */
static v4f peak4(const float *x)
{
    v4f m[4] = {{0}};
    for (uint32_t i = 0; i < 2 * CTL; i += 4)
        for (int q = 0; q < 4; q++)
            m[q] = v4_max((v4f)((v4i)v4_load(x + q * 2 * CTL + i) & 0x7fffffff), m[q]);
    v4f r;
    for (int q = 0; q < 4; q++) {
        r[q] = m[q][0];
        for (int k = 1; k < 4; k++)
            r[q] = m[q][k] > r[q] ? m[q][k] : r[q];
    }
    return r;
}

static v4f ms4(const float *x)
{
    v4f a[4] = {{0}};
    for (uint32_t i = 0; i < 2 * CTL; i += 4)
        for (int q = 0; q < 4; q++) {
            v4f v = v4_load(x + q * 2 * CTL + i);
            a[q] += v * v;
        }
    v4f s;
    for (int q = 0; q < 4; q++)
        s[q] = a[q][0] + a[q][1] + a[q][2] + a[q][3];
    return s / (float)(2 * CTL);
}

/* Detector level in dB of each of the np periods of n frames at x, into
 * lvl (np rounded up to a multiple of 4 values). */
static void detect(comp *c, const float *x, uint32_t n, uint32_t np, float *lvl)
{
    uint32_t full = n / CTL, p = 0;
    float v[BLOCK / CTL] = {0};
    for (; p + 4 <= full; p += 4)
        v4_store(v + p, c->rms ? ms4(x + 2 * (size_t)p * CTL) : peak4(x + 2 * (size_t)p * CTL));
    for (; p < np; p++) {
        uint32_t m = n - p * CTL < CTL ? n - p * CTL : CTL;
        const float *xp = x + 2 * (size_t)p * CTL;
        v[p] = c->rms ? period_ms(xp, m) : period_peak(xp, m);
    }
    if (c->rms) /* the 10 ms smoothing, then 10 log10 */
        for (p = 0; p < np; p++) {
            c->ms = v[p] + c->rms_coef * (c->ms - v[p]) + 1e-20f;
            v[p] = c->ms + 1e-18f;
        }
    float k = c->rms ? 3.0103f : 6.0206f, eps = c->rms ? 0.0f : 1e-9f;
    for (p = 0; p < np; p += 4)
        v4_store(lvl + p, k * v4_log2(v4_load(v + p) + eps));
}

void comp_block(comp *c, const float *x, uint32_t n, float *gdb)
{
    uint32_t np = (n + CTL - 1) / CTL;
    if (!c->active) {
        for (uint32_t p = 0; p < np; p++)
            gdb[p] = c->makeup;
        return;
    }
    float lvl[BLOCK / CTL];
    detect(c, x, n, np, lvl);
    for (uint32_t p = 0; p < np; p += 4)
        v4_store(lvl + p, static_curve(c, v4_load(lvl + p)));
    for (uint32_t p = 0; p < np; p++) { /* attack/release on the gain change */
        float target = lvl[p];
        float k = target < c->gr ? c->att : c->rel;
        c->gr = target + k * (c->gr - target);
        gdb[p] = c->gr + c->makeup;
    }
}
