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
    c->isa = isa_detect();
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

/* The same two measures on eight whole periods at once, built once per
 * ISA: a vector holds four floats of each of two periods (so each period is
 * summed in the same order as above: the same bits) and the four vectors
 * are independent chains. */
typedef int32_t v8i __attribute__((vector_size(32)));
#define V8_ABS(v) ((v8f)((v8i)(v) & 0x7fffffff))
#define V8_MAX(a, b) ((v8f)((((a) > (b)) & (v8i)(a)) | (~((a) > (b)) & (v8i)(b))))

static inline __attribute__((always_inline)) void detect8_body(const float *x, int rms, float *out)
{
    v8f acc[4] = {{0}};
    for (uint32_t i = 0; i < 2 * CTL; i += 4)
        for (int q = 0; q < 4; q++) {
            const float *a = x + 2 * q * 2 * CTL + i;
            v8f v = __builtin_shufflevector(v4_load(a), v4_load(a + 2 * CTL), 0, 1, 2, 3, 4, 5, 6, 7);
            acc[q] = rms ? acc[q] + v * v : V8_MAX(V8_ABS(v), acc[q]);
        }
    for (int q = 0; q < 8; q++) {
        int h = 4 * (q % 2); /* the period's half of its vector */
        v8f a = acc[q / 2];
        if (rms) {
            out[q] = (a[h] + a[h + 1] + a[h + 2] + a[h + 3]) / (float)(2 * CTL);
        } else {
            out[q] = a[h];
            for (int k = 1; k < 4; k++)
                out[q] = a[h + k] > out[q] ? a[h + k] : out[q];
        }
    }
}

#define DETECT_KERNEL(name, attr)                                  \
    static attr void name(const float *x, int rms, float *out)    \
    {                                                             \
        if (rms)                                                  \
            detect8_body(x, 1, out);                              \
        else                                                      \
            detect8_body(x, 0, out);                              \
    }

DETECT_KERNEL(detect8_base, )
#if defined(__x86_64__) && defined(__GNUC__)
DETECT_KERNEL(detect8_avx2, __attribute__((target("avx2"))))
static void (*const detect8[N_ISA])(const float *, int, float *) = {detect8_base, detect8_avx2};
#else
static void (*const detect8[N_ISA])(const float *, int, float *) = {detect8_base, detect8_base};
#endif

/* Detector level in dB of each of the np periods of n frames at x, into
 * lvl (np rounded up to a multiple of 4 values). */
static void detect(comp *c, const float *x, uint32_t n, uint32_t np, float *lvl)
{
    uint32_t full = n / CTL, p = 0;
    float v[BLOCK / CTL] = {0};
    for (; p + 8 <= full; p += 8)
        detect8[c->isa](x + 2 * (size_t)p * CTL, c->rms, v + p);
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
