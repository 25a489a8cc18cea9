/*
 * pcm.c - float to integer PCM with TPDF dither.
 *
 * Rounding a float master to 24 or 16 bits leaves an error correlated with
 * the music (harmonic distortion in quiet passages). Adding triangular
 * (TPDF) dither first, the difference of two independent uniform values of
 * one LSB each (so +-1 LSB peak, flat spectrum), makes the error plain
 * noise whose level does not depend on the signal. The dither comes from
 * cz_rng seeded by the job seed and a stream name per file, so the same
 * seed writes identical bytes. One 64-bit draw carries four 16-bit
 * uniforms: the dither of two samples (1/65536 LSB resolution is far
 * finer than the dither itself needs). A call on n samples draws
 * ceil(n / 2) words; word k dithers sample 2k with its high half
 * ((w >> 48) - ((w >> 32) & 0xffff)) / 65536 and sample 2k + 1 with its
 * low half, so a signal quantised in slices of even length gets the same
 * bytes as in one piece.
 *
 * Each sample becomes round(x + d), x = sample * 2^(bits - 1) and d the
 * dither in LSB, to nearest with ties to even, clamped to
 * [-2^(bits - 1), 2^(bits - 1) - 1] (each clamped sample counts in
 * q->clipped), left-justified in 32 bits. A NaN or infinite sample
 * writes 0: not dithered, not counted as clipped.
 *
 * Speed. This runs over every sample of every PCM file, so it is written
 * for vector units. The generator is a serial scalar chain, the rounding
 * is lane parallel: the loop rounding one block of samples also draws the
 * dither words of the next block into a second buffer (the core overlaps
 * the two; and a block's words are stored long before they are loaded as
 * vectors, which a load straight after the stores would stall on), then
 * the two buffers swap.
 *
 * Exactness. The rounding uses single precision and 32-bit integers only,
 * with no branch, and every step is exact. Rounding x + d as a float would
 * not do: the sum needs up to 24 + 16 significant bits (x near 2^23 at 24
 * bits, d a multiple of 2^-16), so the float sum would coarsen the dither
 * to the float spacing (half an LSB just below 24-bit full scale) and
 * move samples across rounding boundaries. Instead, with the sample
 * clamped to +-2 full scale (x then converts to int32 and to float
 * exactly):
 *   xi = trunc(x)           an integer, |xi| <= 2^24
 *   f  = (x - xi) * 2^16    x's fraction, times a power of two: exact
 *   fi = floor(f)           trunc(f), minus one where that rounded up;
 *                           f == fi tells whether f had a fraction
 *   t  = fi + m + 2^15      m = d * 2^16, the dither as an integer
 * so x + d = xi + (t - 2^15 + (f - fi)) / 2^16 with 0 <= f - fi < 1, and
 *   r  = xi + (t >> 16)     is x + d rounded half up; an exact tie
 *                           (f == fi and t's low 16 bits zero) on an
 *                           odd r goes down by one: ties to even.
 * That is round(x + d) exactly, for every float (the obvious double
 * precision x * scale + d, rounded, agrees except below about 2^-54 LSB,
 * where the double sum itself rounds and can make a false tie). Since
 * every floating-point operation is exact, neither the rounding mode nor
 * FMA contraction can change a bit (each product is by a power of two and
 * none feeds an addition), and every lane computes the same bits whatever
 * the vector width. So the same kernel is compiled for the SSE2 baseline
 * (4 lanes), AVX2 (8) and AVX-512 (16) and the widest this CPU runs is
 * picked at run time; the unit tests compare all of them with a scalar
 * reference byte for byte.
 */
#include <string.h>

#include "files.h"

/* Samples per dither block: even, a multiple of every kernel's lanes. */
#define QBLOCK 512
/* The widest kernel's lanes. */
#define QLANES_MAX 16

void fz_quant_init(fz_quant *q, int bits, int dither, uint64_t seed, const char *stream)
{
    *q = (fz_quant){.bits = bits, .dither = dither};
    cz_rng_init(&q->rng, seed, stream);
}

/* Store dither word w as p[0] = its high half, p[1] = its low half, in
 * one 64-bit store. */
