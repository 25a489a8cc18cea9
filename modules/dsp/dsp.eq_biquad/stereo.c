/*
 * stereo.c - the four-frame block form of the band cascade (see stereo.h
 * for the why): coefficient design, the kernel compiled for three ISAs,
 * and the bookkeeping that keeps blocks aligned across process() calls.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#pragma GCC diagnostic ignored "-Wpsabi"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stereo.h"

#define CHUNK 4096 /* frames between denormal flushes (a multiple of 4) */
#define GROUP 4    /* bands in one loop over the samples */
#define SPAN 1024  /* frames a longer cascade takes group by group */

typedef double v8d __attribute__((vector_size(64)));
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
/* the same, for loads and stores at any double- or float-aligned address */
typedef double v8du __attribute__((vector_size(64), aligned(8)));
typedef double v4du __attribute__((vector_size(32), aligned(8)));
typedef float v8fu __attribute__((vector_size(32), aligned(4)));

#define INL static inline __attribute__((always_inline))

/* ---- design --------------------------------------------------------- */

typedef double mat2[2][2];

static void mat2_mul(const mat2 a, const mat2 b, mat2 r)
{
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j];
}

static void band_design(const eq_coef *c, eqs_band *b)
{
    /* TDF2 as a state-space system: s' = A s + B x, y = s[0] + b0 x. */
    mat2 ak[5] = {{{1, 0}, {0, 1}}, {{-c->a1, 1}, {-c->a2, 0}}};
    for (int k = 2; k < 5; k++)
        mat2_mul(ak[1], ak[k - 1], ak[k]);
    double bv[2] = {c->b1 - c->a1 * c->b0, c->b2 - c->a2 * c->b0};
    double akb[4][2]; /* A^m B */
    for (int m = 0; m < 4; m++)
        for (int i = 0; i < 2; i++)
            akb[m][i] = ak[m][i][0] * bv[0] + ak[m][i][1] * bv[1];
    for (int l = 0; l < 8; l++) {
        int k = l / 2; /* frame of the lane */
        b->d[l] = c->b0;
        b->h0[l] = akb[0][0];
        b->h1[l] = akb[1][0];
        b->h2[l] = akb[2][0];
        b->c1[l] = ak[k][0][0];
        b->c2[l] = ak[k][0][1];
    }
    for (int l = 0; l < 4; l++) {
        int i = l / 2; /* state word of the lane */
        b->p1[l] = ak[4][i][0];
        b->p2[l] = ak[4][i][1];
        for (int j = 0; j < 4; j++)
            b->g[j][l] = akb[3 - j][i];
    }
}

void eqs_design(eqs *q, const eq_coef *c, int n, int isa)
{
    memset(q, 0, sizeof *q);
    for (int k = 0; k < n; k++)
        band_design(&c[k], &q->band[k]);
    q->n = n;
    q->isa = isa;
}

/* ---- the kernel ----------------------------------------------------- */

#define LD8(p) (*(const v8du *)(p))
#define LD4(p) (*(const v4du *)(p))

/* One band over one block: replaces *x (four frames' input) by their
 * output and advances the state *s by four frames (by pointer: no vector
 * crosses a call in the baseline ABI). Output lane k only reads input lanes <= k (the
 * shifts bring in zeros, never later frames), which is what lets a block
 * cut short by a call boundary be computed on zero padding. The sums are
 * parenthesised so the state's own path is short: one multiply and two
 * adds per block. */
INL void band_block(const eqs_band *b, v8d *xp, v4d *s)
{
    const v8d z = {0};
    v8d x = *xp;
    v8d x1 = __builtin_shufflevector(z, x, 0, 1, 8, 9, 10, 11, 12, 13);
    v8d x2 = __builtin_shufflevector(z, x, 0, 1, 2, 3, 8, 9, 10, 11);
    v8d x3 = __builtin_shufflevector(z, x, 0, 1, 2, 3, 4, 5, 8, 9);
    v4d st = *s;
    v8d s1 = __builtin_shufflevector(st, st, 0, 1, 0, 1, 0, 1, 0, 1);
    v8d s2 = __builtin_shufflevector(st, st, 2, 3, 2, 3, 2, 3, 2, 3);
    v8d y = ((LD8(b->d) * x + LD8(b->h0) * x1) + (LD8(b->h1) * x2 + LD8(b->h2) * x3)) +
            (LD8(b->c1) * s1 + LD8(b->c2) * s2);
    v4d f0 = __builtin_shufflevector(x, x, 0, 1, 0, 1);
    v4d f1 = __builtin_shufflevector(x, x, 2, 3, 2, 3);
    v4d f2 = __builtin_shufflevector(x, x, 4, 5, 4, 5);
    v4d f3 = __builtin_shufflevector(x, x, 6, 7, 6, 7);
    v4d u = (LD4(b->g[0]) * f0 + LD4(b->g[1]) * f1) + (LD4(b->g[2]) * f2 + LD4(b->g[3]) * f3);
    v4d t1 = __builtin_shufflevector(st, st, 0, 1, 0, 1);
    v4d t2 = __builtin_shufflevector(st, st, 2, 3, 2, 3);
    *s = u + (LD4(b->p1) * t1 + LD4(b->p2) * t2);
    *xp = y;
}

/* nblk whole blocks through bands [k0, k0 + n), in place: float samples
 * at fs, or doubles at ds (the other NULL). Inlined with n and the NULL
 * constant, so the states stay in registers and the branches go away.
 * Between the bands the signal stays in double. */
