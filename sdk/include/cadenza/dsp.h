/*
 * cadenza/dsp.h - swappable signal-processing blocks.
 *
 * A dsp module (kind CZ_KIND_DSP) processes a buffer in place. Stages use
 * one by name, never by header: a mixer's `eq: dsp.eq_fft` option names the
 * module, and cz_dsp_open() loads it through the registry with its own
 * validated options. So an EQ written as biquads and one written with FFTs
 * are swapped in YAML, and a third party can ship a better one.
 *
 * Lifecycle: open (init with options) -> process (any number of blocks, in
 * order; the block keeps its state between calls) -> close. One instance
 * serves one signal: open one per stem.
 */
#ifndef CADENZA_DSP_H
#define CADENZA_DSP_H

#include <stdint.h>
#include <jansson.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CZ_DSP_VTABLE_VERSION 1u

typedef struct cz_dsp_vtable {
    uint32_t size;
    uint32_t version; /* CZ_DSP_VTABLE_VERSION */
    /* Process frames of interleaved audio in place. Called from one thread
     * per instance; rate and channels do not change between calls. */
    int (*process)(void *instance, float *samples, uint64_t frames,
                   uint32_t channels, uint32_t rate, cz_error *err);
} cz_dsp_vtable;

typedef struct cz_env cz_env; /* the host environment given to init */
typedef struct cz_dsp cz_dsp; /* an open dsp instance */

/* Open the dsp module `name` with options (a JSON object validated against
 * its schema; NULL for defaults). Errors name the module and the option. */
int cz_dsp_open(cz_env *env, const char *name, const json_t *options,
                cz_dsp **out, cz_error *err);
int cz_dsp_process(cz_dsp *dsp, float *samples, uint64_t frames,
                   uint32_t channels, uint32_t rate, cz_error *err);
void cz_dsp_close(cz_dsp *dsp);

#ifdef __cplusplus
}
#endif
#endif
