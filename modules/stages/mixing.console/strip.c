/*
 * strip.c - the per-sample parts of a channel strip: level measurement,
 * staging copy, and the dynamics/fader/pan/sends pass.
 *
 * The order in a strip is: gain staging -> EQ (dsp module) -> compressor ->
 * sidechain ducking -> fader -> pan -> post-fader sends. Staging, compressor,
 * ducking, fader and pan are all gains, so they are folded into one gain
 * per channel per control period and ramped linearly over it: one multiply
 * per sample, and the mix and the send buses are accumulated in the same
 * pass while the samples are in cache. (The staging gain is applied after
 * the EQ, which is linear, so the input is only copied; the compressor's
 * threshold is moved by the same amount, so it acts as if after staging.)
 */
#include <math.h>
#include <stdlib.h>

#include "console.h"

int strip_load(const strip *s, float *y, uint64_t pos, uint32_t n)
{
    const cz_audio *in = s->in;
    uint64_t have = in->frames > pos ? in->frames - pos : 0;
    uint32_t m = have < n ? (uint32_t)have : n;
    int rc = cz_audio_read(in, pos, m, y);
    if (rc)
        return rc;
    if (in->channels == 1) /* mono to both sides, from the end: nothing read is overwritten */
        for (uint32_t i = m; i-- > 0;)
            y[2 * i] = y[2 * i + 1] = y[i];
    if (m < n)
        memset(y + 2 * (size_t)m, 0, 2 * (size_t)(n - m) * sizeof(float));
    return 0;
}

int block_silent(const float *y, size_t count)
{
    typedef uint32_t v4u __attribute__((vector_size(16)));
    size_t i = 0;
    for (; i + 8 <= count; i += 8) { /* any value but +0 and -0 */
        v4u a = (v4u)v4_load(y + i), b = (v4u)v4_load(y + i + 4);
        v4u any = (a << 1) | (b << 1);
        if (any[0] | any[1] | any[2] | any[3])
            return 0;
    }
    const uint32_t *x = (const uint32_t *)(const void *)y;
    for (; i < count; i++)
        if (x[i] << 1)
            return 0;
    return 1;
}

/* ---- the gain ramp, built once per ISA ----------------------------------
 *
 * One control period: its gain ramp applied in place, added to the mix and
 * to the send buses that exist (constants where inlined, so each variant
 * compiles to its own tight loop), eight floats (four frames) per step.
 * The frame counter is kept as a float: whole numbers this small are
 * exact, so it equals (float)i. */

static inline __attribute__((always_inline)) void
ramp_body(float *x, float *mx, float *rv, float *dl, uint32_t pairs, v4f base, v4f inc,
          float srv, float sdl, const int has_rv, const int has_dl)
{
    v8f b8 = __builtin_shufflevector(base, base, 0, 1, 2, 3, 0, 1, 2, 3);
    v8f i8 = __builtin_shufflevector(inc, inc, 0, 1, 2, 3, 0, 1, 2, 3);
    v8f fi = {0, 0, 0, 0, 1, 1, 1, 1};
    uint32_t i = 0;
    for (; i + 2 <= pairs; i += 2, fi += 2.0f) {
        v8f v = V8(x + 4 * i) * (b8 + i8 * fi);
        V8(x + 4 * i) = v;
        V8(mx + 4 * i) += v;
        if (has_rv)
            V8(rv + 4 * i) += v * srv;
        if (has_dl)
            V8(dl + 4 * i) += v * sdl;
    }
    if (i < pairs) { /* an odd pair count: the song's last period */
        v4f v = v4_load(x + 4 * i) * (base + inc * (float)i);
        v4_store(x + 4 * i, v);
        v4_store(mx + 4 * i, v4_load(mx + 4 * i) + v);
        if (has_rv)
            v4_store(rv + 4 * i, v4_load(rv + 4 * i) + v * srv);
        if (has_dl)
            v4_store(dl + 4 * i, v4_load(dl + 4 * i) + v * sdl);
    }
}