static inline __attribute__((always_inline)) void put_word(uint32_t *p, uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = (w << 32) | (w >> 32);
#endif
    memcpy(p, &w, sizeof w);
}

/* The dither words of samples [0, n) of a block: ceil(n / 2) draws. */
static void draw_dither(cz_rng *g, uint32_t *p, size_t n)
{
    for (size_t k = 0; k < (n + 1) / 2; k++)
        put_word(p + 2 * k, cz_rng_next(g));
}

/* A kernel: round the n samples of in (n a multiple of N) with the dither
 * words p into out, and meanwhile draw from rng the words of the next
 * block's first n_next samples (n_next a multiple of N, at most n) into
 * nx. Returns how many samples were clamped. A macro, to compile the same
 * code for several vector widths and target ISAs; name_16 and name_24 are
 * the two bit depths. */
#define QUANT_KERNEL(name, N, attr)                                                          \
    static attr inline __attribute__((always_inline)) uint64_t name##_body(                  \
        const float *in, const uint32_t *p, int32_t *out, size_t n, uint32_t *nx,            \
        size_t n_next, cz_rng *rng, const int bits)                                          \
    {                                                                                        \
        typedef float vf __attribute__((vector_size(4 * N)));                                \
        typedef int32_t vi __attribute__((vector_size(4 * N)));                              \
        typedef uint32_t vu __attribute__((vector_size(4 * N)));                             \
        const float scale = (float)(1 << (bits - 1));                                        \
        const vi hi = (vi){0} + ((1 << (bits - 1)) - 1), lo = (vi){0} - (1 << (bits - 1));   \
        const vi two = (vi){0} + 0x40000000; /* 2.0f */                                      \
        vi kept = {0};                                                                       \
        cz_rng g = *rng;                                                                     \
        for (size_t i = 0; i < n; i += N) {                                                  \
            if (i < n_next) {                                                                \
                _Pragma("GCC unroll 8") for (int k = 0; k < N / 2; k++)                      \
                    put_word(nx + i + 2 * k, cz_rng_next(&g));                               \
            }                                                                                \
            vi b;                                                                            \
            vu u;                                                                            \
            memcpy(&b, in + i, sizeof b);                                                    \
            memcpy(&u, p + i, sizeof u);                                                     \
            /* the sample's magnitude bits: NaN and infinity above the                       \
             * largest float; clamp to 2.0, keep the sign, zero the                          \
             * non-finite */                                                                 \
            vi a = b & INT32_MAX;                                                            \
            vi nonfinite = a > 0x7f7fffff;                                                   \
            vi c = a > two;                                                                  \
            a = (two & c) | (a & ~c);                                                        \
            vf x = (vf)((a | (b & INT32_MIN)) & ~nonfinite) * scale;                         \
            vi xi = __builtin_convertvector(x, vi);                                          \
            vf f = (x - __builtin_convertvector(xi, vf)) * 65536.0f;                         \
            vi ti = __builtin_convertvector(f, vi);                                          \
            vf tf = __builtin_convertvector(ti, vf);                                         \
            vi m = (vi)(u >> 16) - (vi)(u & 0xffff);                                         \
            /* (tf > f) is -1 where trunc rounded up: ti + it = floor(f) */                  \
            vi t = ti + (tf > f) + m + 32768;                                                \
            vi r = xi + (t >> 16);                                                           \
            r -= r & 1 & (tf == f) & ((t & 0xffff) == 0);                                    \
            vi rc = r;                                                                       \
            c = rc > hi;                                                                     \
            rc = (hi & c) | (rc & ~c);                                                       \
            c = rc < lo;                                                                     \
            rc = (lo & c) | (rc & ~c);                                                       \
            kept += rc == r; /* -1 in each lane not clamped */                               \
            vu o = (vu)(rc & ~nonfinite) << (32 - bits);                                     \
            memcpy(out + i, &o, sizeof o);                                                   \
        }                                                                                    \
        *rng = g;                                                                            \
        int64_t s = (int64_t)n;                                                              \
        for (int k = 0; k < N; k++)                                                          \
            s += kept[k];                                                                    \
        return (uint64_t)s;                                                                  \
    }                                                                                        \
    static attr uint64_t name##_16(const float *in, const uint32_t *p, int32_t *out,          \
                                   size_t n, uint32_t *nx, size_t n_next, cz_rng *rng)       \
    {                                                                                        \
        return name##_body(in, p, out, n, nx, n_next, rng, 16);                              \
    }                                                                                        \
    static attr uint64_t name##_24(const float *in, const uint32_t *p, int32_t *out,          \
                                   size_t n, uint32_t *nx, size_t n_next, cz_rng *rng)       \
    {                                                                                        \
        return name##_body(in, p, out, n, nx, n_next, rng, 24);                              \
    }

