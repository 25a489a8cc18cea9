/*
 * halfrate.c - dark tracks run their voices at half the output rate.
 *
 * A pad, a low string or a bass played through a low-pass filter has
 * almost nothing in the top octave of the spectrum, yet a full-rate voice
 * pays for every sample of it. Such a track renders its voices at rate / 2
 * (their wavetables, filters and envelopes computed for that rate) and a
 * 2x half-band FIR brings the summed track back to the output rate.
 *
 * The criterion (sy_halfrate_ok): a track runs at half rate only when, for
 * every note it plays (its pitch, the loudest velocity of the track, the
 * filter envelope fully open, pitch envelope and vibrato at their highest,
 * the sharpest unison copy), the half-rate voice's spectrum differs from
 * the full-rate one by at most -60 dB of the voice's energy. The
 * difference is computed harmonic by harmonic from the oscillators' known
 * spectra, the wavetable level each rate reads and the filter's digital
 * response at both rates: what lies above the upsampler's passband edge
 * (or above the half-rate wavetable's top harmonic) is lost, what lies
 * below is filtered a little differently by the two filters. Only subtractive presets with a
 * low-pass filter and no noise qualify (noise has no harmonic spectrum to
 * account for). At 48 kHz that is fretless bass, voice oohs and flutes up
 * to about middle C and a few dark presets in the bass register; at
 * 96 kHz also the warm pad and low strings, brass and reeds. Content
 * above 20 kHz does not count.
 *
 * The upsampler: a linear-phase half-band FIR (Kaiser window, beta 9,
 * 4 * SY_UPK - 1 taps at the output rate). Even output samples are the
 * input samples; odd ones a symmetric sum of 2 * SY_UPK inputs. Passband
 * flat to 0.0003 dB up to 0.2177 of the output rate (10.45 kHz at 48 kHz);
 * images above 0.2823 of it (13.55 kHz) are attenuated by 90 dB or more.
 * The voices run SY_UPK samples ahead of the output to feed it.
 */
#include <math.h>

#include "synth.h"

#define SY_UP_BETA 9.0
#define SY_UP_EDGE 0.2177 /* passband edge, fraction of the output rate */
#define SY_HALF_DB (-60.0)

/* Modified Bessel function of the first kind, order 0 (series). */
static double bessel_i0(double x)
{
    double s = 1.0, t = 1.0;
    for (int k = 1; k < 64; k++) {
        t *= (x / 2) / k;
        s += t * t;
    }
    return s;
}

void sy_upsampler_init(sy_shared *sh)
{
    double c[SY_UPK], sum = 0;
    for (int k = 0; k < SY_UPK; k++) {
        double n = 2 * k + 1, x = n / (2.0 * SY_UPK);
        double w = bessel_i0(SY_UP_BETA * sqrt(1 - x * x)) / bessel_i0(SY_UP_BETA);
        c[k] = (k % 2 ? -1 : 1) * 2 / (M_PI * n) * w;
        sum += c[k];
    }
    /* unity gain at DC: the odd phase sums to one */
    for (int k = 0; k < SY_UPK; k++)
        sh->up_c[k] = (float)(c[k] * 0.5 / sum);
}

double sy_halfrate_edge(uint32_t rate)
{
    return SY_UP_EDGE * rate;
}

/* |H(f)|^2 of the TPT state-variable low pass (a bilinear transform of
 * 1 / (s^2 + k s + 1) prewarped at fc) at `rate`. */
static double lp_gain2(double f, double fc, double k, double rate)
{
    double w = tan(M_PI * f / rate) / tan(M_PI * fc / rate);
    double a = 1 - w * w;
    return 1 / (a * a + k * k * w * w);
}

/* Squared amplitude of harmonic h of an oscillator's wave. */
static double harm2(const sy_preset *p, const sy_oscp *op, int h)
{
    switch (op->wave) {
    case SY_W_SINE: return h == 1 ? 1.0 : 0.0;
    case SY_W_SAW: return 1.0 / ((double)h * h);
    case SY_W_SQUARE: return h % 2 ? 1.0 / ((double)h * h) : 0.0;
    case SY_W_TRI: return h % 2 ? 1.0 / ((double)h * h * h * h) : 0.0;
    case SY_W_PULSE: {
        double s = sin(M_PI * h * op->pw);
        return 4.0 * s * s / ((double)h * h);
    }
    case SY_W_SPEC: return h <= SY_NSPEC ? (double)p->spec[h - 1] * p->spec[h - 1] : 0.0;
    default: return 0.0;
    }
}

static double filter_cutoff(const sy_preset *p, int pitch, int vel, double rate)
{
    double oct = p->keytrack * (pitch - 60) / 12.0 + p->fvel_oct * (vel - 100) / 127.0 +
                 (p->fenv_oct > 0 ? p->fenv_oct : 0);
    double fc = (p->cutoff > 1 ? p->cutoff : 1) * pow(2.0, oct);
    double top = 0.42 * rate < 20000 ? 0.42 * rate : 20000;
    return fc < 16 ? 16 : fc > top ? top : fc;
}

