/*
 * mst.h - internals of mastering.streaming, shared by its .c files only.
 *
 * The chain works on interleaved float frames (as cz_audio holds them):
 *
 *   eq.c       high-pass (low cut) and optional tilt, biquads in double
 *   glue.c     stereo-linked RMS compressor, gain at a control rate
 *   meter.c    BS.1770-4 K-weighting, gating, integrated loudness, LRA
 *   truepeak.c 4x polyphase FIR inter-sample peak estimate
 *   limiter.c  look-ahead true-peak limiter computed at a control rate
 *   mastering.c the descriptor, options and the measure/gain/limit loop
 *
 * Nothing here keeps global mutable state; every table lives in the
 * instance or on the stack.
 */
#ifndef MST_H
#define MST_H

#include <stddef.h>
#include <stdint.h>

#include <cadenza/cadenza.h>

#define MST_MAXCH 8u

/* ---- biquads (eq.c) --------------------------------------------------- */

typedef struct mst_biquad {
    double b0, b1, b2, a1, a2;
} mst_biquad;

void mst_bq_highpass(mst_biquad *q, double rate, double f0, double Q);
void mst_bq_lowpass(mst_biquad *q, double rate, double f0, double Q);
/* Shelving filter, `high` selects high shelf; slope S in (0, 1]. */
void mst_bq_shelf(mst_biquad *q, double rate, double f0, double gain_db,
                  double S, int high);
/* The two BS.1770 K-weighting stages (pre-filter shelf, RLB high-pass),
 * designed for `rate` from the standard's analogue parameters. */
void mst_bq_kweight(mst_biquad q[2], double rate);

/* Channel weight of BS.1770 (1, or 1.41 for surrounds, 0 for LFE). */
double mst_chan_weight(uint32_t c, uint32_t ch);

/* A cascade of up to MST_FILT_MAX biquads with its state per channel,
 * run over consecutive chunks of interleaved float frames. */
#define MST_FILT_MAX 6

typedef struct mst_filt {
    mst_biquad q[MST_FILT_MAX];
    int n;
    double z[MST_FILT_MAX][MST_MAXCH][4]; /* x[n-1] x[n-2] y[n-1] y[n-2] */
} mst_filt;

void mst_filt_init(mst_filt *f, const mst_biquad *q, int n);
/* Filter frames of in into out (may be the same buffer), rounding to
 * float. (The stereo vector path runs up to 5 stages.) */
void mst_filt_run(mst_filt *f, const float *in, float *out, uint64_t frames,
                  uint32_t ch);
/* Filter frames of in without storing them, and sum the channel-weighted
 * squares of the output over blocks of blk frames: energy[ceil(frames /
 * blk)] (the last block may be partial). */
void mst_filt_energy(mst_filt *f, const float *in, uint64_t frames,
                     uint32_t ch, uint32_t blk, double *energy);
/* Both at once, on two different stretches of the same length: ef over
 * ein -> eout, and kf's energy over kin (both chains overlap in the CPU). */
void mst_filt_run_energy(mst_filt *ef, const float *ein, float *eout, mst_filt *kf,
                         const float *kin, uint64_t frames, uint32_t ch, uint32_t blk,
                         double *energy);

/* ---- gain ramps (ramp.c) --------------------------------------------- */

/* Multiply the frames of p (interleaved, ch channels) by g0 + d * i for
 * i = i0 .. i1 - 1 (frame i - i0 of p); returns the largest |sample| after. */
float mst_ramp(float *p, uint32_t ch, uint32_t i0, uint32_t i1, float g0, float d);

/* ---- glue compressor (glue.c) ---------------------------------------- */

typedef struct mst_glue_cfg {
    double ratio;         /* 1 = off */
    double threshold_rel; /* dB relative to the programme's RMS level */
    double attack_ms, release_ms, knee_db;
} mst_glue_cfg;

typedef struct mst_glue {
    int on;
    uint32_t blk;              /* frames per gain step */
    double ratio, knee, thr;   /* thr in dBFS (power) */
    double aa, ar, env;        /* detector coefficients and state (power) */
    float gain;                /* gain reached at the end of the last block */
    double max_gr;             /* largest gain reduction so far, dB */
} mst_glue;

/* Mean square of the blocks of blk frames above -70 dBFS: the programme
 * level the threshold is relative to. 0 when all is silent. *finite is
 * cleared when a sample is NaN or infinite. */
double mst_programme_power(const float *x, uint64_t frames, uint32_t ch,
                           uint32_t blk, int *finite);
void mst_glue_init(mst_glue *g, const mst_glue_cfg *cfg, double rate,
                   uint32_t blk, double programme_power);
/* Compress the next frames of the song in place (frames a multiple of
 * blk, except for the song's last call). */
void mst_glue_run(mst_glue *g, float *x, uint64_t frames, uint32_t ch);

