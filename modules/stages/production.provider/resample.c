/*
 * production.provider - band-limited resampling with a windowed sinc.
 *
 * Output frame n sits at input position t = n * in_rate / out_rate, kept
 * exact as a fraction of integers (no drift over a long song). It is the
 * sum of input frames k weighted by h(t - k), where
 *
 *     h(x) = fc * sinc(fc * x) * kaiser((fc * x) / ZC),   |fc * x| < ZC
 *
 * fc = 0.95 * min(1, out_rate / in_rate) puts the cut-off just below the
 * lower of the two Nyquist frequencies, so downsampling does not alias and
 * upsampling does not image. The kernel is tabulated once per call at 512
 * points per zero crossing and read with linear interpolation, and each
 * tap's weight is shared by every channel.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"

#define ZC 16
#define PHASES 512
#define BETA 8.6

static double bessel_i0(double x)
{
    double sum = 1, term = 1;
    for (int k = 1; k < 50; k++) {
        term *= (x / (2 * k)) * (x / (2 * k));
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}

float *pp_resample(const float *in, uint64_t frames, uint32_t ch, uint32_t in_rate, uint32_t out_rate,
                   uint64_t *out_frames)
{
    uint64_t nout = (uint64_t)((frames * (unsigned __int128)out_rate + in_rate / 2) / in_rate);
    float *out = calloc(nout ? nout * ch : 1, sizeof *out);
    float *table = malloc((ZC * PHASES + 2) * sizeof *table);
    double *acc = malloc(ch * sizeof *acc);
    if (!out || !table || !acc) {
        free(out);
        free(table);
        free(acc);
        return NULL;
    }
    const double i0b = bessel_i0(BETA);
    for (int i = 0; i <= ZC * PHASES + 1; i++) {
        double x = (double)i / PHASES;
        double s = x == 0 ? 1 : sin(M_PI * x) / (M_PI * x);
        double r = x / ZC;
        table[i] = r >= 1 ? 0 : (float)(s * bessel_i0(BETA * sqrt(1 - r * r)) / i0b);
    }
    const double fc = 0.95 * (out_rate < in_rate ? (double)out_rate / in_rate : 1.0);
    const int64_t half = (int64_t)ceil(ZC / fc);
    for (uint64_t n = 0; n < nout; n++) {
        unsigned __int128 num = (unsigned __int128)n * in_rate;
        int64_t i0 = (int64_t)(num / out_rate);
        double frac = (double)(uint64_t)(num % out_rate) / out_rate;
        memset(acc, 0, ch * sizeof *acc);
        int64_t lo = i0 - half + 1, hi = i0 + half;
        if (lo < 0)
            lo = 0;
        if (hi > (int64_t)frames - 1)
            hi = (int64_t)frames - 1;
        for (int64_t k = lo; k <= hi; k++) {
            double x = fabs(((double)(i0 - k) + frac) * fc) * PHASES;
            if (x >= ZC * PHASES)
                continue;
            int ix = (int)x;
            double f = x - ix;
            double w = fc * (table[ix] + f * (table[ix + 1] - table[ix]));
            const float *src = in + (uint64_t)k * ch;
            for (uint32_t c = 0; c < ch; c++)
                acc[c] += w * src[c];
        }
        for (uint32_t c = 0; c < ch; c++)
            out[n * ch + c] = (float)acc[c];
    }
    free(table);
    free(acc);
    *out_frames = nout;
    return out;
}
