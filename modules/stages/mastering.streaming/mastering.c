/*
 * mastering.c - mastering.streaming: the stage, its options and the
 * measure -> gain -> limit -> re-measure loop.
 *
 * Reads mix.audio, writes master.audio and master.report (docs/bus-keys.md
 * "mastering"). The chain is EQ (low cut, optional tilt) -> glue
 * compressor -> loudness gain -> true-peak limiter. The loop:
 *
 *   1. measure once, before any gain: K-weighted energy and true-peak
 *      maximum per 8-frame control block of the limiter's input;
 *   2. predict: for a gain g, the limiter's gain curve is computed on the
 *      control grid and the output's loudness predicted from the block
 *      energies (gain^2 * energy, then the BS.1770 gates); g is refined
 *      (secant steps) until the prediction is within 0.05 LU of target;
 *   3. render the master and measure it for real (loudness, LRA, true
 *      peak); if it misses (loudness by more than 0.2 LU, or the true-peak
 *      ceiling), correct and render again, at most MAX_PASSES times.
 *
 * Limiting has a price: the gain that would reach the target is capped so
 * that the limiter never takes more than max_limiting_db off the loudest
 * peak. When the target needs more, the master stops at that (safest)
 * level, and the report says "reached": false with a warning, also logged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mst.h"

#define MAX_PASSES 4
#define GLUE_BLOCK 32u        /* frames per glue-compressor gain step */
#define TP_MARGIN_DB 0.1      /* limiter ceiling below the true-peak target */
#define PREDICT_TOL_LU 0.05   /* refine the gain until predicted this close */
#define RENDER_TOL_LU 0.2     /* re-render when the master misses by more */
#define REACHED_TOL_LU 0.3    /* "reached" when within this of the target */
#define ULTRASONIC_MIN_RATE 88200u /* from this rate on ...              */
#define ULTRASONIC_CUT_HZ 22000.0  /* ... low-pass the master here       */

typedef struct mst {
    double target_lufs, true_peak_db, low_cut_hz, tilt_db;
    double lookahead_ms, release_ms, max_limiting_db;
    mst_glue_cfg glue;
    int use_ebur128;
    mst_tp tp;
} mst;

static const cz_port reads[] = {
    CZ_READ("mix.audio", CZ_TYPE_AUDIO, "the stereo mix to master"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("master.audio", CZ_TYPE_AUDIO, "the mastered song"),
    CZ_WRITE("master.report", CZ_TYPE_JSON,
             "loudness, peaks, gain, limiting and whether the target was reached"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_FLOAT("target_lufs", "-14", -40, -5,
                    "integrated loudness target in LUFS (streaming: -14)"),
    CZ_OPTION_FLOAT("true_peak_db", "-1.0", -9, 0,
                    "true-peak ceiling in dBTP (4x oversampled)"),
    CZ_OPTION_FLOAT("low_cut_hz", "28", 0, 80,
                    "high-pass corner in Hz removing rumble (0 = off)"),
    CZ_OPTION_FLOAT("tilt_db", "0", -3, 3,
                    "tonal tilt around 1 kHz: + brighter, - darker (dB end to end)"),
    CZ_OPTION_FLOAT("glue_ratio", "1.5", 1, 4,
                    "glue compressor ratio (1 = off)"),
    CZ_OPTION_FLOAT("glue_threshold_db", "2", -12, 12,
                    "glue threshold in dB above the programme's RMS level"),
    CZ_OPTION_FLOAT("lookahead_ms", "2", 0.5, 10,
                    "limiter look-ahead (and attack ramp) in ms"),
    CZ_OPTION_FLOAT("release_ms", "80", 10, 1000,
                    "limiter release time constant in ms"),
    CZ_OPTION_FLOAT("max_limiting_db", "8", 1, 20,
                    "most gain reduction the limiter may apply; beyond it the "
                    "target is reported as not reached"),
    CZ_OPTION_ENUM("meter", "fast",
                   "final measurement: fast (own BS.1770 meter, ~20x faster) "
                   "or ebur128 (libebur128)",
                   "fast", "ebur128"),
    CZ_OPTIONS_END};

static int mst_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    double target = cz_opt_float(o, "target_lufs");
    double tp = cz_opt_float(o, "true_peak_db");
    /* The host checks ranges; keep the promise even if it did not. */
    if (!(target <= -5.0 && target >= -40.0))
        return cz_err(err, CZ_EINVAL,
                      "mastering.streaming: option target_lufs = %g is out of "
                      "range: streaming targets lie between -40 and -5 LUFS "
                      "(louder than -5, and anything above 0, is refused)",
                      target);
    if (!(tp <= 0.0 && tp >= -9.0))
        return cz_err(err, CZ_EINVAL,
                      "mastering.streaming: option true_peak_db = %g is out "
                      "of range -9..0 dBTP",
                      tp);
    mst *m = calloc(1, sizeof *m);
    if (!m)
        return cz_err(err, CZ_ENOMEM, "mastering.streaming: out of memory");
    m->target_lufs = target;
    m->true_peak_db = tp;
    m->low_cut_hz = cz_opt_float(o, "low_cut_hz");
    m->tilt_db = cz_opt_float(o, "tilt_db");
    m->glue = (mst_glue_cfg){.ratio = cz_opt_float(o, "glue_ratio"),
                             .threshold_rel = cz_opt_float(o, "glue_threshold_db"),
                             .attack_ms = 20,
                             .release_ms = 200,
                             .knee_db = 6};
    m->lookahead_ms = cz_opt_float(o, "lookahead_ms");
    m->release_ms = cz_opt_float(o, "release_ms");
    m->max_limiting_db = cz_opt_float(o, "max_limiting_db");
    m->use_ebur128 = strcmp(cz_opt_str(o, "meter"), "ebur128") == 0;
    mst_tp_design(&m->tp);
    *instance = m;
    return 0;
}

static void mst_fini(void *instance)
{
    free(instance);
}

static double db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -HUGE_VAL;
}

