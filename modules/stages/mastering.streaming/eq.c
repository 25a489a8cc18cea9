/*
 * eq.c - biquad design and filtering (mastering EQ and K-weighting).
 *
 * Designs are the bilinear transform of the analogue prototypes, with the
 * frequency pre-warped (tan) so corners land where asked at any rate.
 *
 * Filtering runs in double precision (a 25 Hz high-pass at 48 kHz has its
 * poles within 0.4 % of the unit circle) in direct form I, whose only
 * loop-carried dependency is the last "- a1 * y[n-1]" (one multiply and
 * one subtract per sample and stage), so cascaded stages overlap in the
 * CPU instead of queueing behind each other as they do in transposed
 * form. The stereo path keeps both channels in one two-lane vector.
 *
 * A filter keeps its state between calls, so the stage can run it a chunk
 * at a time and do everything else to that chunk while it is in cache.
 */
#include <math.h>
#include <string.h>

#include "mst.h"

typedef double v2d __attribute__((vector_size(16)));

static void bq_norm(mst_biquad *q, double b0, double b1, double b2, double a0,
                    double a1, double a2)
{
    q->b0 = b0 / a0;
    q->b1 = b1 / a0;
    q->b2 = b2 / a0;
    q->a1 = a1 / a0;
    q->a2 = a2 / a0;
}

void mst_bq_highpass(mst_biquad *q, double rate, double f0, double Q)
{
    double K = tan(M_PI * f0 / rate);
    double K2 = K * K;
    bq_norm(q, 1.0, -2.0, 1.0, 1.0 + K / Q + K2, 2.0 * (K2 - 1.0),
            1.0 - K / Q + K2);
}

void mst_bq_lowpass(mst_biquad *q, double rate, double f0, double Q)
{
    double K = tan(M_PI * f0 / rate);
    double K2 = K * K, a0 = 1.0 + K / Q + K2;
    bq_norm(q, K2, 2.0 * K2, K2, a0, 2.0 * (K2 - 1.0), 1.0 - K / Q + K2);
}

void mst_bq_shelf(mst_biquad *q, double rate, double f0, double gain_db,
                  double S, int high)
{
    double A = pow(10.0, gain_db / 40.0);
    double w = 2.0 * M_PI * f0 / rate;
    double cw = cos(w), sw = sin(w);
    double alpha = sw / 2.0 * sqrt((A + 1.0 / A) * (1.0 / S - 1.0) + 2.0);
    double ra = 2.0 * sqrt(A) * alpha;
    if (high)
        bq_norm(q, A * ((A + 1) + (A - 1) * cw + ra),
                -2 * A * ((A - 1) + (A + 1) * cw),
                A * ((A + 1) + (A - 1) * cw - ra), (A + 1) - (A - 1) * cw + ra,
                2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - ra);
    else
        bq_norm(q, A * ((A + 1) - (A - 1) * cw + ra),
                2 * A * ((A - 1) - (A + 1) * cw),
                A * ((A + 1) - (A - 1) * cw - ra), (A + 1) + (A - 1) * cw + ra,
                -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - ra);
}

void mst_bq_kweight(mst_biquad q[2], double rate)
{
    /* Stage 1: the head's acoustic effect, a ~+4 dB high shelf. */
    const double f0 = 1681.974450955533, G = 3.999843853973347,
                 Q = 0.7071752369554196;
    double K = tan(M_PI * f0 / rate), K2 = K * K;
    double Vh = pow(10.0, G / 20.0);
    double Vb = pow(Vh, 0.4996667741545416);
    double a0 = 1.0 + K / Q + K2;
    bq_norm(&q[0], Vh + Vb * K / Q + K2, 2.0 * (K2 - Vh), Vh - Vb * K / Q + K2,
            a0, 2.0 * (K2 - 1.0), 1.0 - K / Q + K2);
    /* Stage 2: the revised low-frequency B curve, a ~38 Hz high-pass. */
    mst_bq_highpass(&q[1], rate, 38.13547087602444, 0.5003270373238773);
}

double mst_chan_weight(uint32_t c, uint32_t ch)
{
    if (ch < 5)
        return 1.0;
    if (c == 3)
        return 0.0; /* LFE in L R C LFE Ls Rs order */
    return c >= 4 ? 1.41 : 1.0;
}

static inline double flush(double z)
{
    return fabs(z) < 1e-30 ? 0.0 : z;
}

