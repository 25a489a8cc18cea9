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

static inline float static_curve(const comp *c, float lvl)
{
    float over = lvl - c->thr;
    if (2 * over < -c->knee)
        return 0;
    if (2 * fabsf(over) <= c->knee) {
        float t = over + c->knee / 2;
        return c->slope * t * t / (2 * c->knee);
    }
    return c->slope * over;
}

static float period_peak(const float *x, uint32_t n)
{
    uint32_t m = 2 * n, i = 0;
    v4f mx = {0, 0, 0, 0};
    const v4i absmask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    for (; i + 4 <= m; i += 4) {
        v4f v = (v4f)((v4i)v4_load(x + i) & absmask);
        v4i gt = v > mx;
        mx = (v4f)((gt & (v4i)v) | (~gt & (v4i)mx));
    }
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

float comp_period(comp *c, const float *x, uint32_t n)
{
    if (!c->active || !n)
        return c->makeup;
    float lvl;
    if (c->rms) {
        float ms = period_ms(x, n);
        c->ms = ms + c->rms_coef * (c->ms - ms) + 1e-20f;
        lvl = 3.0103f * fast_log2(c->ms + 1e-18f); /* 10 log10 */
    } else {
        lvl = 6.0206f * fast_log2(period_peak(x, n) + 1e-9f); /* 20 log10 */
    }
    float target = static_curve(c, lvl);
    float k = target < c->gr ? c->att : c->rel;
    c->gr = target + k * (c->gr - target);
    return c->gr + c->makeup;
}