static double lin(double dbv)
{
    return pow(10.0, dbv / 20.0);
}

/* JSON number, or null for -inf (silence). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(round(v * 100.0) / 100.0) : json_null();
}

/* The work of one job, so run() can free everything in one place. */
typedef struct mst_job {
    double *keb;     /* K-weighted energy per control block */
    double *sub;     /* predicted energy per 100 ms sub-block */
    mst_limiter lim;
    mst_biquad eq[5], kw[2];
    int n_eq;
    double programme; /* mean power of the mix, for the glue threshold */
    double glue_gr;   /* largest glue gain reduction, dB */
} mst_job;

static void job_free(mst_job *j)
{
    free(j->keb);
    free(j->sub);
    mst_limiter_free(&j->lim);
}

/* Predict the loudness of the master for gain g and ceiling c. */
static double predict(mst_job *j, double g, double c, uint32_t sub_len,
                      size_t n_sub, float *gmin)
{
    *gmin = mst_limiter_compute(&j->lim, g, c);
    mst_limiter_predict(&j->lim, j->keb, sub_len, j->sub, n_sub);
    for (size_t s = 0; s < n_sub; s++)
        j->sub[s] *= g * g;
    return mst_integrated(j->sub, n_sub, sub_len);
}

/* The limiter's input: mix -> EQ -> glue, into x, a chunk at a time so
 * each chunk is filtered, compressed and (with `measure`) measured while
 * it is in cache: K-weighted energy and true peak per control block. The
 * true peak of a block reads 6 frames past it, so it runs one block
 * behind. Without `measure`, the same signal again for a re-render. */
static void render_input(const mst *m, mst_job *j, const cz_audio *mix,
                         float *x, int measure)
{
    const uint64_t frames = mix->frames, chunk = 4096;
    const uint32_t ch = mix->channels;
    mst_filt eqf, kf;
    mst_glue glue;
    mst_filt_init(&eqf, j->eq, j->n_eq);
    mst_filt_init(&kf, j->kw, 2);
    mst_glue_init(&glue, &m->glue, mix->rate, GLUE_BLOCK, j->programme);
    /* The K-weighting runs one chunk behind the EQ, in the same loop. */
    size_t tp_done = 0;
    /* Exact block peaks only where limiting could reach: the gain is capped
     * so the limiter takes at most max_limiting_db off the loudest peak
     * (1 dB spare). */
    float loud = 0, ratio = (float)lin(m->max_limiting_db + 1.0);
    uint64_t prev = 0, prev_n = 0; /* the chunk waiting for K-weighting */
    for (uint64_t s = 0; s < frames; s += chunk) {
        uint64_t n = s + chunk < frames ? chunk : frames - s;
        float *xs = x + s * ch;
        if (measure && prev_n == n)
            mst_filt_run_energy(&eqf, mix->samples + s * ch, xs, &kf, x + prev * ch, n, ch,
                                MST_CTL, j->keb + prev / MST_CTL);
        else {
            if (measure && prev_n)
                mst_filt_energy(&kf, x + prev * ch, prev_n, ch, MST_CTL, j->keb + prev / MST_CTL);
            mst_filt_run(&eqf, mix->samples + s * ch, xs, n, ch);
        }
        mst_glue_run(&glue, xs, n, ch);
        if (!measure)
            continue;
        prev = s;
        prev_n = n;
        size_t upto = s + n == frames ? j->lim.m : (size_t)((s + n) / MST_CTL) - 1;
        mst_tp_blocks_loud(&m->tp, x, frames, ch, MST_CTL, tp_done, upto, ratio, &loud,
                           j->lim.pb + tp_done);
        tp_done = upto;
    }
    if (measure && prev_n)
        mst_filt_energy(&kf, x + prev * ch, prev_n, ch, MST_CTL, j->keb + prev / MST_CTL);
    j->glue_gr = glue.max_gr;
}

