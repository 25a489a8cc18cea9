/*
 * wavetable.c - mip-mapped, band-limited single-cycle tables.
 *
 * Every periodic waveform but the sine is read from a table that holds
 * only harmonics below Nyquist for the pitch being played, so the
 * oscillators do not alias (rather than correcting a naive waveform, as
 * PolyBLEP does, which still leaves aliases of -30 dB near Nyquist for high
 * notes). A wave has SY_TABLEVELS levels, half an octave apart: level j
 * holds harmonics 1 .. floor(2^(j/2)) (at most 511) and serves phase
 * increments up to 0.5 * 2^(-j/2), so its top harmonic is at or below
 * Nyquist. Levels are built by additive synthesis in double precision,
 * incrementally (level j = level j-1 plus the harmonics it adds), each
 * sample stored with the difference to the next one so that a linear
 * interpolation is one 8-byte load.
 *
 * The tables depend only on the phase increment, not on the sample rate,
 * so one set built at init serves every rate and every run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

static int level_harmonics(int j)
{
    int h = (int)floor(pow(2.0, j / 2.0) + 1e-9);
    return h > SY_TABN / 2 - 1 ? SY_TABN / 2 - 1 : h;
}

/* amp[h] for h = 1 .. SY_TABN/2 - 1; scale multiplies every sample. */
static int build(sy_wavetable *w, const double *amp, double scale)
{
    size_t stride = (size_t)(SY_TABN + 1) * 2;
    w->data = malloc(stride * SY_TABLEVELS * sizeof(float));
    double *acc = calloc(SY_TABN, sizeof *acc);
    double *sn = malloc(SY_TABN * sizeof *sn);
    if (!w->data || !acc || !sn) {
        free(w->data);
        w->data = NULL;
        free(acc);
        free(sn);
        return CZ_ENOMEM;
    }
    for (int k = 0; k < SY_TABN; k++)
        sn[k] = sin(2.0 * M_PI * k / SY_TABN);
    int have = 0;
    for (int j = 0; j < SY_TABLEVELS; j++) {
        int want = level_harmonics(j);
        for (int h = have + 1; h <= want; h++) {
            if (amp[h] == 0.0)
                continue;
            for (int i = 0; i < SY_TABN; i++)
                acc[i] += amp[h] * sn[((size_t)h * i) & (SY_TABN - 1)];
        }
        have = want;
        float *d = w->data + (size_t)j * stride;
        for (int i = 0; i < SY_TABN; i++) {
            double a = acc[i] * scale, b = acc[(i + 1) & (SY_TABN - 1)] * scale;
            d[2 * i] = (float)a;
            d[2 * i + 1] = (float)(b - a);
        }
        d[2 * SY_TABN] = d[0]; /* guard: phase * N may round up to N */
        d[2 * SY_TABN + 1] = d[1];
    }
    free(acc);
    free(sn);
    return 0;
}

/* Peak of the full-band waveform, to normalise custom spectra. */
static double spectrum_peak(const double *amp)
{
    double pk = 0;
    for (int i = 0; i < 4096; i++) {
        double x = 0, t = (double)i / 4096;
        for (int h = 1; h <= SY_NSPEC; h++)
            if (amp[h] != 0.0)
                x += amp[h] * sin(2.0 * M_PI * h * t);
        if (fabs(x) > pk)
            pk = fabs(x);
    }
    return pk > 0 ? pk : 1;
}

int sy_shared_init(sy_shared *sh)
{
    memset(sh, 0, sizeof *sh);
    double amp[SY_TABN / 2];
    int rc;
    sy_upsampler_init(sh);

    /* rising saw, -1 .. 1: 2x - 1 = -(2/pi) sum sin(2 pi h x) / h */
    for (int h = 0; h < SY_TABN / 2; h++)
        amp[h] = h ? -2.0 / (M_PI * h) : 0.0;
    if ((rc = build(&sh->saw, amp, 1.0)))
        goto fail;
    /* square, +1 on the first half: (4/pi) sum over odd h of sin / h */
    for (int h = 0; h < SY_TABN / 2; h++)
        amp[h] = (h & 1) ? 4.0 / (M_PI * h) : 0.0;
    if ((rc = build(&sh->square, amp, 1.0)))
        goto fail;
    /* triangle, peak +1 at a quarter cycle */
    for (int h = 0; h < SY_TABN / 2; h++)
        amp[h] = (h & 1) ? 8.0 / (M_PI * M_PI * h * h) * ((h / 2) % 2 ? -1.0 : 1.0) : 0.0;
    if ((rc = build(&sh->tri, amp, 1.0)))
        goto fail;

    sh->n_spec = sy_preset_count();
    sh->spec = calloc((size_t)sh->n_spec, sizeof *sh->spec);
    if (!sh->spec) {
        rc = CZ_ENOMEM;
        goto fail;
    }
    for (int i = 0; i < sh->n_spec; i++) {
        const sy_preset *p = sy_preset_at(i);
        if (p->osc[0].wave != SY_W_SPEC && p->osc[1].wave != SY_W_SPEC)
            continue;
        memset(amp, 0, sizeof amp);
        for (int h = 1; h <= SY_NSPEC; h++)
            amp[h] = p->spec[h - 1];
        if ((rc = build(&sh->spec[i], amp, 1.0 / spectrum_peak(amp))))
            goto fail;
    }
    return 0;
fail:
    sy_shared_free(sh);
    return rc;
}

void sy_shared_free(sy_shared *sh)
{
    free(sh->saw.data);
    free(sh->square.data);
    free(sh->tri.data);
    for (int i = 0; sh->spec && i < sh->n_spec; i++)
        free(sh->spec[i].data);
    free(sh->spec);
    memset(sh, 0, sizeof *sh);
}
