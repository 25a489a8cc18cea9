/*
 * output.c - a track's output stage: the rendered chunk (the lane sums,
 * upsampled for half-rate tracks) becomes stem samples.
 *
 * Optional drive (a tanh curve) and tone low-pass, volume (the GM CC7
 * curve: gain = volume^2) and constant-power pan, then a soft clip that is
 * transparent below -2 dBFS and keeps every sample below 0 dBFS, and the
 * 10 ms fade at the very end of the song. One pass, eight frames at a
 * time: the stem chunk is written once and added to the main buffer while
 * it is in registers. The drive's tone filter is a recursion and runs in
 * a scalar pre-pass, only on tracks that have drive.
 */
#include <math.h>

#include "synth.h"

/* Identity below 0.8 (-1.9 dBFS); above, a smooth knee that approaches
 * but never reaches 0.999. Continuous in value and slope. */
SY_INL vf softclip_p(const vf *x)
{
    vf a = vabs(*x);
    vf d = vmax((a - vs(0.8f)) * vs(5.0f), vs(0.0f));
    vf y = vs(0.8f) + vs(0.199f) * d / (vs(1.0f) + d);
    y = (vf)((vi)y | ((vi)*x & vis((int32_t)0x80000000u)));
    return vsel(vle(a, vs(0.8f)), *x, y);
}
#define softclip(x) softclip_p(VP(x))

/* Drive and tone, in place (scalar: the tone filter is a recursion). */
static void drive_pass(sy_track *t, float *L, float *R, int n, int stereo)
{
    float d = t->drive, dn = t->drive_norm, tc = t->tone_c, tl = t->tone_l, tr = t->tone_r;
    for (int i = 0; i < n; i++) {
        float l = sy_tanh(L[i] * d) * dn;
        if (tc > 0.0f) {
            tl += (l - tl) * tc;
            l = tl;
        }
        L[i] = l;
        if (stereo) {
            float r = sy_tanh(R[i] * d) * dn;
            if (tc > 0.0f) {
                tr += (r - tr) * tc;
                r = tr;
            }
            R[i] = r;
        }
    }
    /* flush denormal-bound filter states */
    t->tone_l = fabsf(tl) < 1e-20f ? 0.0f : tl;
    t->tone_r = fabsf(tr) < 1e-20f ? 0.0f : tr;
}

SY_INL int out_body(const sy_track *t, const float *L, const float *R, int n, float *stem,
                    float *mix, int64_t fade_from, int fade_len, const int stereo, const int fade)
{
    const vf gl = vs(t->gl), gr = vs(t->gr);
    const vi iota = {0, 1, 2, 3, 4, 5, 6, 7};
    for (int i = 0; i < n; i += SY_LANES) {
        vf l = *(const vfu *)(L + i), r = stereo ? *(const vfu *)(R + i) : l;
        l = softclip(l * gl);
        r = softclip(r * gr);
        if (fade) {
            /* g = 1 - (i - fade_from) / fade_len from fade_from on, >= 0 */
            vf x = vtof(vis((int32_t)((int64_t)i - fade_from)) + iota);
            vf g = vmax(vs(1.0f) - x / vs((float)fade_len), vs(0.0f));
            g = vsel(vge(x, vs(0.0f)), g, vs(1.0f));
            l *= g;
            r *= g;
        }
        vf lo = __builtin_shufflevector(l, r, 0, 8, 1, 9, 2, 10, 3, 11);
        vf hi = __builtin_shufflevector(l, r, 4, 12, 5, 13, 6, 14, 7, 15);
        float *st = stem + 2 * i, *mx = mix + 2 * i;
        if (i + SY_LANES <= n) {
            *(vfu *)st = lo;
            *(vfu *)(st + 8) = hi;
            *(vfu *)mx = *(const vfu *)mx + lo;
            *(vfu *)(mx + 8) = *(const vfu *)(mx + 8) + hi;
        } else {
            float tmp[2 * SY_LANES];
            *(vfu *)tmp = lo;
            *(vfu *)(tmp + 8) = hi;
            for (int j = 0; j < 2 * (n - i); j++) {
                st[j] = tmp[j];
                mx[j] += tmp[j];
            }
        }
    }
    return 0;
}

/* one build per channel count and fade */
#define OUT_VARIANT(name, st, fa)                                                           \
    SY_INL int name##_body(const sy_track *t, const float *L, const float *R, int n,        \
                           float *stem, float *mix, int64_t fade_from, int fade_len)        \
    {                                                                                       \
        return out_body(t, L, R, n, stem, mix, fade_from, fade_len, st, fa);                \
    }                                                                                       \
    SY_ISA_PAIR(int, name,                                                                  \
                (const sy_track *t, const float *L, const float *R, int n, float *stem,     \
                 float *mix, int64_t fade_from, int fade_len),                              \
                (t, L, R, n, stem, mix, fade_from, fade_len))

OUT_VARIANT(out_mono, 0, 0)
OUT_VARIANT(out_mono_fade, 0, 1)
OUT_VARIANT(out_stereo, 1, 0)
OUT_VARIANT(out_stereo_fade, 1, 1)

typedef int (*out_fn)(const sy_track *, const float *, const float *, int, float *, float *,
                      int64_t, int);

void sy_track_output(sy_track *t, const sy_scratch *s, int n, float *stem, float *mix,
                     int64_t fade_from, int fade_len)
{
    static const out_fn fns[4][SY_NISA] = {
        SY_ISA_FNS(out_mono),
        SY_ISA_FNS(out_mono_fade),
        SY_ISA_FNS(out_stereo),
        SY_ISA_FNS(out_stereo_fade),
    };
    int fade = fade_from < n;
    if (t->drive > 0.0f)
        drive_pass(t, s->L, s->R, n, t->stereo);
    fns[(t->stereo ? 2 : 0) + (fade ? 1 : 0)][t->isa](t, s->L, s->R, n, stem, mix, fade_from,
                                                      fade_len);
}