static int check_input(const cz_audio *a, cz_error *err)
{
    if (a->frames == 0 || !a->samples)
        return cz_err(err, CZ_EINVAL, "mastering.streaming: mix.audio is empty (0 frames)");
    if (a->channels > MST_MAXCH)
        return cz_err(err, CZ_EINVAL,
                      "mastering.streaming: mix.audio has %u channels; at most %u are supported",
                      a->channels, MST_MAXCH);
    if (a->rate < 8000 || a->rate > 384000)
        return cz_err(err, CZ_EINVAL,
                      "mastering.streaming: mix.audio rate %u Hz is outside 8000..384000",
                      a->rate);
    return 0;
}

/* Called when the programme-level pass saw a NaN or an infinity: find it. */
static int non_finite(const cz_audio *a, cz_error *err)
{
    size_t n = (size_t)a->frames * a->channels, i = 0;
    while (i < n && isfinite(a->samples[i]))
        i++;
    if (i == n)
        return cz_err(err, CZ_EINVAL,
                      "mastering.streaming: mix.audio has samples too large to process");
    return cz_err(err, CZ_EINVAL,
                  "mastering.streaming: mix.audio has a non-finite sample "
                  "(NaN or Inf) at frame %zu, channel %zu",
                  i / a->channels, i % a->channels);
}