void mst_filt_init(mst_filt *f, const mst_biquad *q, int n)
{
    memset(f, 0, sizeof *f);
    f->n = n < MST_FILT_MAX ? n : MST_FILT_MAX;
    for (int s = 0; s < f->n; s++)
        f->q[s] = q[s];
}

/* ---- stereo: both channels in one two-lane vector ----------------------
 * One stage's coefficients and state live in a local struct, so that once
 * inlined the compiler keeps them in registers (arrays indexed in a loop
 * would live in memory and put a store/load in the recurrence). */

typedef struct bqv {
    v2d b0, b1, b2, a1, a2, x1, x2, y1, y2;
} bqv;

static inline v2d bqv_step(bqv *s, v2d v)
{
    v2d y = (s->b0 * v + s->b1 * s->x1 + s->b2 * s->x2 - s->a2 * s->y2) - s->a1 * s->y1;
    s->x2 = s->x1;
    s->x1 = v;
    s->y2 = s->y1;
    s->y1 = y;
    return y;
}

static inline void bqv_load(bqv *s, const mst_filt *f, int i)
{
    const mst_biquad *q = &f->q[i];
    const double *z0 = f->z[i][0], *z1 = f->z[i][1];
    *s = (bqv){.b0 = {q->b0, q->b0}, .b1 = {q->b1, q->b1}, .b2 = {q->b2, q->b2},
               .a1 = {q->a1, q->a1}, .a2 = {q->a2, q->a2},
               .x1 = {z0[0], z1[0]}, .x2 = {z0[1], z1[1]},
               .y1 = {z0[2], z1[2]}, .y2 = {z0[3], z1[3]}};
}

static inline void bqv_store(const bqv *s, mst_filt *f, int i)
{
    double *z0 = f->z[i][0], *z1 = f->z[i][1];
    z0[0] = flush(s->x1[0]);
    z1[0] = flush(s->x1[1]);
    z0[1] = flush(s->x2[0]);
    z1[1] = flush(s->x2[1]);
    z0[2] = flush(s->y1[0]);
    z1[2] = flush(s->y1[1]);
    z0[3] = flush(s->y2[0]);
    z1[3] = flush(s->y2[1]);
}

static inline __attribute__((always_inline)) void
run_stereo_n(mst_filt *f, const float *in, float *out, uint64_t frames, const int n)
{
    bqv s[MST_FILT_MAX];
    for (int k = 0; k < MST_FILT_MAX; k++)
        bqv_load(&s[k], f, k); /* unused stages are zeros (mst_filt_init) */
    for (uint64_t i = 0; i < frames; i++) {
        v2d v = {in[2 * i], in[2 * i + 1]};
        for (int k = 0; k < n; k++) /* n is a constant: unrolled */
            v = bqv_step(&s[k], v);
        out[2 * i] = (float)v[0];
        out[2 * i + 1] = (float)v[1];
    }
    for (int k = 0; k < n; k++)
        bqv_store(&s[k], f, k);
}

/* One copy per stage count, so each loop is straight-line code. */
static void run_stereo(mst_filt *f, const float *in, float *out, uint64_t frames)
{
    switch (f->n) {
    case 1: run_stereo_n(f, in, out, frames, 1); break;
    case 2: run_stereo_n(f, in, out, frames, 2); break;
    case 3: run_stereo_n(f, in, out, frames, 3); break;
    case 4: run_stereo_n(f, in, out, frames, 4); break;
    default: run_stereo_n(f, in, out, frames, 5); break;
    }
}

static void energy_stereo(mst_filt *f, const float *in, uint64_t frames,
                          uint32_t blk, double *energy)
{
    bqv s0, s1;
    bqv_load(&s0, f, 0);
    bqv_load(&s1, f, 1);
    for (uint64_t start = 0, b = 0; start < frames; start += blk, b++) {
        uint64_t end = start + blk < frames ? start + blk : frames;
        v2d acc = {0, 0};
        for (uint64_t i = start; i < end; i++) {
            v2d v = {in[2 * i], in[2 * i + 1]};
            v = bqv_step(&s1, bqv_step(&s0, v));
            acc += v * v;
        }
        energy[b] = acc[0] + acc[1];
    }
    bqv_store(&s0, f, 0);
    bqv_store(&s1, f, 1);
}

/* The EQ over one stretch and the K-weighting over another, in one loop:
 * the two chains of recurrences are independent, so the CPU overlaps them
 * and the pair costs little more than the slower one alone. */
