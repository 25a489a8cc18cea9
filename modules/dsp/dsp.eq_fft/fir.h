/*
 * fir.h - minimum-phase FIR design from the bands' magnitude response.
 */
#ifndef EQ_FFT_FIR_H
#define EQ_FFT_FIR_H

#include "bands.h"

/* FIR length (a power of two, 256..32768) long enough for the slowest band
 * to ring down by 100 dB: the longest biquad impulse response decides. */
int fir_length(const eq_coef *coef, int n);

/* Design L taps into h: the minimum-phase filter whose magnitude is the
 * product of the bands' magnitudes. 0, or -1 when out of memory. */
int fir_design_minphase(const eq_coef *coef, int n, int L, float *h);

#endif
