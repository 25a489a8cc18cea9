/*
 * sy_math.h - production.synth's inner-loop toolkit: 8-lane float vectors,
 * the cheap branch-free approximations the voice loops use instead of libm
 * (sine, exp2, tan, tanh, floor, white noise), and the switch between the
 * baseline and the AVX2 build of the hot loops.
 *
 * Vectors are GCC/Clang vector extensions (`vector_size(32)`): one value
 * for each of the eight voices of a "pack" (see synth.h). The same source
 * is compiled twice on x86-64: for the baseline ISA (each 8-lane operation
 * becomes two SSE2 instructions) and, through SY_AVX2, for AVX2 (one
 * instruction). Every operation is element-wise IEEE single precision, no
 * fused multiply-add is allowed (fp-contract off below; the AVX2 build does
 * not enable FMA either) and no reduction is reassociated, so each lane
 * computes exactly the same bits in both builds: the output does not
 * depend on the machine's CPU features. The unit test
 * `baseline_and_vector_paths_give_identical_bytes` checks it.
 *
 * Helpers that take vectors take them by pointer, behind macros that wrap
 * the argument in a compound literal (VP): passing 32-byte vectors by value
 * to a function compiled without AVX draws a GCC ABI note, and every helper
 * is inlined anyway.
 *
 * Internal to the module.
 */
#ifndef SY_MATH_H
#define SY_MATH_H

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#pragma GCC diagnostic ignored "-Wpsabi"

#include <stdint.h>
#include <string.h>

#define SY_LANES 8

typedef float vf __attribute__((vector_size(32)));
typedef int32_t vi __attribute__((vector_size(32)));
typedef uint32_t vu __attribute__((vector_size(32)));
/* the same, for loads and stores at any float-aligned address */
typedef float vfu __attribute__((vector_size(32), aligned(4)));

#define SY_INL static inline __attribute__((always_inline))

/* ---- ISA dispatch ------------------------------------------------------ */

enum { SY_ISA_BASE = 0, SY_ISA_AVX2 = 1, SY_ISA_AVX512 = 2, SY_NISA = 3 };

#if defined(__x86_64__) && defined(__GNUC__)
#define SY_HAVE_X86 1
#define SY_AVX2 __attribute__((target("avx2")))
/* 8-lane vectors still, but 32 registers, masks and three-input logic */
#define SY_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw")))
#else
#define SY_HAVE_X86 0
#define SY_AVX2
#define SY_AVX512
#endif

/* Define name_base, name_avx2 and name_avx512 from the always-inline
 * name_body: the same code compiled for three ISAs. SY_ISA_FNS(name) is
 * the table indexed by SY_ISA_* (the baseline throughout off x86). */
#define SY_ISA_PAIR(ret, name, params, args)                         \
    static ret name##_base params { return name##_body args; }       \
    static SY_AVX2 ret name##_avx2 params { return name##_body args; } \
    static SY_AVX512 ret name##_avx512 params { return name##_body args; }
#if SY_HAVE_X86
#define SY_ISA_FNS(name) {name##_base, name##_avx2, name##_avx512}
#else
#define SY_ISA_FNS(name) {name##_base, name##_base, name##_base}
#endif

/* The best ISA this machine runs. */
static inline int sy_isa_detect(void)
{
#if SY_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
        return SY_ISA_AVX512;
    return __builtin_cpu_supports("avx2") ? SY_ISA_AVX2 : SY_ISA_BASE;
#else
    return SY_ISA_BASE;
#endif
}

/* ---- vector basics -------------------------------------------------- */

#define VP(x) ((const vf[1]){(x)})
#define VIP(x) ((const vi[1]){(x)})

#define SY_PI 3.14159265358979323846f
#define SY_TWO_PI 6.28318530717958647692f

SY_INL vf vs(float x)
{
    return (vf){x, x, x, x, x, x, x, x};
}

SY_INL vi vis(int32_t x)
{
    return (vi){x, x, x, x, x, x, x, x};
}

/* ---- comparisons -------------------------------------------------------
 * Lane masks, all ones where true. GCC turns 8-lane vector compares into
 * scalar code (with branches) on the SSE2 baseline, so a comparison is
 * the sign of a difference instead: exact for finite values (the
 * difference of two distinct floats never rounds to zero) and the same
 * bits in every build. -0 counts as below +0. Integer operands must not
 * overflow the subtraction (they are small here). */
SY_INL vi vlt_p(const vf *a, const vf *b)
{
    return (vi)(*a - *b) >> 31;
}
#define vlt(a, b) vlt_p(VP(a), VP(b))
#define vgt(a, b) vlt(b, a)
#define vle(a, b) (~vgt(a, b))
#define vge(a, b) (~vlt(a, b))
#define vilt(a, b) (((a) - (b)) >> 31)
/* all ones where the integer lane is not zero */
#define vinz(a) ((vi)((vu)(a) | (vis(0u) - (vu)(a))) >> 31)

/* Lane mask (all ones where bit l of m is set). */
SY_INL vi vmask(unsigned m)
{
    vi b = {1, 2, 4, 8, 16, 32, 64, 128};
    return vinz(b & vis((int32_t)m));
}

/* Bitwise select: where mask lane is all ones take a, else b. */
SY_INL vf vsel_p(const vi *m, const vf *a, const vf *b)
{
    return (vf)(((vi)*a & *m) | ((vi)*b & ~*m));
}
#define vsel(m, a, b) vsel_p(VIP(m), VP(a), VP(b))

SY_INL vf vmin_p(const vf *a, const vf *b)
{
    return vsel(vlt(*a, *b), *a, *b);
}
#define vmin(a, b) vmin_p(VP(a), VP(b))