INL void blocks_body(eqs *q, int k0, const int n, float *fs, double *ds, uint64_t nblk)
{
    v4d st[GROUP];
    for (int k = 0; k < n; k++)
        st[k] = LD4(q->state[k0 + k]);
    for (uint64_t i = 0; i < nblk; i++) {
        v8d x = fs ? __builtin_convertvector(*(const v8fu *)(fs + 8 * i), v8d) : LD8(ds + 8 * i);
#pragma GCC unroll 4
        for (int k = 0; k < n; k++)
            band_block(&q->band[k0 + k], &x, &st[k]);
        if (fs)
            *(v8fu *)(fs + 8 * i) = __builtin_convertvector(x, v8f);
        else
            *(v8du *)(ds + 8 * i) = x;
    }
    for (int k = 0; k < n; k++)
        *(v4du *)q->state[k0 + k] = st[k];
}

/* The kernel: up to GROUP bands in one loop over the float samples; a
 * longer cascade group by group over a double copy of SPAN frames at a
 * time (so the signal stays in double between groups too). */
#define KERNEL(name, attr)                                                      \
    static attr void name##_group(eqs *q, int k0, int n, float *fs, double *ds, \
                                  uint64_t nblk)                                \
    {                                                                           \
        switch (n) {                                                            \
        case 1: fs ? blocks_body(q, k0, 1, fs, NULL, nblk)                      \
                   : blocks_body(q, k0, 1, NULL, ds, nblk); break;              \
        case 2: fs ? blocks_body(q, k0, 2, fs, NULL, nblk)                      \
                   : blocks_body(q, k0, 2, NULL, ds, nblk); break;              \
        case 3: fs ? blocks_body(q, k0, 3, fs, NULL, nblk)                      \
                   : blocks_body(q, k0, 3, NULL, ds, nblk); break;              \
        default: fs ? blocks_body(q, k0, 4, fs, NULL, nblk)                     \
                    : blocks_body(q, k0, 4, NULL, ds, nblk); break;             \
        }                                                                       \
    }                                                                           \
    static attr void name(eqs *q, float *s, uint64_t nblk)                      \
    {                                                                           \
        if (q->n <= GROUP) {                                                    \
            name##_group(q, 0, q->n, s, NULL, nblk);                            \
            return;                                                             \
        }                                                                       \
        double buf[2 * SPAN] __attribute__((aligned(64)));                      \
        for (uint64_t m; nblk; nblk -= m, s += 8 * m) {                         \
            m = nblk < SPAN / 4 ? nblk : SPAN / 4;                              \
            for (uint64_t i = 0; i < 8 * m; i++)                                \
                buf[i] = s[i];                                                  \
            for (int k0 = 0; k0 < q->n; k0 += GROUP)                            \
                name##_group(q, k0, q->n - k0 < GROUP ? q->n - k0 : GROUP,      \
                             NULL, buf, m);                                     \
            for (uint64_t i = 0; i < 8 * m; i++)                                \
                s[i] = (float)buf[i];                                           \
        }                                                                       \
    }

typedef void kernel_fn(eqs *q, float *s, uint64_t nblk);

/* No AVX-512 build: on this project's machine (AMD, 512-bit units) it
 * measured no faster than AVX2, 7% slower with 3-4 bands. */
#if defined(__x86_64__) && defined(__GNUC__)
KERNEL(blocks_base, )
KERNEL(blocks_avx2, __attribute__((target("avx2"))))
static kernel_fn *const kernels[EQS_NISA] = {blocks_base, blocks_avx2};
#else
KERNEL(blocks_base, )
static kernel_fn *const kernels[EQS_NISA] = {blocks_base, blocks_base};
#endif

int eqs_isa_detect(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? EQS_ISA_AVX2 : EQS_ISA_BASE;
#else
    return EQS_ISA_BASE;
#endif
}

/* ---- blocks across calls -------------------------------------------- */

/* m frames at s that start at frame `ph` of a block (ph + m <= 4): the
 * whole block is run on the frames seen so far and zeros; the state moves
 * on only once the block is complete. */
static void part_block(eqs *q, float *s, unsigned ph, unsigned m)
{
    float blk[8] = {0};
    double keep[EQ_MAX_BANDS][4];
    int whole = ph + m == 4;
    memcpy(blk, q->head, 2 * ph * sizeof *blk);
    memcpy(blk + 2 * ph, s, 2 * m * sizeof *blk);
    if (!whole) {
        memcpy(q->head + 2 * ph, s, 2 * m * sizeof *s);
        memcpy(keep, q->state, (size_t)q->n * sizeof keep[0]);
    }
    kernels[q->isa](q, blk, 1);
    if (!whole)
        memcpy(q->state, keep, (size_t)q->n * sizeof keep[0]);
    memcpy(s, blk + 2 * ph, 2 * m * sizeof *s);
}

/* A state word below 1e-30 is zeroed, so a long silence never leaves the
 * filters computing on subnormal numbers (~100x slower on x86). At fixed
 * absolute positions, so the split into calls cannot matter. */
static void flush_denormals(eqs *q)
{
    for (int k = 0; k < q->n; k++)
        for (int i = 0; i < 4; i++)
            if (fabs(q->state[k][i]) < 1e-30)
                q->state[k][i] = 0;
}

void eqs_process(eqs *q, float *s, uint64_t frames)
{
    while (frames) {
        unsigned ph = (unsigned)(q->pos % 4);
        uint64_t m;
        if (ph || frames < 4) {
            m = 4 - ph < frames ? 4 - ph : frames;
            part_block(q, s, ph, (unsigned)m);
        } else {
            uint64_t to_flush = CHUNK - q->pos % CHUNK;
            m = frames & ~(uint64_t)3;
            if (m > to_flush)
                m = to_flush;
            kernels[q->isa](q, s, m / 4);
        }
        q->pos += m;
        s += 2 * m;
        frames -= m;
        if (q->pos % CHUNK == 0)
            flush_denormals(q);
    }
}
