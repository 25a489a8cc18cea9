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
 * finer than the dither itself needs).
 */
#include <math.h>

#include "files.h"

void fz_quant_init(fz_quant *q, int bits, int dither, uint64_t seed, const char *stream)
{
    *q = (fz_quant){.bits = bits, .dither = dither};
    cz_rng_init(&q->rng, seed, stream);
}

/* Round to nearest, ties to even (the default rounding mode), without a
 * libm call: adding 1.5 * 2^52 leaves no fraction bits in a double. */
static inline double round_even(double v)
{
    const double magic = 6755399441055744.0;
    return (v + magic) - magic;
}

static inline int32_t quantise(fz_quant *q, double v, double d, double scale)
{
    const double hi = scale - 1.0, lo = -scale;
    if (!isfinite(v))
        v = 0.0;
    v = round_even(v * scale + d);
    if (v > hi) {
        v = hi;
        q->clipped++;
    } else if (v < lo) {
        v = lo;
        q->clipped++;
    }
    return (int32_t)((uint32_t)(int32_t)v << (32 - q->bits));
}

void fz_quant_run(fz_quant *q, const float *in, int32_t *out, size_t n)
{
    const double scale = (double)(1u << (q->bits - 1));
    const double unit = 1.0 / 65536.0;
    size_t i = 0;
    if (q->dither) {
        for (; i + 2 <= n; i += 2) {
            uint64_t u = cz_rng_next(&q->rng);
            double d0 = ((double)(u >> 48) - (double)((u >> 32) & 0xFFFF)) * unit;
            double d1 = ((double)((u >> 16) & 0xFFFF) - (double)(u & 0xFFFF)) * unit;
            out[i] = quantise(q, in[i], d0, scale);
            out[i + 1] = quantise(q, in[i + 1], d1, scale);
        }
        if (i < n) {
            uint64_t u = cz_rng_next(&q->rng);
            double d0 = ((double)(u >> 48) - (double)((u >> 32) & 0xFFFF)) * unit;
            out[i] = quantise(q, in[i], d0, scale);
        }
    } else {
        for (; i < n; i++)
            out[i] = quantise(q, in[i], 0.0, scale);
    }
}