static inline __attribute__((always_inline)) void
both_stereo_n(mst_filt *ef, const float *ein, float *eout, mst_filt *kf,
              const float *kin, uint64_t frames, uint32_t blk, double *energy,
              const int n)
{
    bqv e[MST_FILT_MAX], k0, k1;
    for (int k = 0; k < MST_FILT_MAX; k++)
        bqv_load(&e[k], ef, k);
    bqv_load(&k0, kf, 0);
    bqv_load(&k1, kf, 1);
    for (uint64_t start = 0, b = 0; start < frames; start += blk, b++) {
        uint64_t end = start + blk < frames ? start + blk : frames;
        v2d acc = {0, 0};
        for (uint64_t i = start; i < end; i++) {
            v2d v = {ein[2 * i], ein[2 * i + 1]};
            for (int k = 0; k < n; k++)
                v = bqv_step(&e[k], v);
            eout[2 * i] = (float)v[0];
            eout[2 * i + 1] = (float)v[1];
            v2d u = {kin[2 * i], kin[2 * i + 1]};
            u = bqv_step(&k1, bqv_step(&k0, u));
            acc += u * u;
        }
        energy[b] = acc[0] + acc[1];
    }
    for (int k = 0; k < n; k++)
        bqv_store(&e[k], ef, k);
    bqv_store(&k0, kf, 0);
    bqv_store(&k1, kf, 1);
}

void mst_filt_run_energy(mst_filt *ef, const float *ein, float *eout, mst_filt *kf,
                         const float *kin, uint64_t frames, uint32_t ch, uint32_t blk,
                         double *energy)
{
    if (ch != 2 || ef->n > 5 || kf->n != 2) {
        mst_filt_run(ef, ein, eout, frames, ch);
        mst_filt_energy(kf, kin, frames, ch, blk, energy);
        return;
    }
    switch (ef->n) {
    case 0: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 0); break;
    case 1: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 1); break;
    case 2: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 2); break;
    case 3: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 3); break;
    case 4: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 4); break;
    default: both_stereo_n(ef, ein, eout, kf, kin, frames, blk, energy, 5); break;
    }
}

/* ---- any channel count: one channel at a time ------------------------- */

static inline double bq_step(const mst_biquad *q, double *z, double v)
{
    double y = (q->b0 * v + q->b1 * z[0] + q->b2 * z[1] - q->a2 * z[3]) - q->a1 * z[2];
    z[1] = z[0];
    z[0] = v;
    z[3] = z[2];
    z[2] = y;
    return y;
}

static void flush_all(mst_filt *f, uint32_t ch)
{
    for (int s = 0; s < f->n; s++)
        for (uint32_t c = 0; c < ch; c++)
            for (int k = 0; k < 4; k++)
                f->z[s][c][k] = flush(f->z[s][c][k]);
}

void mst_filt_run(mst_filt *f, const float *in, float *out, uint64_t frames,
                  uint32_t ch)
{
    if (f->n == 0) {
        if (out != in)
            memmove(out, in, (size_t)frames * ch * sizeof *out);
        return;
    }
    if (ch == 2 && f->n <= 5) {
        run_stereo(f, in, out, frames);
        return;
    }
    for (uint64_t i = 0; i < frames; i++)
        for (uint32_t c = 0; c < ch; c++) {
            double v = in[i * ch + c];
            for (int s = 0; s < f->n; s++)
                v = bq_step(&f->q[s], f->z[s][c], v);
            out[i * ch + c] = (float)v;
        }
    flush_all(f, ch);
}

void mst_filt_energy(mst_filt *f, const float *in, uint64_t frames,
                     uint32_t ch, uint32_t blk, double *energy)
{
    if (ch == 2 && f->n == 2) {
        energy_stereo(f, in, frames, blk, energy);
        return;
    }
    double w[MST_MAXCH];
    for (uint32_t c = 0; c < ch; c++)
        w[c] = mst_chan_weight(c, ch);
    for (uint64_t start = 0, b = 0; start < frames; start += blk, b++) {
        uint64_t end = start + blk < frames ? start + blk : frames;
        double acc = 0;
        for (uint64_t i = start; i < end; i++)
            for (uint32_t c = 0; c < ch; c++) {
                double v = in[i * ch + c];
                for (int s = 0; s < f->n; s++)
                    v = bq_step(&f->q[s], f->z[s][c], v);
                acc += w[c] * v * v;
            }
        energy[b] = acc;
    }
    flush_all(f, ch);
}
