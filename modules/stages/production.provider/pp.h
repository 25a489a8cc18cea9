/*
 * production.provider - module-internal: the resampler (resample.c).
 */
#ifndef PP_H
#define PP_H

#include <stdint.h>

/* Resample interleaved float audio from in_rate to out_rate with a
 * Kaiser-windowed sinc (16 zero crossings a side, beta 8.6: about -85 dB
 * stop band; pass band flat to 0.95 of the lower Nyquist). Returns a new
 * malloc'ed buffer of *out_frames frames, or NULL when out of memory. */
float *pp_resample(const float *in, uint64_t frames, uint32_t channels, uint32_t in_rate,
                   uint32_t out_rate, uint64_t *out_frames);

#endif