SY_INL vf vmax_p(const vf *a, const vf *b)
{
    return vsel(vgt(*a, *b), *a, *b);
}
#define vmax(a, b) vmax_p(VP(a), VP(b))

SY_INL vf vclamp_p(const vf *x, float lo, float hi)
{
    return vmin(vmax(*x, vs(lo)), vs(hi));
}
#define vclamp(x, lo, hi) vclamp_p(VP(x), lo, hi)

SY_INL vf vabs_p(const vf *a)
{
    return (vf)((vi)*a & vis(0x7fffffff));
}
#define vabs(a) vabs_p(VP(a))

SY_INL vi vtoi_p(const vf *a)
{
    return __builtin_convertvector(*a, vi);
}
#define vtoi(a) vtoi_p(VP(a))

SY_INL vf vtof_p(const vi *a)
{
    return __builtin_convertvector(*a, vf);
}
#define vtof(a) vtof_p(VIP(a))

/* Floor for |x| < 2^31. */
SY_INL vf vfloor_p(const vf *x)
{
    vf t = vtof(vtoi(*x));
    return t - (vf)((vi)vs(1.0f) & vlt(*x, t));
}
#define vfloor(x) vfloor_p(VP(x))

/* Round to nearest for |x| < 2^22, in two adds (default rounding mode). */
SY_INL vf vround_p(const vf *x)
{
    const vf magic = vs(12582912.0f); /* 1.5 * 2^23 */
    return (*x + magic) - magic;      /* not folded: no identity in IEEE */
}
#define vround(x) vround_p(VP(x))

/* Largest lane. */
SY_INL float vhmax_p(const vf *a)
{
    float m = (*a)[0];
    for (int l = 1; l < SY_LANES; l++)
        m = (*a)[l] > m ? (*a)[l] : m;
    return m;
}
#define vhmax(a) vhmax_p(VP(a))

/* ---- sine ------------------------------------------------------------
 * sin(2*pi*r) for r in turns, |r| <= 0.5: sign(r) * cos(2*pi*(|r| - 1/4)),
 * an even polynomial of degree 8 on a quarter turn, minimax (Remez) for
 * the absolute error: at most 2.4e-7 (-132 dB) evaluated in float, and
 * never above 1 in magnitude. */
#define SY_SIN_POLY(p, z, S)       \
    p = S(5.624238046e+1f);        \
    p = p * z - S(8.524033032e+1f); \
    p = p * z + S(6.493459063e+1f); \
    p = p * z - S(1.973917143e+1f); \
    p = p * z + S(9.999999535e-1f)
#define SY_ID(x) (x)

SY_INL vf vsin_turn_half_p(const vf *r)
{
    const vi sign = vis((int32_t)0x80000000u);
    vi sg = (vi)*r & sign;
    vf b = (vf)((vi)*r & ~sign) - vs(0.25f);
    vf z = b * b, p;
    SY_SIN_POLY(p, z, vs);
    return (vf)((vi)p ^ sg);
}
#define vsin_turn_half(r) vsin_turn_half_p(VP(r))

/* sin(2*pi*x) for any x (|x| < 2^21): phase modulation sums land here. */
SY_INL vf vsin_any_p(const vf *x)
{
    return vsin_turn_half(*x - vround(*x));
}
#define vsin_any(x) vsin_any_p(VP(x))

/* Scalar forms, for control-rate code and the drum synth. */
static inline float sy_sin_turn_half(float r)
{
    float a = r < 0.0f ? -r : r;
    float b = a - 0.25f, z = b * b, p;
    SY_SIN_POLY(p, z, SY_ID);
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

/* ---- exp2 --------------------------------------------------------------
 * 2^x, relative error below 3e-7, |x| <= 100: 2^round(x) from the exponent
 * bits times a degree-6 Taylor polynomial on [-0.5, 0.5]. */
#define SY_EXP2_POLY(p, f, S)     \
    p = S(1.5403530e-4f);         \
    p = p * f + S(1.3333558e-3f); \
    p = p * f + S(9.6181291e-3f); \
    p = p * f + S(5.5504109e-2f); \
    p = p * f + S(2.4022651e-1f); \
    p = p * f + S(6.9314718e-1f); \
    p = p * f + S(1.0f)

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

SY_INL vf vexp2_p(const vf *xp)
{
    vf x = vclamp(*xp, -100.0f, 100.0f);
    vf fl = vfloor(x + vs(0.5f));
    vf f = x - fl, p;
    SY_EXP2_POLY(p, f, vs);
    vi e = vtoi(fl) * (1 << 23);
    return (vf)((vi)p + e);
}
#define vexp2(x) vexp2_p(VP(x))

/* tan(x) for 0 <= x <= 1.35 (Pade 5/4; 3e-5 relative at the top end). */
SY_INL vf vtan_p(const vf *xp)
{
    vf x = *xp, x2 = x * x;
    vf num = x * (vs(945.0f) - x2 * (vs(105.0f) - x2));
    vf den = vs(945.0f) - x2 * (vs(420.0f) - vs(15.0f) * x2);
    return num / den;
}
#define vtan(x) vtan_p(VP(x))

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

/* The same curve on 8 lanes, bit for bit. */
SY_INL vf vtanh_p(const vf *xp)
{
    vf x = vclamp(*xp, -3.0f, 3.0f), x2 = x * x;
    return x * (vs(27.0f) + x2) / (vs(27.0f) + vs(9.0f) * x2);
}
#define vtanh(x) vtanh_p(VP(x))

/* ---- noise -------------------------------------------------------------
 * White noise in [-1, 1): xorshift32, one independent stream per lane. */
SY_INL vf vnoise(vu *s)
{
    vu x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return vtof((vi)x) * vs(4.656612873e-10f);
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
