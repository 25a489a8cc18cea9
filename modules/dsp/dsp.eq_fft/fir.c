/*
 * fir.c - minimum-phase FIR from a magnitude response (real cepstrum).
 *
 * The homomorphic method: for a magnitude |H| sampled on N points,
 *   c = IFFT(ln |H|)                         real, even cepstrum
 *   c_min[0] = c[0], c_min[n] = 2 c[n] (0 < n < N/2), c_min[N/2] = c[N/2],
 *   c_min[n] = 0 above                       fold onto causal quefrencies
 *   H_min = exp(FFT(c_min))                  minimum-phase spectrum
 *   h = IFFT(H_min)                          its impulse response
 * The grid is 8x the FIR length so that cepstral aliasing stays far below
 * the tolerance, and |H| is floored at -120 dB so that the zeros of
 * high-pass and low-pass bands (at DC or Nyquist) have a finite logarithm.
 * The last eighth of the taps is faded with a half-Hann window; by
 * fir_length()'s choice the response there is already ~100 dB down.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "fir.h"

#define MIN_TAPS 256
#define MAX_TAPS 32768
#define GRID 8
#define FLOOR 1e-6 /* -120 dB */

int fir_length(const eq_coef *coef, int n)
{
    double longest = 0;
    for (int b = 0; b < n; b++) {
        double r = eq_coef_pole_radius(&coef[b]);
        if (r <= 0)
            continue;
        /* r^len = 1e-5: ring-down by 100 dB. */
        double len = r < 1 ? log(1e-5) / log(r) : MAX_TAPS;
        if (len > longest)
            longest = len;
    }
    int L = MIN_TAPS;
    while (L < MAX_TAPS && L < 1.25 * longest)
        L *= 2;
    return L;
}

int fir_design_minphase(const eq_coef *coef, int n, int L, float *h)
{
    int N = GRID * L, K = N / 2 + 1;
    double *t = fftw_malloc(sizeof(double) * (size_t)N);
    fftw_complex *S = fftw_malloc(sizeof(fftw_complex) * (size_t)K);
    fftw_plan fwd = NULL, inv = NULL;
    int rc = -1;
    if (!t || !S)
        goto out;
    fwd = fftw_plan_dft_r2c_1d(N, t, S, FFTW_ESTIMATE);
    inv = fftw_plan_dft_c2r_1d(N, S, t, FFTW_ESTIMATE);
    if (!fwd || !inv)
        goto out;

    /* ln |H| on the grid. */
    for (int k = 0; k < K; k++) {
        double w = 2.0 * M_PI * k / N, m = 1.0;
        for (int b = 0; b < n; b++)
            m *= eq_coef_mag(&coef[b], w);
        S[k][0] = log(m > FLOOR ? m : FLOOR);
        S[k][1] = 0;
    }
    fftw_execute(inv); /* t = N * cepstrum */

    /* Fold onto causal quefrencies (and divide by N). */
    t[0] /= N;
    for (int i = 1; i < N / 2; i++)
        t[i] *= 2.0 / N;
    t[N / 2] /= N;
    memset(t + N / 2 + 1, 0, sizeof(double) * (size_t)(N / 2 - 1));
    fftw_execute(fwd); /* S = ln H_min */

    for (int k = 0; k < K; k++) {
        double mag = exp(S[k][0]), ph = S[k][1];
        S[k][0] = mag * cos(ph);
        S[k][1] = mag * sin(ph);
    }
    fftw_execute(inv); /* t = N * h_min */

    int fade = L / 8;
    for (int i = 0; i < L; i++) {
        double v = t[i] / N;
        if (i >= L - fade)
            v *= 0.5 * (1.0 + cos(M_PI * (i - (L - fade) + 1) / (fade + 1)));
        h[i] = (float)v;
    }
    rc = 0;
out:
    if (fwd)
        fftw_destroy_plan(fwd);
    if (inv)
        fftw_destroy_plan(inv);
    fftw_free(t);
    fftw_free(S);
    return rc;
}
