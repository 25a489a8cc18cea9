/*
 * measure.c - one file through libsndfile and libebur128.
 *
 * libebur128 implements ITU-R BS.1770-4 and EBU R 128 and passes the EBU
 * Tech 3341 and 3342 compliance cases (tests/unit/test_analyze.c checks a
 * set of them through this module). The file is fed in 100 ms chunks (the
 * meter's own block step), so after every chunk the momentary (400 ms)
 * and, past 3 s, short-term (3 s) loudness are read and their maxima kept,
 * as Tech 3341 asks of a meter (at least 10 readings a second).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ebur128.h>
#include <sndfile.h>

#include "analyze.h"

static double db(double lin)
{
    return lin > 0 ? 20.0 * log10(lin) : -HUGE_VAL;
}

static SNDFILE *open_file(const char *path, SF_INFO *info, cz_error *err, int *rc)
{
    memset(info, 0, sizeof *info);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        *rc = errno == ENOENT ? CZ_ENOTFOUND : CZ_EIO;
        cz_err(err, *rc, "analysis.loudness: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    fclose(probe);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) {
        *rc = CZ_EIO;
        cz_err(err, *rc, "analysis.loudness: %s is not a readable audio file: %s", path,
               sf_strerror(NULL));
        return NULL;
    }
    if (info->channels < 1 || info->samplerate < 1) {
        sf_close(sf);
        *rc = CZ_EIO;
        cz_err(err, *rc, "analysis.loudness: %s has no audio (%d channels at %d Hz)", path,
               info->channels, info->samplerate);
        return NULL;
    }
    *rc = 0;
    return sf;
}

int az_probe_file(const char *path, cz_error *err)
{
    SF_INFO info;
    int rc;
    SNDFILE *sf = open_file(path, &info, err, &rc);
    if (sf)
        sf_close(sf);
    return rc;
}

static void format_names(SF_INFO *info, az_result *out)
{
    SF_FORMAT_INFO fi = {.format = info->format & SF_FORMAT_TYPEMASK};
    snprintf(out->format, sizeof out->format, "%s",
             sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name ? fi.name : "unknown");
    fi = (SF_FORMAT_INFO){.format = info->format & SF_FORMAT_SUBMASK};
    snprintf(out->encoding, sizeof out->encoding, "%s",
             sf_command(NULL, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name ? fi.name : "unknown");
}

int az_measure_file(const char *path, az_result *out, cz_error *err)
{
    SF_INFO info;
    int rc;
    SNDFILE *sf = open_file(path, &info, err, &rc);
    if (!sf)
        return rc;
    *out = (az_result){.rate = (uint32_t)info.samplerate,
                       .channels = (uint32_t)info.channels,
                       .momentary_max = -HUGE_VAL,
                       .short_term_max = -HUGE_VAL};
    format_names(&info, out);

    ebur128_state *st = ebur128_init((unsigned)info.channels, (unsigned long)info.samplerate,
                                     EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I |
                                         EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
                                         EBUR128_MODE_SAMPLE_PEAK);
    /* One 100 ms block of the meter (libebur128 rounds the same way). */
    size_t chunk = ((size_t)info.samplerate + 5) / 10;
    float *buf = malloc(chunk * (size_t)info.channels * sizeof *buf);
    if (!st || !buf) {
        rc = cz_err(err, CZ_ENOMEM, "analysis.loudness: out of memory for %s", path);
        goto done;
    }
    const uint64_t m_frames = (uint64_t)info.samplerate * 4 / 10;
    const uint64_t s_frames = (uint64_t)info.samplerate * 3;
    for (;;) {
        sf_count_t n = sf_readf_float(sf, buf, (sf_count_t)chunk);
        if (n <= 0)
            break;
        size_t ns = (size_t)n * (size_t)info.channels;
        for (size_t i = 0; i < ns; i++)
            if (!(fabsf(buf[i]) < AZ_CLIP_LEVEL))
                out->clipped++;
        if (ebur128_add_frames_float(st, buf, (size_t)n) != EBUR128_SUCCESS) {
            rc = cz_err(err, CZ_ENOMEM, "analysis.loudness: out of memory measuring %s", path);
            goto done;
        }
        out->frames += (uint64_t)n;
        double v;
        if (out->frames >= m_frames && ebur128_loudness_momentary(st, &v) == EBUR128_SUCCESS &&
            v > out->momentary_max)
            out->momentary_max = v;
        if (out->frames >= s_frames && ebur128_loudness_shortterm(st, &v) == EBUR128_SUCCESS &&
            v > out->short_term_max)
            out->short_term_max = v;
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) {
        rc = cz_err(err, CZ_EIO, "analysis.loudness: error reading %s: %s", path, sf_strerror(sf));
        goto done;
    }
    if (ebur128_loudness_global(st, &out->integrated) != EBUR128_SUCCESS)
        out->integrated = -HUGE_VAL;
    if (ebur128_loudness_range(st, &out->lra) != EBUR128_SUCCESS || !isfinite(out->lra))
        out->lra = 0;
    double tp = 0, sp = 0, v;
    for (unsigned c = 0; c < (unsigned)info.channels; c++) {
        if (ebur128_true_peak(st, c, &v) == EBUR128_SUCCESS && v > tp)
            tp = v;
        if (ebur128_sample_peak(st, c, &v) == EBUR128_SUCCESS && v > sp)
            sp = v;
    }
    out->true_peak = db(tp);
    out->sample_peak = db(sp);

done:
    free(buf);
    if (st)
        ebur128_destroy(&st);
    sf_close(sf);
    return rc;
}