static int mst_run(void *instance, cz_job *job, cz_error *err)
{
    const mst *m = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_audio *mix = NULL;
    int rc = cz_bus_get_audio(bus, "mix.audio", &mix);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, "mastering.streaming: no mix.audio on the bus (run a mixing stage first)");
    if (rc)
        return cz_err(err, rc, "mastering.streaming: mix.audio is not audio (%s)",
                      cz_type_name(cz_bus_type(bus, "mix.audio")));
    if ((rc = check_input(mix, err)))
        return rc;

    const uint64_t frames = mix->frames;
    const uint32_t ch = mix->channels, rate = mix->rate;
    const uint32_t sub_len = (rate + 5) / 10;
    const size_t n_sub = (size_t)(frames / sub_len);
    mst_job j = {0};
    cz_audio *out = NULL;
    json_t *warnings = json_array();
    mst_measure meas = {0};

    j.sub = calloc(n_sub + 1, sizeof *j.sub);
    if (!warnings || !j.sub ||
        mst_limiter_init(&j.lim, frames, rate, m->lookahead_ms, m->release_ms)) {
        rc = cz_err(err, CZ_ENOMEM, "mastering.streaming: out of memory");
        goto done;
    }
    j.keb = malloc(j.lim.m * sizeof *j.keb);
    out = cz_audio_new(rate, ch, frames);
    if (!j.keb || !out) {
        rc = cz_err(err, CZ_ENOMEM, "mastering.streaming: out of memory");
        goto done;
    }
    cz_audio_prefault(out); /* written whole: map its pages in one call */

    /* 1. EQ and glue into the output buffer, measuring the limiter's
     *    input once on the way. */
    if (m->low_cut_hz > 0)
        mst_bq_highpass(&j.eq[j.n_eq++], rate, m->low_cut_hz, M_SQRT1_2);
    if (m->tilt_db != 0) {
        mst_bq_shelf(&j.eq[j.n_eq++], rate, 1000.0, -m->tilt_db / 2, 0.5, 0);
        mst_bq_shelf(&j.eq[j.n_eq++], rate, 1000.0, m->tilt_db / 2, 0.5, 1);
    }
    if (rate >= ULTRASONIC_MIN_RATE) {
        /* High-rate mixes: nothing above the audio band reaches the
         * master. Ultrasonic content is inaudible but makes the largest
         * inter-sample peaks, which 4x meters read differently. 4th-order
         * Butterworth (two biquads, Q 0.541 and 1.307). */
        mst_bq_lowpass(&j.eq[j.n_eq++], rate, ULTRASONIC_CUT_HZ, 0.5411961);
        mst_bq_lowpass(&j.eq[j.n_eq++], rate, ULTRASONIC_CUT_HZ, 1.3065630);
    }
    mst_bq_kweight(j.kw, rate);
    int finite = 1;
    j.programme = mst_programme_power(mix->samples, frames, ch, GLUE_BLOCK, &finite);
    if (!finite) {
        rc = non_finite(mix, err);
        goto done;
    }
    render_input(m, &j, mix, out->samples, 1);
    double glue_gr = j.glue_gr;

    float pmax = 0;
    for (size_t k = 0; k < j.lim.m; k++)
        pmax = j.lim.pb[k] > pmax ? j.lim.pb[k] : pmax;
    float gmin = 1.0f;
    /* The input's loudness: the block energies as they are. */
    size_t kk = 0;
    for (size_t s = 0; s < n_sub; s++) {
        double e = 0;
        for (; kk < j.lim.m && (uint64_t)kk * MST_CTL < (uint64_t)(s + 1) * sub_len; kk++)
            e += j.keb[kk];
        j.sub[s] = e;
    }
    double input_lufs = mst_integrated(j.sub, n_sub, sub_len);
    if (!isfinite(input_lufs)) /* no gain to cap: every block peak counts */
        mst_tp_blocks(&m->tp, out->samples, frames, ch, MST_CTL, 0, j.lim.m, j.lim.pb);
    if (cz_job_cancelled(job)) {
        rc = cz_err(err, CZ_ECANCELED, "mastering.streaming: cancelled");
        goto done;
    }

    /* 2-3. Gain, limit, render, measure; correct and repeat if needed. */
    double ceil_db = m->true_peak_db - TP_MARGIN_DB;
    double gdb = isfinite(input_lufs) ? m->target_lufs - input_lufs : 0.0;
    double cap_db = pmax > 0 ? ceil_db + m->max_limiting_db - db(pmax) : 0.0;
    int capped = 0, passes = 0, predictions = 0, silent = !isfinite(input_lufs);
    for (;;) {
        passes++;
        double c = lin(ceil_db);
        if (silent) {
            gdb = 0;
            gmin = mst_limiter_compute(&j.lim, 1.0, c);
        } else {
            /* Secant refinement of the gain against the prediction. */
            double prev_g = 0, prev_l = 0;
            int have_prev = 0;
            capped = 0;
            for (int it = 0; it < 12; it++) {
                if (gdb >= cap_db) {
                    gdb = cap_db;
                    capped = 1;
                }
                double l = predict(&j, lin(gdb), c, sub_len, n_sub, &gmin);
                double e = m->target_lufs - l;
                predictions++;
                cz_job_log(job, CZ_LOG_DEBUG, "predict: gain %+.3f dB -> %.3f LUFS", gdb, l);
                if (fabs(e) < PREDICT_TOL_LU || (capped && e > 0) || !isfinite(l))
                    break;
                double slope = 1.0;
                if (have_prev && gdb != prev_g)
                    slope = (l - prev_l) / (gdb - prev_g);
                if (!(slope > 0.2))
                    slope = 0.2;
                if (slope > 1.0)
                    slope = 1.0;
                prev_g = gdb;
                prev_l = l;
                have_prev = 1;
                gdb += e / slope;
            }
        }
        if (passes > 1)
            render_input(m, &j, mix, out->samples, 0);
        if ((rc = mst_limit_measure(&m->tp, &j.lim, lin(gdb), out, m->true_peak_db,
                                    m->use_ebur128, &meas))) {
            rc = cz_err(err, rc, "mastering.streaming: out of memory while measuring");
            goto done;
        }
        if (passes >= MAX_PASSES || cz_job_cancelled(job))
            break;
        int redo = 0;
        if (meas.true_peak > m->true_peak_db) {
            /* The interpolation of the limited signal overshot: lower the
             * ceiling by the excess (and a hair more) and limit again. */
            ceil_db -= meas.true_peak - m->true_peak_db + 0.05;
            cap_db = pmax > 0 ? ceil_db + m->max_limiting_db - db(pmax) : 0.0;
            redo = 1;
        }
        if (!silent && isfinite(meas.integrated) &&
            fabs(meas.integrated - m->target_lufs) > RENDER_TOL_LU &&
            !(capped && meas.integrated < m->target_lufs)) {
            gdb += m->target_lufs - meas.integrated;
            redo = 1;
        }
        if (!redo)
            break;
        cz_job_log(job, CZ_LOG_DEBUG,
                   "pass %d: %.2f LUFS, %.2f dBTP; correcting", passes,
                   meas.integrated, meas.true_peak);
    }
    if (cz_job_cancelled(job)) {
        rc = cz_err(err, CZ_ECANCELED, "mastering.streaming: cancelled");
        goto done;
    }

    /* Report. */
    int loud_ok = isfinite(meas.integrated) &&
                  fabs(meas.integrated - m->target_lufs) <= REACHED_TOL_LU;
    int peak_ok = !(meas.true_peak > m->true_peak_db);
    char msg[256];
    if (silent) {
        snprintf(msg, sizeof msg,
                 "the mix is silent or shorter than 400 ms: its loudness cannot be "
                 "measured, so no loudness gain was applied");
        json_array_append_new(warnings, json_string(msg));
    } else if (!loud_ok && capped) {
        snprintf(msg, sizeof msg,
                 "target %.1f LUFS needs more than %.1f dB of peak limiting "
                 "(max_limiting_db); stopped at the safest level, %.1f LUFS",
                 m->target_lufs, m->max_limiting_db, meas.integrated);
        json_array_append_new(warnings, json_string(msg));
    } else if (!loud_ok) {
        snprintf(msg, sizeof msg,
                 "loudness %.2f LUFS missed the target %.1f LUFS after %d passes",
                 meas.integrated, m->target_lufs, passes);
        json_array_append_new(warnings, json_string(msg));
    }
    if (!peak_ok) {
        snprintf(msg, sizeof msg, "true peak %.2f dBTP is above the ceiling %.1f dBTP",
                 meas.true_peak, m->true_peak_db);
        json_array_append_new(warnings, json_string(msg));
    }
    for (size_t i = 0; i < json_array_size(warnings); i++)
        cz_job_log(job, CZ_LOG_WARN, "%s", json_string_value(json_array_get(warnings, i)));

    json_t *rep = json_object();
    if (!rep) {
        rc = cz_err(err, CZ_ENOMEM, "mastering.streaming: out of memory");
        goto done;
    }
    json_object_set_new(rep, "target_lufs", json_real(m->target_lufs));
    json_object_set_new(rep, "target_true_peak_db", json_real(m->true_peak_db));
    json_object_set_new(rep, "integrated_lufs", jnum(meas.integrated));
    json_object_set_new(rep, "loudness_range_lu", jnum(meas.lra));
    json_object_set_new(rep, "true_peak_db", jnum(meas.true_peak));
    json_object_set_new(rep, "sample_peak_db", jnum(meas.sample_peak));
    json_object_set_new(rep, "gain_db", jnum(gdb));
    json_object_set_new(rep, "limiter_gain_reduction_max_db", jnum(-db(gmin) + 0.0));
    json_object_set_new(rep, "reached", json_boolean(loud_ok && peak_ok));
    json_object_set_new(rep, "warnings", warnings);
    warnings = NULL;
    json_object_set_new(rep, "input_integrated_lufs", jnum(input_lufs));
    json_object_set_new(rep, "glue_gain_reduction_max_db", jnum(glue_gr));
    json_object_set_new(rep, "passes", json_integer(passes));
    json_object_set_new(rep, "meter", json_string(m->use_ebur128 ? "libebur128" : "fast"));

    cz_job_status(job, "%.1f LUFS, %.1f dBTP%s", meas.integrated, meas.true_peak,
                  loud_ok && peak_ok ? "" : " (target not reached)");
    cz_job_log(job, CZ_LOG_INFO,
               "master: %.2f LUFS (target %.1f), LRA %.1f LU, %.2f dBTP, gain %+.2f dB, "
               "limiting up to %.2f dB, glue up to %.2f dB, %d pass(es), %d prediction(s)",
               meas.integrated, m->target_lufs, meas.lra, meas.true_peak, gdb,
               -db(gmin), glue_gr, passes, predictions);

    rc = cz_bus_put_audio(bus, "master.audio", out);
    out = NULL;
    if (rc) {
        json_decref(rep);
        rc = cz_err(err, rc, "mastering.streaming: cannot put master.audio");
        goto done;
    }
    if ((rc = cz_bus_put_json(bus, "master.report", rep)))
        rc = cz_err(err, rc, "mastering.streaming: cannot put master.report");

done:
    if (out)
        cz_audio_unref(out);
    json_decref(warnings);
    job_free(&j);
    return rc;
}

CZ_MODULE(.name = "mastering.streaming", .version = "1.0.0",
          .kind = CZ_KIND_STAGE,
          .summary = "Masters a mix for streaming: EQ, glue compression, "
                     "true-peak limiting and loudness normalisation",
          .reads = reads, .writes = writes, .options = options,
          .init = mst_init, .run = mst_run, .fini = mst_fini);
