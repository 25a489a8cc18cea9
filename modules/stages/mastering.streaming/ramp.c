/*
 * ramp.c - multiplying frames by a linear gain ramp (glue and limiter).
 *
 * Both gain stages step their gain at a control rate and ramp it linearly
 * across each block: frame i of a block gets g0 + d * i. This is the one
 * loop that does it. The stereo path takes two frames per four-lane
 * vector; every lane computes g0 + d * (float)i, the product and the
 * absolute value exactly as the scalar path does (the float frame index
 * is a small integer, so counting it up by 2.0f is exact), so both give
 * the same bits.
 */
#include <math.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "mst.h"

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* a > b ? a : b per lane (the operands are never NaN). */
static inline v4f vmax(v4f a, v4f b)
{
#ifdef __SSE__
    return _mm_max_ps(a, b);
#else
    v4i gt = a > b;
    return (v4f)(((v4i)a & gt) | ((v4i)b & ~gt));
#endif
}

static float ramp_scalar(float *p, uint32_t ch, uint32_t i0, uint32_t i1, float g0, float d,
                         float peak)
{
    for (uint32_t i = i0; i < i1; i++) {
        float gi = g0 + d * (float)i;
        for (uint32_t c = 0; c < ch; c++, p++) {
            *p *= gi;
            float a = fabsf(*p);
            peak = a > peak ? a : peak;
        }
    }
    return peak;
}

float mst_ramp(float *p, uint32_t ch, uint32_t i0, uint32_t i1, float g0, float d)
{
    if (ch != 2)
        return ramp_scalar(p, ch, i0, i1, g0, d, 0.0f);
    const v4f vg0 = {g0, g0, g0, g0}, vd = {d, d, d, d}, two = {2, 2, 2, 2};
    const v4i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    v4f idx = {(float)i0, (float)i0, (float)(i0 + 1), (float)(i0 + 1)};
    v4f pk = {0, 0, 0, 0};
    uint32_t i = i0;
    for (; i + 2 <= i1; i += 2, p += 4) {
        v4f v;
        memcpy(&v, p, sizeof v);
        v *= vg0 + vd * idx;
        memcpy(p, &v, sizeof v);
        pk = vmax((v4f)((v4i)v & mask), pk);
        idx += two;
    }
    float peak = 0;
    for (int l = 0; l < 4; l++)
        peak = pk[l] > peak ? pk[l] : peak;
    return ramp_scalar(p, 2, i, i1, g0, d, peak);
}
