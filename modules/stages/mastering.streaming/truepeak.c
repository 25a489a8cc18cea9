/*
 * truepeak.c - inter-sample peak estimate by 4x polyphase interpolation.
 *
 * Following ITU-R BS.1770-4 Annex 2, the signal is oversampled four times
 * and the largest absolute value taken. The interpolator is a Kaiser-
 * windowed sinc, 12 taps per phase (48 in all, as the Annex suggests);
 * phase 0 is the sample itself, so only the three points between
 * consecutive samples are computed. Each phase is normalised to unity DC
 * gain.
 *
 * Speed: 36 multiply-adds per sample and channel, the costliest thing the
 * mastering stage does per sample. The loop runs over the interleaved
 * buffer as a flat array (tap k of a sample is k * channels floats away),
 * a vector of floats at a time, so any channel count vectorises. On
 * x86-64 it uses SSE, or AVX when the CPU has it; elsewhere a scalar loop.
 * No FMA anywhere and the same order of operations in every variant, so
 * each rounds identically and the result is bit-for-bit the same on every
 * machine.
 */
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MST_X86 1
#endif

#include "mst.h"

#define HALF (MST_TP_TAPS / 2) /* taps at n-5 .. n+6 around the point */

/* The 12-tap dot product of q (coefficients) and t (samples), summed as a
 * balanced tree: a short dependency chain, and one fixed order of rounding
 * for the scalar and the vector paths alike. */
#define TREE(M, A)                                                        \
    A(A(A(A(M(q[0], t[0]), M(q[1], t[1])), A(M(q[2], t[2]), M(q[3], t[3]))), \
        A(A(M(q[4], t[4]), M(q[5], t[5])), A(M(q[6], t[6]), M(q[7], t[7])))), \
      A(A(M(q[8], t[8]), M(q[9], t[9])), A(M(q[10], t[10]), M(q[11], t[11]))))
#define MUL(a, b) ((a) * (b))
#define ADD(a, b) ((a) + (b))
#define SMUL(a, b) _mm_mul_ps(_mm_set1_ps(a), (b))
#define SADD(a, b) _mm_add_ps((a), (b))
#define AMUL(a, b) _mm256_mul_ps(_mm256_set1_ps(a), (b))
#define AADD(a, b) _mm256_add_ps((a), (b))
#if MST_TP_TAPS != 12
#error "TREE is written for 12 taps"
#endif

static double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    for (int k = 1; k < 40; k++) {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        if (term < 1e-17 * sum)
            break;
    }
    return sum;
}

void mst_tp_design(mst_tp *tp)
{
    const double beta = 5.0, width = HALF + 0.5;
    tp->l1 = 1.0f;
    for (int p = 1; p <= 3; p++) {
        double f = p / 4.0, sum = 0;
        double c[MST_TP_TAPS];
        for (int j = 0; j < MST_TP_TAPS; j++) {
            double d = (double)(j - (HALF - 1)) - f;
            double s = fabs(d) < 1e-12 ? 1.0 : sin(M_PI * d) / (M_PI * d);
            double r = d / width;
            double w = r * r < 1.0 ? bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta) : 0.0;
            c[j] = s * w;
            sum += c[j];
        }
        double l1 = 0;
        for (int j = 0; j < MST_TP_TAPS; j++) {
            tp->c[p - 1][j] = (float)(c[j] / sum);
            l1 += fabs(tp->c[p - 1][j]);
        }
        if (l1 > tp->l1)
            tp->l1 = (float)l1;
    }
}

/* Peak of frames [n0, n1), bounds-checked (edges, and the portable path). */
static float tp_scalar(const mst_tp *tp, const float *x, uint64_t frames,
                       uint32_t ch, uint64_t n0, uint64_t n1)
{
    float m = 0;
    for (uint64_t n = n0; n < n1; n++)
        for (uint32_t c = 0; c < ch; c++) {
            float a = fabsf(x[n * ch + c]);
            m = a > m ? a : m;
            float t[MST_TP_TAPS];
            for (int j = 0; j < MST_TP_TAPS; j++) {
                int64_t k = (int64_t)n + j - (HALF - 1);
                t[j] = k >= 0 && (uint64_t)k < frames ? x[(uint64_t)k * ch + c] : 0.0f;
            }
            for (int p = 0; p < 3; p++) {
                const float *q = tp->c[p];
                float acc = TREE(MUL, ADD);
                a = fabsf(acc);
                m = a > m ? a : m;
            }
        }
    return m;
}

#ifdef MST_X86
/* Floats [i0, i1) of x, every tap inside the buffer; (i1 - i0) % 4 == 0. */
static float tp_sse(const mst_tp *tp, const float *x, uint64_t i0, uint64_t i1,
                    int64_t stride)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    __m128 m = _mm_setzero_ps();
    for (uint64_t i = i0; i < i1; i += 4) {
        __m128 t[MST_TP_TAPS];
        for (int j = 0; j < MST_TP_TAPS; j++)
            t[j] = _mm_loadu_ps(x + i + (j - (HALF - 1)) * stride);
        m = _mm_max_ps(m, _mm_andnot_ps(sign, t[HALF - 1]));
        for (int p = 0; p < 3; p++) {
            const float *q = tp->c[p];
            __m128 acc = TREE(SMUL, SADD);
            m = _mm_max_ps(m, _mm_andnot_ps(sign, acc));
        }
    }
    float v[4];
    _mm_storeu_ps(v, m);
    float r = v[0];
    for (int l = 1; l < 4; l++)
        r = v[l] > r ? v[l] : r;
    return r;
}