/* ---- loudness (meter.c) ---------------------------------------------- */

/* From energies summed over 100 ms sub-blocks of sub_len frames:
 * gated integrated loudness (LUFS, -HUGE_VAL when nothing passes the
 * gates) and loudness range (LU, 0 when undefined, -1 when out of
 * memory). n_sub counts only complete sub-blocks. */
double mst_integrated(const double *sub, size_t n_sub, double sub_len);
double mst_lra(const double *sub, size_t n_sub, double sub_len);

/* ---- true peak (truepeak.c) ------------------------------------------ */

#define MST_TP_TAPS 12 /* taps per phase, 4x oversampling */

typedef struct mst_tp {
    float c[3][MST_TP_TAPS]; /* phases 1/4, 2/4, 3/4; phase 0 is the sample */
    float l1;                /* largest sum of |c| of a phase (>= 1) */
} mst_tp;

void mst_tp_design(mst_tp *tp);
/* For blocks b0 <= b < b1 of `blk` frames (blk * ch a multiple of 8), the
 * largest absolute value of the samples and of the three interpolated
 * points after each sample, over all channels: out[b - b0]. */
void mst_tp_blocks(const mst_tp *tp, const float *x, uint64_t frames,
                   uint32_t ch, uint32_t blk, uint64_t b0, uint64_t b1,
                   float *out);

/* The same where it matters for a limiter that takes at most a factor
 * `ratio` off the loudest peak: a block whose true peak is certainly at
 * most *loud / ratio (*loud: the largest |sample| met so far, updated)
 * gets that upper bound instead of the exact figure. Limiting by up to
 * `ratio` never reaches such a block, so its gain is the same either way,
 * and the loudest peak (which no bound replaces) is exact. */
void mst_tp_blocks_loud(const mst_tp *tp, const float *x, uint64_t frames, uint32_t ch,
                        uint32_t blk, uint64_t b0, uint64_t b1, float ratio, float *loud,
                        float *out);

/* ---- limiter (limiter.c) --------------------------------------------- */

#define MST_CTL 8u /* frames per limiter control step */

typedef struct mst_limiter {
    size_t m;        /* control blocks: ceil(frames / MST_CTL) */
    float *pb;       /* [m] true-peak maximum of each block (pre-gain) */
    float *gc;       /* [m + 1] gain at control points (frame k*MST_CTL) */
    float *tmp1, *tmp2; /* [m + 1] scratch */
    uint32_t attack; /* control steps of look-ahead (even, >= 2) */
    double release;  /* per-step recovery factor of (1 - gain) */
} mst_limiter;

int mst_limiter_init(mst_limiter *l, uint64_t frames, double rate,
                     double lookahead_ms, double release_ms);
void mst_limiter_free(mst_limiter *l);
/* Compute gc for overall gain g (linear) and ceiling c (linear).
 * Returns the smallest control gain (1 = no limiting). */
float mst_limiter_compute(mst_limiter *l, double g, double c);
/* Energy prediction: for each 100 ms sub-block, sum over the control
 * blocks starting in it of mean(gain^2) * keb[m] (keb: K-weighted energy
 * per control block). sub[n_sub]. */
void mst_limiter_predict(const mst_limiter *l, const double *keb,
                         uint32_t sub_len, double *sub, size_t n_sub);
/* Frames [f0, f1) of x = g * gain(t) * x, in place; returns the largest
 * |sample| after. */
float mst_limiter_apply(const mst_limiter *l, float *x, uint64_t f0, uint64_t f1,
                        uint32_t ch, double g);
/* An upper bound of the true peak of the applied signal in control block
 * k (pb and the gains around it, with the interpolator's L1 norm covering
 * the gain's change across the filter span), and its estimate g*gain*pb. */
void mst_limiter_tp_bound(const mst_limiter *l, const mst_tp *tp, double g,
                          size_t k, double *bound, double *estimate);

/* ---- measuring the result (measure.c) -------------------------------- */

typedef struct mst_measure {
    double integrated;  /* LUFS, -HUGE_VAL when silent or too short */
    double lra;         /* LU */
    double true_peak;   /* dBTP */
    double sample_peak; /* dBFS */
} mst_measure;

/* Render the master in place, a = g * limiter gain * a (a holds the
 * limiter's input), and measure it: with libebur128 (I, LRA, TRUE_PEAK,
 * SAMPLE_PEAK) when use_ebur128, else with the fast meter in the same pass:
 * full K-weighted loudness and LRA, the sample peak, and the true peak
 * computed exactly in every control block whose bound
 * (mst_limiter_tp_bound) reaches within 0.5 dB of `ceiling_db`, estimated
 * elsewhere. 0 or CZ_ENOMEM. */
int mst_limit_measure(const mst_tp *tp, const mst_limiter *l, double g, cz_audio *a,
                      double ceiling_db, int use_ebur128, mst_measure *out);

#endif