typedef uint64_t (*quant_fn)(const float *in, const uint32_t *p, int32_t *out, size_t n,
                             uint32_t *nx, size_t n_next, cz_rng *rng);

enum { Q_ISA_BASE, Q_ISA_AVX2, Q_ISA_AVX512, Q_NISA };

QUANT_KERNEL(quant_base, 4, )
#if defined(__x86_64__) && defined(__GNUC__)
/* 32- and 64-byte vectors only live inside functions built for them */
#pragma GCC diagnostic ignored "-Wpsabi"
QUANT_KERNEL(quant_avx2, 8, __attribute__((target("avx2"))))
QUANT_KERNEL(quant_avx512, 16, __attribute__((target("avx512f"))))
static const quant_fn quant_fns[Q_NISA][2] = {
    {quant_base_16, quant_base_24},
    {quant_avx2_16, quant_avx2_24},
    {quant_avx512_16, quant_avx512_24},
};
#else
static const quant_fn quant_fns[Q_NISA][2] = {
    {quant_base_16, quant_base_24},
    {quant_base_16, quant_base_24},
    {quant_base_16, quant_base_24},
};
#endif

/* The widest kernel this CPU runs. */
static int quant_isa(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return Q_ISA_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return Q_ISA_AVX2;
#endif
    return Q_ISA_BASE;
}

/* fz_quant_run with the kernel of a given ISA (the tests run each). */
static void quant_run_with(fz_quant *q, const float *in, int32_t *out, size_t n, int isa)
{
    const quant_fn fn = quant_fns[isa][q->bits == 24];
    /* two dither blocks, each with room for a padded last vector */
    uint32_t buf[2][QBLOCK + QLANES_MAX];
    uint32_t *cur = buf[0], *nxt = buf[1];
    if (!n)
        return;
    if (q->dither)
        draw_dither(&q->rng, cur, n < QBLOCK ? n : QBLOCK);
    else
        memset(cur, 0, sizeof buf[0]); /* m = 0 throughout */
    for (size_t i = 0; i < n; i += QBLOCK) {
        size_t len = n - i < QBLOCK ? n - i : QBLOCK;
        size_t next = n - i - len < QBLOCK ? n - i - len : QBLOCK;
        size_t body = len / QLANES_MAX * QLANES_MAX;
        /* The kernel draws the next block's words for the whole vectors
         * it runs; the rest of them are drawn after it. */
        size_t early = q->dither ? (next < body ? next : body) / QLANES_MAX * QLANES_MAX : 0;
        q->clipped += fn(in + i, cur, out + i, body, nxt, early, &q->rng);
        if (body < len) {
            /* The call's last samples, padded to a whole vector with
             * silence and zero dither (never clamped). Only the last
             * block has any: next is 0. */
            float ib[QLANES_MAX] = {0};
            int32_t ob[QLANES_MAX];
            memcpy(ib, in + i + body, (len - body) * sizeof *ib);
            memset(cur + len, 0, (body + QLANES_MAX - len) * sizeof *cur);
            q->clipped += fn(ib, cur + body, ob, QLANES_MAX, NULL, 0, &q->rng);
            memcpy(out + i + body, ob, (len - body) * sizeof *ob);
        }
        if (q->dither && next) {
            draw_dither(&q->rng, nxt + early, next - early);
            uint32_t *t = cur;
            cur = nxt;
            nxt = t;
        }
    }
}

void fz_quant_run(fz_quant *q, const float *in, int32_t *out, size_t n)
{
    quant_run_with(q, in, out, n, quant_isa());
}
