/*
 * dsp.eq_biquad - parametric EQ as a cascade of RBJ cookbook biquads.
 *
 * Each band is one biquad in transposed direct form II (two state words per
 * band and channel), computed in double precision: TDF2 keeps its state
 * small and double keeps low, high-Q bands (20 Hz at 96 kHz) accurate and
 * stable. Stereo, what the console feeds, runs in stereo.c: the same
 * filters four frames at a time in state-space form, so the recurrences'
 * latency is paid once per block instead of once per sample. Other channel
 * counts run one channel and band at a time here.
 *
 * Coefficients depend on the sample rate, which the dsp API gives with the
 * first block; they are computed then (and again if it ever changes, which
 * also resets the state). State carries over between process() calls, so
 * any split of a signal into blocks gives the same output.
 *
 * Denormals: every 4096 frames a state word below 1e-30 is set to zero, so
 * a long silence never leaves the filters computing on subnormal numbers
 * (which are ~100x slower on x86).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#include "bands.h"
#include "stereo.h"

#define CHUNK 4096 /* frames between denormal flushes */

typedef struct eqb {
    eq_band bands[EQ_MAX_BANDS];
    int n_bands;       /* after dropping identity bands */
    uint32_t rate, channels;
    eq_coef coef[EQ_MAX_BANDS];
    double *z;         /* [band][channel][2] state, other than stereo */
    eqs *st;           /* stereo */
    int isa;           /* stereo kernel build (EQS_ISA_*) */
} eqb;

static const cz_option options[] = {
    CZ_OPTION_JSON("bands", "[]",
                   "list of {type: peak|lowshelf|highshelf|lowpass|highpass, "
                   "freq: Hz, gain_db: dB (default 0), q (default 0.7071)}; "
                   "empty = flat"),
    CZ_OPTIONS_END};

static int eqb_init(const cz_init *args, void **instance, cz_error *err)
{
    eqb *e = calloc(1, sizeof *e);
    if (!e)
        return cz_err(err, CZ_ENOMEM, "dsp.eq_biquad: out of memory");
    int rc = eq_bands_effective(cz_opt_json(args->options, "bands"), e->bands, &e->n_bands, err);
    if (rc) {
        free(e);
        return rc;
    }
    e->isa = eqs_isa_detect();
    *instance = e;
    return 0;
}

static void eqb_fini(void *instance)
{
    eqb *e = instance;
    if (!e)
        return;
    free(e->z);
    free(e->st);
    free(e);
}

static int eqb_setup(eqb *e, uint32_t channels, uint32_t rate, cz_error *err)
{
    free(e->z);
    free(e->st);
    e->z = NULL;
    e->st = NULL;
    if (channels == 2)
        e->st = malloc(sizeof *e->st);
    else
        e->z = calloc((size_t)e->n_bands * channels * 2, sizeof(double));
    if (!e->z && !e->st)
        return cz_err(err, CZ_ENOMEM, "dsp.eq_biquad: out of memory");
    for (int b = 0; b < e->n_bands; b++)
        eq_band_coef(&e->bands[b], rate, &e->coef[b]);
    if (e->st)
        eqs_design(e->st, e->coef, e->n_bands, e->isa);
    e->rate = rate;
    e->channels = channels;
    return 0;
}

/* Any channel count: one channel and one band at a time. */
static void run_generic(eqb *e, float *s, uint64_t frames, uint32_t ch)
{
    for (int b = 0; b < e->n_bands; b++) {
        const eq_coef *c = &e->coef[b];
        for (uint32_t j = 0; j < ch; j++) {
            double *z = e->z + ((size_t)b * ch + j) * 2;
            double z1 = z[0], z2 = z[1];
            for (uint64_t i = 0; i < frames; i++) {
                double x = s[i * ch + j];
                double y = c->b0 * x + z1;
                z1 = c->b1 * x - c->a1 * y + z2;
                z2 = c->b2 * x - c->a2 * y;
                s[i * ch + j] = (float)y;
            }
            z[0] = z1, z[1] = z2;
        }
    }
}

static void flush_denormals(eqb *e)
{
    size_t n = (size_t)e->n_bands * e->channels * 2;
    for (size_t i = 0; i < n; i++)
        if (fabs(e->z[i]) < 1e-30)
            e->z[i] = 0;
}

static int eqb_process(void *instance, float *samples, uint64_t frames,
                       uint32_t channels, uint32_t rate, cz_error *err)
{
    eqb *e = instance;
    if (!channels || !rate)
        return cz_err(err, CZ_EINVAL,
                      "dsp.eq_biquad: invalid block (%u channels at %u Hz)",
                      channels, rate);
    if (!e->n_bands || !frames)
        return 0;
    if ((!e->z && !e->st) || rate != e->rate || channels != e->channels) {
        int rc = eqb_setup(e, channels, rate, err);
        if (rc)
            return rc;
    }
    if (e->st) {
        eqs_process(e->st, samples, frames);
        return 0;
    }
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = frames - done < CHUNK ? frames - done : CHUNK;
        run_generic(e, samples + done * channels, n, channels);
        flush_denormals(e);
        done += n;
    }
    return 0;
}

static const cz_dsp_vtable vtable = {
    .size = sizeof(cz_dsp_vtable),
    .version = CZ_DSP_VTABLE_VERSION,
    .process = eqb_process,
};

CZ_MODULE(.name = "dsp.eq_biquad", .version = "1.0.0", .kind = CZ_KIND_DSP,
          .summary = "Parametric EQ: RBJ cookbook biquads, transposed direct form II",
          .options = options, .init = eqb_init, .fini = eqb_fini,
          .vtable = &vtable);
