/*
 * pcm.c - float to integer PCM with TPDF dither.
 *
 * Rounding a float master to 24 or 16 bits leaves an error correlated with
 * the music (harmonic distortion in quiet passages). Adding triangular
 * (TPDF) dither first, the sum of two independent uniform values of one
 * LSB each (so +-1 LSB peak), makes the error plain noise whose level does
 * not depend on the signal. The dither comes from cz_rng seeded by the job
 * seed and a stream name per file, so the same seed writes identical bytes.
 * One 64-bit draw gives both uniforms of a sample.
 */
#include <math.h>
#include <stdlib.h>

#include "files.h"

int fz_quantize(const cz_audio *a, int bits, int dither, uint64_t seed,
                const char *stream, fz_pcm *out)
{
    *out = (fz_pcm){.frames = a->frames, .channels = a->channels, .rate = a->rate, .bits = bits};
    size_t n = (size_t)a->frames * a->channels;
    out->data = malloc((n ? n : 1) * sizeof *out->data);
    if (!out->data)
        return CZ_ENOMEM;
    const double scale = (double)(1u << (bits - 1));
    const double hi = scale - 1.0, lo = -scale;
    const int shift = 32 - bits;
    const double unit = 1.0 / 4294967296.0; /* 2^-32 */
    cz_rng r;
    cz_rng_init(&r, seed, stream);
    uint64_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        double v = a->samples[i];
        if (!isfinite(v))
            v = 0.0;
        v *= scale;
        if (dither) {
            uint64_t u = cz_rng_next(&r);
            v += (double)(uint32_t)(u >> 32) * unit - (double)(uint32_t)u * unit;
        }
        v = nearbyint(v);
        if (v > hi) {
            v = hi;
            clipped++;
        } else if (v < lo) {
            v = lo;
            clipped++;
        }
        out->data[i] = (int32_t)((uint32_t)(int32_t)v << shift);
    }
    out->clipped = clipped;
    return 0;
}

void fz_pcm_free(fz_pcm *p)
{
    free(p->data);
    p->data = NULL;
}
