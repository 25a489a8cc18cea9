/*
 * stereo.h - dsp.eq_biquad's stereo path: the band cascade computed four
 * frames at a time in state-space ("look-ahead") form.
 *
 * A TDF2 biquad pays two dependent operations of latency per sample, so a
 * cascade of a few bands is bound by latency, not by arithmetic. Written as
 * a state-space system (state s = the two TDF2 words, s' = A s + B x,
 * y = s[0] + b0 x), four frames follow from the state at the start of a
 * block directly: y[k] = b0 x[k] + sum_{j<k} h[k-1-j] x[j] + row0(A^k) s and
 * s(+4) = A^4 s + sum_j A^(3-j) B x[j]. The dependency is paid once per four
 * frames and the rest is independent multiplies and adds over 8-lane
 * vectors (4 frames x 2 channels). Everything stays in double precision:
 * the state is the TDF2 state, only the order of the arithmetic changes.
 *
 * Identical bytes on every CPU: no fused multiply-add (fp-contract off in
 * stereo.c; the AVX2 build does not enable FMA), no reassociation, so the
 * baseline (SSE2) and AVX2 builds of the one kernel compute the same bits
 * per lane. Identical bytes for any split into process() calls:
 * blocks are aligned to the absolute frame count, a block cut by a call
 * boundary is completed by running the same kernel on the block padded
 * with zeros (a frame's output only reads earlier frames of its block) and
 * keeping the state of the block start until the block is whole.
 *
 * Internal to the module (and compiled into test_eq, which runs every ISA
 * build).
 */
#ifndef EQB_STEREO_H
#define EQB_STEREO_H

#include <stdint.h>

#include "bands.h"

enum { EQS_ISA_BASE = 0, EQS_ISA_AVX2 = 1, EQS_NISA = 2 };

/* One band's block-form coefficients, laid out as the kernel's lanes want
 * them. Output lanes are frame * 2 + channel; state lanes are
 * [s1 L, s1 R, s2 L, s2 R]. */
typedef struct eqs_band {
    double d[8], h0[8], h1[8], h2[8]; /* b0 and the first impulse taps */
    double c1[8], c2[8];              /* row 0 of A^k, k = frame */
    double p1[4], p2[4];              /* columns of A^4 */
    double g[4][4];                   /* A^(3-j) B, j = frame */
} eqs_band;

typedef struct eqs {
    eqs_band band[EQ_MAX_BANDS];
    double state[EQ_MAX_BANDS][4]; /* at the start of the current block */
    float head[8];                 /* the current block's frames so far (input) */
    uint64_t pos;                  /* frames processed */
    int n;                         /* bands */
    int isa;                       /* EQS_ISA_*, chosen at design */
} eqs;

/* The best kernel build this CPU runs (EQS_ISA_BASE off x86-64). */
int eqs_isa_detect(void);

/* Design the cascade of n bands from their biquads for the kernel build
 * `isa` and clear the state. */
void eqs_design(eqs *q, const eq_coef *c, int n, int isa);

/* Filter `frames` interleaved stereo frames in place. */
void eqs_process(eqs *q, float *s, uint64_t frames);

#endif