/* The same with eight lanes; (i1 - i0) % 8 == 0. */
__attribute__((target("avx"))) static float
tp_avx(const mst_tp *tp, const float *x, uint64_t i0, uint64_t i1, int64_t stride)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (uint64_t i = i0; i < i1; i += 8) {
        __m256 t[MST_TP_TAPS];
        for (int j = 0; j < MST_TP_TAPS; j++)
            t[j] = _mm256_loadu_ps(x + i + (j - (HALF - 1)) * stride);
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, t[HALF - 1]));
        for (int p = 0; p < 3; p++) {
            const float *q = tp->c[p];
            __m256 acc = TREE(AMUL, AADD);
            m = _mm256_max_ps(m, _mm256_andnot_ps(sign, acc));
        }
    }
    float v[8];
    _mm256_storeu_ps(v, m);
    float r = v[0];
    for (int l = 1; l < 8; l++)
        r = v[l] > r ? v[l] : r;
    return r;
}
#endif

/* The exact peak of block b (see mst_tp_blocks); `avx` from the CPU. */
static float block_peak(const mst_tp *tp, const float *x, uint64_t frames, uint32_t ch,
                        uint32_t blk, uint64_t b, int avx)
{
    /* Frames whose taps all lie inside the signal: [lo, hi). */
    uint64_t lo = HALF - 1, hi = frames > (uint64_t)HALF ? frames - HALF : 0;
    uint64_t start = b * blk;
    uint64_t end = start + blk < frames ? start + blk : frames;
#ifdef MST_X86
    uint64_t nf = (end - start) * ch;
    if (start >= lo && end <= hi && nf % 8 == 0)
        return avx ? tp_avx(tp, x, start * ch, end * ch, ch)
                   : tp_sse(tp, x, start * ch, end * ch, ch);
#else
    (void)avx;
#endif
    return tp_scalar(tp, x, frames, ch, start, end);
}

static int cpu_avx(void)
{
#ifdef MST_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx");
#else
    return 0;
#endif
}

void mst_tp_blocks(const mst_tp *tp, const float *x, uint64_t frames,
                   uint32_t ch, uint32_t blk, uint64_t b0, uint64_t b1,
                   float *out)
{
    int avx = cpu_avx();
    for (uint64_t b = b0; b < b1; b++)
        out[b - b0] = block_peak(tp, x, frames, ch, blk, b, avx);
}

typedef int32_t v4i __attribute__((vector_size(16)));

/* Largest |sample| of each block b, lo <= b < hi, into m[b - lo]. The
 * bit patterns of non-negative floats order like the numbers, so the
 * maximum is taken on integers, four lanes at a time. The signal is
 * finite (the stage checked). */
static void block_abs_max(const float *x, uint64_t frames, uint32_t ch, uint32_t blk,
                          uint64_t lo, uint64_t hi, float *m)
{
    const v4i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    for (uint64_t b = lo; b < hi; b++) {
        uint64_t f1 = (b + 1) * blk < frames ? (b + 1) * blk : frames;
        const float *p = x + b * blk * ch;
        size_t n = (size_t)(f1 - b * blk) * ch, i = 0;
        v4i vm = {0, 0, 0, 0};
        for (; i + 4 <= n; i += 4) {
            v4i u;
            memcpy(&u, p + i, sizeof u);
            u &= mask;
            v4i gt = u > vm;
            vm = (u & gt) | (vm & ~gt);
        }
        int32_t v = 0;
        for (int l = 0; l < 4; l++)
            v = vm[l] > v ? vm[l] : v;
        for (; i < n; i++) {
            int32_t u;
            memcpy(&u, p + i, sizeof u);
            u &= 0x7fffffff;
            v = u > v ? u : v;
        }
        memcpy(&m[b - lo], &v, sizeof v);
    }
}

#define LOUD_BATCH 512

void mst_tp_blocks_loud(const mst_tp *tp, const float *x, uint64_t frames, uint32_t ch,
                        uint32_t blk, uint64_t b0, uint64_t b1, float ratio, float *loud,
                        float *out)
{
    int avx = cpu_avx();
    /* Every point of block b is a sum of samples of blocks b - 1 .. b + 1
     * (taps reach HALF frames) weighted by one phase (|weights| summing to
     * at most l1), rounded a few times in float: l1 * (1 + 1e-6) times the
     * largest of those samples bounds it. */
    const float gain = tp->l1 * (1.0f + 1e-6f);
    const uint64_t nblk = (frames + blk - 1) / blk;
    float bm[LOUD_BATCH + 2], top = *loud, floor = top / ratio;
    for (uint64_t c0 = b0; c0 < b1; c0 += LOUD_BATCH) {
        uint64_t c1 = c0 + LOUD_BATCH < b1 ? c0 + LOUD_BATCH : b1;
        uint64_t lo = c0 > 0 ? c0 - 1 : 0, hi = c1 + 1 < nblk ? c1 + 1 : nblk;
        block_abs_max(x, frames, ch, blk, lo, hi, bm);
        for (uint64_t b = c0; b < c1; b++) {
            float w = bm[b - lo];
            if (b > lo)
                w = bm[b - 1 - lo] > w ? bm[b - 1 - lo] : w;
            if (b + 1 < hi)
                w = bm[b + 1 - lo] > w ? bm[b + 1 - lo] : w;
            if (w > top) {
                top = w;
                floor = top / ratio;
            }
            float bound = w * gain;
            out[b - b0] = bound <= floor ? bound : block_peak(tp, x, frames, ch, blk, b, avx);
        }
    }
    *loud = top;
}
