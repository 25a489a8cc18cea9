/*
 * bands.h - the parametric EQ band model shared by dsp.eq_biquad and
 * dsp.eq_fft (dsp.eq_fft links the same bands.c through a symlink, so both
 * modules parse one schema and aim at one target response).
 *
 * A band is one RBJ "Audio EQ Cookbook" biquad: peak, lowshelf, highshelf,
 * lowpass or highpass at freq Hz with gain_db and q. The target magnitude of
 * an EQ is the product of its bands' biquad magnitudes, so eq_bands_mag() is
 * both the biquad EQ's exact response and the FFT EQ's design target.
 */
#ifndef EQ_BANDS_H
#define EQ_BANDS_H

#include <cadenza/cadenza.h>

#define EQ_MAX_BANDS 16

typedef enum eq_type {
    EQ_PEAK = 0,
    EQ_LOWSHELF,
    EQ_HIGHSHELF,
    EQ_LOWPASS,
    EQ_HIGHPASS
} eq_type;

typedef struct eq_band {
    eq_type type;
    double freq;    /* Hz, 10..40000; evaluated at most at 0.49 * rate */
    double gain_db; /* -48..48, ignored by lowpass/highpass */
    double q;       /* 0.05..50 (shelves: 0.05..10, the cookbook's Q form) */
} eq_band;

/* Normalised biquad: a0 == 1. */
typedef struct eq_coef {
    double b0, b1, b2, a1, a2;
} eq_coef;

/* Parse and validate the `bands` option (a JSON list, or null/absent for a
 * flat EQ) into out[EQ_MAX_BANDS]. On error fills err with a message that
 * names the band index and field ("bands[2].q: ...") and returns CZ_EINVAL. */
int eq_bands_parse(const json_t *bands, eq_band *out, int *n_out,
                   cz_error *err);

/* eq_bands_parse, keeping only the bands that change something: what
 * both EQ implementations hold after init. */
int eq_bands_effective(const json_t *bands, eq_band *out, int *n_out, cz_error *err);

/* Non-zero when a band changes nothing (a peak or shelf at 0 dB). */
int eq_band_is_identity(const eq_band *b);

/* RBJ cookbook coefficients of one band at `rate`. */
void eq_band_coef(const eq_band *b, double rate, eq_coef *c);

/* |H(e^{jw})| of one biquad at w radians per sample. */
double eq_coef_mag(const eq_coef *c, double w);

/* Largest pole radius of one biquad (0 for none): how slowly it rings. */
double eq_coef_pole_radius(const eq_coef *c);

#endif
