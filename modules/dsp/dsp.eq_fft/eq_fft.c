/*
 * dsp.eq_fft - the parametric EQ of dsp.eq_biquad, done as FFT filtering.
 *
 * Same `bands` option, same target: the product of the bands' RBJ biquad
 * magnitudes (bands.c, shared by symlink). From that magnitude, fir.c
 * designs a minimum-phase FIR by the real-cepstrum method, and this file
 * runs it by overlap-add with fftw3f.
 *
 * Why minimum phase and not linear phase: a stage calls an EQ in place and
 * the dsp API has no latency report, so a linear-phase FIR (delay = half its
 * length, ~40 ms) would shift the stem against the others in a mix. A
 * minimum-phase FIR has no bulk delay, and since shelving and peaking
 * biquads are themselves minimum phase it also follows the biquad EQ's
 * phase closely, so the two are near drop-in replacements.
 *
 * Streaming with no latency: every process() call is cut into chunks of at
 * most L frames (L = FIR length); each chunk is convolved whole (FFT size
 * M = 2L >= chunk + L - 1), its first frames are returned at once and its
 * last L - 1 frames are kept as the overlap tail for the next chunk or
 * call. So output does not depend on how a caller splits the signal
 * (within float rounding of the FFTs), and nothing is delayed.
 *
 * FFTW: plans are made with FFTW_ESTIMATE (deterministic, no timing runs)
 * on the first block, when the rate is known. FFTW's planner is not
 * thread-safe: two jobs opening FFT EQs on two threads at the same moment
 * must be serialised by the host (see README).
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>
#include <cadenza/cadenza.h>

#include "bands.h"
#include "fir.h"

typedef struct eqf {
    eq_band bands[EQ_MAX_BANDS];
    int n_bands;
    uint32_t rate, channels;
    int taps;            /* L */
    int nfft;            /* M = 2 L */
    fftwf_complex *H;    /* M/2 + 1 bins, scaled by 1/M */
    fftwf_complex *X;    /* work spectrum */
    float *buf;          /* M work samples */
    float *tail;         /* channels * L overlap tails */
    fftwf_plan fwd, inv;
} eqf;

static const cz_option options[] = {
    CZ_OPTION_JSON("bands", "[]",
                   "list of {type: peak|lowshelf|highshelf|lowpass|highpass, "
                   "freq: Hz, gain_db: dB (default 0), q (default 0.7071)}; "
                   "empty = flat"),
    CZ_OPTIONS_END};

static void eqf_release(eqf *e)
{
    if (e->fwd)
        fftwf_destroy_plan(e->fwd);
    if (e->inv)
        fftwf_destroy_plan(e->inv);
    fftwf_free(e->H);
    fftwf_free(e->X);
    fftwf_free(e->buf);
    free(e->tail);
    e->fwd = e->inv = NULL;
    e->H = e->X = NULL;
    e->buf = e->tail = NULL;
}

/* FFTW keeps its planner state (and wisdom) process-wide until
 * fftw_cleanup(), which a module must not call since others may use FFTW.
 * Unloading the library with this module (the host dlcloses unloaded
 * modules) would orphan that state, so the first init marks both FFTW
 * libraries resident (RTLD_NODELETE, found from their own symbols). */
static void pin_fftw(void)
{
    void *syms[2] = {(void *)fftwf_execute, (void *)fftw_execute};
    for (int i = 0; i < 2; i++) {
        Dl_info info;
        if (dladdr(syms[i], &info) && info.dli_fname) {
            void *h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
            if (h)
                dlclose(h);
        }
    }
}

static int eqf_init(const cz_init *args, void **instance, cz_error *err)
{
    pin_fftw();
    eqf *e = calloc(1, sizeof *e);
    if (!e)
        return cz_err(err, CZ_ENOMEM, "dsp.eq_fft: out of memory");
    int rc = eq_bands_effective(cz_opt_json(args->options, "bands"), e->bands, &e->n_bands, err);
    if (rc) {
        free(e);
        return rc;
    }
    *instance = e;
    return 0;
}

static void eqf_fini(void *instance)
{
    eqf *e = instance;
    if (!e)
        return;
    eqf_release(e);
    free(e);
}