#define RAMP_KERNEL(name, attr)                                                       \
    static attr void name(float *x, float *mx, float *rv, float *dl, uint32_t pairs, \
                          v4f base, v4f inc, float srv, float sdl)                   \
    {                                                                                 \
        if (rv && dl)                                                                 \
            ramp_body(x, mx, rv, dl, pairs, base, inc, srv, sdl, 1, 1);               \
        else if (rv)                                                                  \
            ramp_body(x, mx, rv, dl, pairs, base, inc, srv, sdl, 1, 0);               \
        else if (dl)                                                                  \
            ramp_body(x, mx, rv, dl, pairs, base, inc, srv, sdl, 0, 1);               \
        else                                                                          \
            ramp_body(x, mx, rv, dl, pairs, base, inc, srv, sdl, 0, 0);               \
    }

typedef void ramp_fn(float *x, float *mx, float *rv, float *dl, uint32_t pairs, v4f base,
                     v4f inc, float srv, float sdl);

RAMP_KERNEL(ramp_base, )
#if defined(__x86_64__) && defined(__GNUC__)
RAMP_KERNEL(ramp_avx2, __attribute__((target("avx2"))))
static ramp_fn *const ramps[N_ISA] = {ramp_base, ramp_avx2};
#else
static ramp_fn *const ramps[N_ISA] = {ramp_base, ramp_base};
#endif

int isa_detect(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? ISA_AVX2 : ISA_BASE;
#else
    return ISA_BASE;
#endif
}

/* The strip's linear gain of each control period of the block: the
 * compressor's change, staging and fader, the sidechain's share. */
static void period_gains(strip *s, const float *y, uint32_t n, const float *duck, float *g)
{
    uint32_t np = (n + CTL - 1) / CTL;
    comp_block(&s->comp, y, n, g);
    for (uint32_t p = 0; p < np; p++) {
        g[p] += s->gain_db;
        if (duck)
            g[p] += s->duck * duck[p];
    }
    for (uint32_t p = 0; p < np; p += 4)
        v4_store(g + p, v4_db_to_lin(v4_load(g + p)));
}

void strip_dynamics(strip *s, float *y, uint32_t n, const float *duck,
                    float *mix, float *rv, float *dl)
{
    int has_rv = rv && s->send_rv > 0, has_dl = dl && s->send_dl > 0;
    float gain[BLOCK / CTL] = {0};
    period_gains(s, y, n, duck, gain);
    for (uint32_t k0 = 0, p = 0; k0 < n; k0 += CTL, p++) {
        uint32_t m = n - k0 < CTL ? n - k0 : CTL;
        size_t off = 2 * (size_t)k0;
        float *x = y + off;
        float tl = gain[p] * s->pan_l, tr = gain[p] * s->pan_r;
        if (!s->started) {
            s->gl = tl, s->gr = tr;
            s->started = 1;
        }
        float dL = (tl - s->gl) / (float)m, dR = (tr - s->gr) / (float)m;
        v4f base = {s->gl + dL, s->gr + dR, s->gl + 2 * dL, s->gr + 2 * dR};
        v4f inc = {2 * dL, 2 * dR, 2 * dL, 2 * dR};
        float *mx = mix + off, *r = has_rv ? rv + off : NULL, *d = has_dl ? dl + off : NULL;
        ramps[s->isa](x, mx, r, d, m / 2, base, inc, s->send_rv, s->send_dl);
        if (m & 1) { /* the odd last frame of the song */
            size_t j = 2 * (size_t)m - 2;
            x[j] *= tl;
            x[j + 1] *= tr;
            mx[j] += x[j];
            mx[j + 1] += x[j + 1];
            if (has_rv)
                r[j] += x[j] * s->send_rv, r[j + 1] += x[j + 1] * s->send_rv;
            if (has_dl)
                d[j] += x[j] * s->send_dl, d[j + 1] += x[j + 1] * s->send_dl;
        }
        s->gl = tl, s->gr = tr;
    }
}

void strip_rest(strip *s)
{
    s->comp.gr = 0;
    s->comp.ms = 0;
    s->started = 0;
}
