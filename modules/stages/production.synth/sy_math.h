/*
 * sy_math.h - production.synth's inner-loop toolkit: 4-lane float vectors
 * and the cheap, branch-free approximations the voice loops use instead of
 * libm (sine, exp2, tan, tanh, floor, white noise).
 *
 * Vectors are GCC/Clang vector extensions (`vector_size(16)`): SSE2 on
 * x86-64, NEON on arm64, plain scalar code elsewhere. A vector holds one
 * value for each of the four voices of a "pack" (see synth.h), so one
 * instruction advances four voices. Element-wise float arithmetic is IEEE,
 * so the result is the same bytes on every run on one machine.
 *
 * Internal to the module.
 */
#ifndef SY_MATH_H
#define SY_MATH_H

#include <stdint.h>
#include <string.h>

typedef float v4 __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef uint32_t v4u __attribute__((vector_size(16)));

#define SY_PI 3.14159265358979323846f
#define SY_TWO_PI 6.28318530717958647692f

static inline v4 v4s(float x)
{
    return (v4){x, x, x, x};
}

/* Bitwise select: where mask lane is all ones take a, else b. */
static inline v4 v4sel(v4i mask, v4 a, v4 b)
{
    return (v4)(((v4i)a & mask) | ((v4i)b & ~mask));
}

static inline v4 v4min(v4 a, v4 b)
{
    return v4sel(a < b, a, b);
}

static inline v4 v4max(v4 a, v4 b)
{
    return v4sel(a > b, a, b);
}

static inline v4 v4abs(v4 a)
{
    return (v4)((v4i)a & (v4i){0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff});
}

/* Floor for |x| < 2^31. */
static inline v4 v4floor(v4 x)
{
    v4 t = __builtin_convertvector(__builtin_convertvector(x, v4i), v4);
    return t - (v4)((v4i)v4s(1.0f) & (t > x));
}

/* Phase wrap for phases in [0, 2): subtract one where >= 1. */
static inline v4 v4wrap1(v4 ph)
{
    return ph - (v4)((v4i)v4s(1.0f) & (ph >= v4s(1.0f)));
}

static inline float v4hsum(v4 a)
{
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* Round to nearest for |x| < 2^22, in two adds (default rounding mode). */
static inline v4 v4round(v4 x)
{
    const v4 magic = v4s(12582912.0f); /* 1.5 * 2^23 */
    return (x + magic) - magic; /* not folded: it is no identity in IEEE */
}

/* sin(2*pi*r) for r in turns, |r| <= 0.5: sign(r) * cos(2*pi*(|r| - 1/4)),
 * an even polynomial (Taylor, degree 10) on a quarter turn; max error
 * 4.7e-7 (-126 dB). */
static inline v4 v4sin_turn_half(v4 r)
{
    const v4i sign = (v4i){(int32_t)0x80000000u, (int32_t)0x80000000u,
                           (int32_t)0x80000000u, (int32_t)0x80000000u};
    v4i sg = (v4i)r & sign;
    v4 b = (v4)((v4i)r & ~sign) - v4s(0.25f);
    v4 z = b * b;
    v4 p = v4s(-2.64262568e+1f);
    p = p * z + v4s(6.02446414e+1f);
    p = p * z + v4s(-8.54568172e+1f);
    p = p * z + v4s(6.49393940e+1f);
    p = p * z + v4s(-1.97392088e+1f);
    p = p * z + v4s(1.0f);
    return (v4)((v4i)p ^ sg);
}

/* sin(2*pi*ph) for a phase in [0, 1). */
static inline v4 v4sin_phase(v4 ph)
{
    return v4sin_turn_half(ph - (v4)((v4i)v4s(1.0f) & (ph >= v4s(0.5f))));
}

/* sin(2*pi*x) for any x (|x| < 2^21): phase modulation sums land here. */
static inline v4 v4sin_any(v4 x)
{
    return v4sin_turn_half(x - v4round(x));
}

/* Scalar forms of the above, for control-rate code and the drum synth. */
static inline float sy_sin_turn_half(float r)
{
    float a = r < 0.0f ? -r : r;
    float b = a - 0.25f, z = b * b;
    float p = -2.64262568e+1f;
    p = p * z + 6.02446414e+1f;
    p = p * z - 8.54568172e+1f;
    p = p * z + 6.49393940e+1f;
    p = p * z - 1.97392088e+1f;
    p = p * z + 1.0f;
    return r < 0.0f ? -p : p;
}

static inline float sy_floorf(float x)
{
    float t = (float)(int32_t)x;
    return t > x ? t - 1.0f : t;
}

static inline float sy_sin_any(float x)
{
    return sy_sin_turn_half(x - sy_floorf(x + 0.5f));
}

/* 2^x, relative error below 3e-7, |x| <= 100: 2^round(x) from the
 * exponent bits times a degree-6 Taylor polynomial on [-0.5, 0.5]. */
#define SY_EXP2_POLY(p, f, S)              \
    p = S(1.5403530e-4f);                  \
    p = p * f + S(1.3333558e-3f);          \
    p = p * f + S(9.6181291e-3f);          \
    p = p * f + S(5.5504109e-2f);          \
    p = p * f + S(2.4022651e-1f);          \
    p = p * f + S(6.9314718e-1f);          \
    p = p * f + S(1.0f)
#define SY_ID(x) (x)

static inline float sy_exp2f(float x)
{
    if (x < -100.0f)
        return 0.0f;
    if (x > 100.0f)
        x = 100.0f;
    float fl = sy_floorf(x + 0.5f);
    float f = x - fl, p;
    SY_EXP2_POLY(p, f, SY_ID);
    union { float f; int32_t i; } u = {p};
    u.i += (int32_t)fl * (1 << 23);
    return u.f;
}

static inline v4 v4exp2(v4 x)
{
    x = v4max(v4min(x, v4s(100.0f)), v4s(-100.0f));
    v4 fl = v4floor(x + v4s(0.5f));
    v4 f = x - fl, p;
    SY_EXP2_POLY(p, f, v4s);
    v4i e = __builtin_convertvector(fl, v4i) * (1 << 23);
    return (v4)((v4i)p + e);
}

/* tan(x) for 0 <= x <= 1.35 (Pade 5/4; 3e-5 relative at the top end). */
static inline v4 v4tan(v4 x)
{
    v4 x2 = x * x;
    v4 num = x * (v4s(945.0f) - x2 * (v4s(105.0f) - x2));
    v4 den = v4s(945.0f) - x2 * (v4s(420.0f) - v4s(15.0f) * x2);
    return num / den;
}

/* Smooth saturation: tanh-like rational curve, exactly +-1 beyond +-3. */
static inline float sy_tanh(float x)
{
    if (x > 3.0f)
        return 1.0f;
    if (x < -3.0f)
        return -1.0f;
    float x2 = x * x;
    return x * (27.0f + x2) / (27.0f + 9.0f * x2);
}

/* White noise in [-1, 1): xorshift32, one independent stream per lane. */
static inline v4 v4noise(v4u *s)
{
    v4u x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return __builtin_convertvector((v4i)x, v4) * v4s(4.656612873e-10f);
}

static inline float sy_noise(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return (float)(int32_t)x * 4.656612873e-10f;
}

#endif