static int eqf_setup(eqf *e, uint32_t channels, uint32_t rate, cz_error *err)
{
    eqf_release(e);
    eq_coef coef[EQ_MAX_BANDS];
    for (int b = 0; b < e->n_bands; b++)
        eq_band_coef(&e->bands[b], rate, &coef[b]);
    int L = fir_length(coef, e->n_bands);
    int M = 2 * L;
    e->taps = L;
    e->nfft = M;
    e->H = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(M / 2 + 1));
    e->X = fftwf_malloc(sizeof(fftwf_complex) * (size_t)(M / 2 + 1));
    e->buf = fftwf_malloc(sizeof(float) * (size_t)M);
    e->tail = calloc((size_t)channels * L, sizeof(float));
    if (!e->H || !e->X || !e->buf || !e->tail)
        goto oom;
    e->fwd = fftwf_plan_dft_r2c_1d(M, e->buf, e->X, FFTW_ESTIMATE);
    e->inv = fftwf_plan_dft_c2r_1d(M, e->X, e->buf, FFTW_ESTIMATE);
    if (!e->fwd || !e->inv)
        goto oom;
    /* The FIR, zero-padded to M, into the filter spectrum. */
    if (fir_design_minphase(coef, e->n_bands, L, e->buf) != 0)
        goto oom;
    memset(e->buf + L, 0, sizeof(float) * (size_t)(M - L));
    fftwf_execute(e->fwd);
    float scale = 1.0f / (float)M;
    for (int k = 0; k <= M / 2; k++) {
        e->H[k][0] = e->X[k][0] * scale;
        e->H[k][1] = e->X[k][1] * scale;
    }
    e->rate = rate;
    e->channels = channels;
    return 0;
oom:
    eqf_release(e);
    return cz_err(err, CZ_ENOMEM, "dsp.eq_fft: out of memory (FIR of %d taps)",
                  L);
}

/* Filter one chunk of n <= L frames of channel j in place. */
static void run_chunk(eqf *e, float *s, uint64_t n, uint32_t ch, uint32_t j)
{
    int L = e->taps, M = e->nfft;
    float *b = e->buf, *tail = e->tail + (size_t)j * L;
    for (uint64_t i = 0; i < n; i++)
        b[i] = s[i * ch + j];
    memset(b + n, 0, sizeof(float) * (size_t)(M - (int)n));
    fftwf_execute(e->fwd);
    fftwf_complex *X = e->X, *H = e->H;
    for (int k = 0; k <= M / 2; k++) {
        float re = X[k][0] * H[k][0] - X[k][1] * H[k][1];
        float im = X[k][0] * H[k][1] + X[k][1] * H[k][0];
        X[k][0] = re;
        X[k][1] = im;
    }
    fftwf_execute(e->inv);
    /* b[0, n + L - 1) is this chunk's full convolution. */
    for (uint64_t i = 0; i < n; i++)
        s[i * ch + j] = b[i] + tail[i];
    int keep = L - 1;
    for (int i = 0; i < keep; i++) {
        float old = (uint64_t)i + n < (uint64_t)keep ? tail[i + n] : 0.0f;
        tail[i] = old + b[n + (uint64_t)i];
    }
}

static int eqf_process(void *instance, float *samples, uint64_t frames,
                       uint32_t channels, uint32_t rate, cz_error *err)
{
    eqf *e = instance;
    if (!channels || !rate)
        return cz_err(err, CZ_EINVAL,
                      "dsp.eq_fft: invalid block (%u channels at %u Hz)",
                      channels, rate);
    if (!e->n_bands || !frames)
        return 0;
    if (!e->H || rate != e->rate || channels != e->channels) {
        int rc = eqf_setup(e, channels, rate, err);
        if (rc)
            return rc;
    }
    for (uint64_t done = 0; done < frames;) {
        uint64_t n = frames - done;
        if (n > (uint64_t)e->taps)
            n = (uint64_t)e->taps;
        for (uint32_t j = 0; j < channels; j++)
            run_chunk(e, samples + done * channels, n, channels, j);
        done += n;
    }
    return 0;
}

static const cz_dsp_vtable vtable = {
    .size = sizeof(cz_dsp_vtable),
    .version = CZ_DSP_VTABLE_VERSION,
    .process = eqf_process,
};

CZ_MODULE(.name = "dsp.eq_fft", .version = "1.0.0", .kind = CZ_KIND_DSP,
          .summary = "Parametric EQ as minimum-phase FIR, FFT overlap-add (fftw3f)",
          .options = options, .init = eqf_init, .fini = eqf_fini,
          .vtable = &vtable);