/* How many harmonics the wavetable level chosen for phase increment `inc`
 * holds (wavetable.c: level j holds 1 .. floor(2^(j/2)), at most 511). */
static int kept_harmonics(const sy_oscp *op, double inc)
{
    if (op->wave == SY_W_SINE)
        return 1;
    int j = sy_table_offset((float)inc) / ((SY_TABN + 1) * 2);
    int h = (int)floor(pow(2.0, j / 2.0) + 1e-9);
    return h > SY_TABN / 2 - 1 ? SY_TABN / 2 - 1 : h;
}

/* The voice's energy, and the energy of the difference between its
 * full-rate render and its half-rate render (lost above `edge_hz`, the
 * other filter below), at output rate `rate`. */
static void voice_energy(const sy_preset *p, int pitch, int vel, double edge_hz, double rate,
                         double *total, double *diff)
{
    double k = 2.0 - 2.0 * (p->res > 0.97f ? 0.97 : p->res < 0 ? 0 : p->res);
    double fc = filter_cutoff(p, pitch, vel, rate);
    double fch = filter_cutoff(p, pitch, vel, rate / 2);
    /* nothing above 20 kHz is heard, whatever the rate */
    double band = rate / 2 < 20000 ? rate / 2 : 20000;
    *total = *diff = 0;
    for (int o = 0; o < 2; o++) {
        const sy_oscp *op = &p->osc[o];
        if (op->wave == SY_W_OFF)
            continue;
        double semi = pitch + op->semi + op->detune / 100.0 +
                      (p->penv_semi > 0 ? p->penv_semi : 0) + p->vib_cents / 100.0 +
                      op->spread / 200.0;
        double f0 = 440.0 * pow(2.0, (semi - 69.0) / 12.0);
        double lvl2 = (double)op->level * op->level;
        int hmax = kept_harmonics(op, f0 / rate), hmax_half = kept_harmonics(op, 2 * f0 / rate);
        for (int h = 1; h <= hmax && h * f0 < band; h++) {
            double a2 = harm2(p, op, h) * lvl2;
            if (a2 == 0.0)
                continue;
            double f = h * f0;
            double full = a2 * lp_gain2(f, fc, k, rate);
            double half = h <= hmax_half && f < edge_hz && f < rate / 4
                              ? a2 * lp_gain2(f, fch, k, rate / 2)
                              : 0.0;
            double d = sqrt(full) - sqrt(half);
            *total += full;
            *diff += d * d;
        }
    }
}

double sy_energy_above(const sy_preset *p, int pitch, int vel, double edge_hz, double rate)
{
    double total, diff;
    voice_energy(p, pitch, vel, edge_hz, rate, &total, &diff);
    return total > 0 ? diff / total : 0.0;
}

int sy_halfrate_ok(const sy_preset *p, const cz_track *src, uint32_t rate)
{
    if (p->engine != SY_E_SUB || p->fmode != SY_F_LP || p->noise > 0.0f || !src->n_notes)
        return 0;
    for (int o = 0; o < 2; o++)
        if (p->osc[o].wave == SY_W_NOISE)
            return 0;
    uint8_t vel = 1;
    unsigned char seen[128] = {0};
    for (uint32_t i = 0; i < src->n_notes; i++) {
        if (src->notes[i].velocity > vel)
            vel = src->notes[i].velocity;
        seen[src->notes[i].pitch & 127] = 1;
    }
    double edge = sy_halfrate_edge(rate), limit = pow(10.0, SY_HALF_DB / 10.0);
    for (int pitch = 0; pitch < 128; pitch++) {
        if (!seen[pitch])
            continue;
        double total, diff;
        voice_energy(p, pitch, vel, edge, rate, &total, &diff);
        if (total > 0 && diff > limit * total)
            return 0;
    }
    return 1;
}

/* ---- the upsampler ------------------------------------------------------ */

SY_INL int upsample_body(const float *c, const float *x, int n, float *y)
{
    const float *xc = x + SY_UPK; /* x[m] of the first output pair */
    for (int m = 0; m < n; m += SY_LANES) {
        vf even = *(const vfu *)(xc + m);
        vf odd = vs(0.0f);
        for (int k = 0; k < SY_UPK; k++)
            odd += vs(c[k]) * (*(const vfu *)(xc + m - k) + *(const vfu *)(xc + m + 1 + k));
        *(vfu *)(y + 2 * m) = __builtin_shufflevector(even, odd, 0, 8, 1, 9, 2, 10, 3, 11);
        *(vfu *)(y + 2 * m + 8) = __builtin_shufflevector(even, odd, 4, 12, 5, 13, 6, 14, 7, 15);
    }
    return 0;
}

SY_ISA_PAIR(int, upsample, (const float *c, const float *x, int n, float *y), (c, x, n, y))

void sy_upsample(int isa, const float *c, const float *x, int n, float *y)
{
    static int (*const fn[SY_NISA])(const float *, const float *, int, float *) =
        SY_ISA_FNS(upsample);
    fn[isa](c, x, n, y);
}
