/*
 * floatwav.c - stems as 32-bit float WAV: the exact samples, so the stem
 * files sum to the mix.
 *
 * Written here rather than by libsndfile for one reason: a spooled stem
 * (audio.h) already holds its frames in a scratch file in exactly this
 * file's data layout, so with a header in the room the spool keeps free
 * and the tags after the frames, cz_audio_publish makes that scratch file
 * the stem file without reading or writing 69 MB per stem. When that
 * cannot be done (a stem in memory, a scratch folder on another file
 * system), the same bytes are written the ordinary way: one layout, two
 * routes, identical files.
 *
 * Layout (little-endian RIFF):
 *   RIFF <size> WAVE
 *   fmt  (IEEE float, channels, rate, 32 bits; WAVE_FORMAT_EXTENSIBLE
 *         beyond two channels, as the format asks)
 *   fact (frames: required for non-PCM WAV)
 *   JUNK (zeros, so the data starts at byte CZ_SPOOL_HEAD, 64 KiB: where
 *         the scratch file keeps its frames; DAWs pad their recordings'
 *         headers the same way to align the data)
 *   data <frames>
 *   LIST INFO (INAM title, IART artist, IGNR genre, ICMT comment,
 *              ISFT software), after the data as libsndfile puts it too
 */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

#define LITTLE_ENDIAN_HOST (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

static unsigned char *put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *p++ = (unsigned char)(v >> (8 * i));
    return p;
}

static unsigned char *put16(unsigned char *p, uint16_t v)
{
    *p++ = (unsigned char)v;
    *p++ = (unsigned char)(v >> 8);
    return p;
}

static unsigned char *put_id(unsigned char *p, const char *id)
{
    memcpy(p, id, 4);
    return p + 4;
}

/* The LIST/INFO chunk for the tags (NULL or empty ones left out), in a new
 * buffer of *len bytes; NULL when out of memory. Each string keeps its NUL
 * and is padded to an even size, as RIFF wants. */
static unsigned char *info_chunk(const fz_tags *t, size_t *len)
{
    const struct {
        const char *id, *v;
    } tags[] = {{"INAM", t->title},
                {"IART", t->artist},
                {"IGNR", t->genre},
                {"ICMT", t->comment},
                {"ISFT", t->software}};
    enum { N = sizeof tags / sizeof tags[0] };
    size_t body = 4; /* "INFO" */
    for (int i = 0; i < N; i++)
        if (tags[i].v && *tags[i].v)
            body += 8 + ((strlen(tags[i].v) + 2) & ~(size_t)1);
    unsigned char *buf = calloc(1, 8 + body), *p = buf;
    if (!buf)
        return NULL;
    p = put32(put_id(p, "LIST"), (uint32_t)body);
    p = put_id(p, "INFO");
    for (int i = 0; i < N; i++) {
        if (!tags[i].v || !*tags[i].v)
            continue;
        size_t n = strlen(tags[i].v) + 1;
        p = put32(put_id(p, tags[i].id), (uint32_t)n);
        memcpy(p, tags[i].v, n);
        p += (n + 1) & ~(size_t)1;
    }
    *len = 8 + body;
    return buf;
}

static void wav_head(const cz_audio *a, uint64_t data, size_t tail, unsigned char *h)
{
    memset(h, 0, CZ_SPOOL_HEAD);
    unsigned char *p = h;
    p = put32(put_id(p, "RIFF"), (uint32_t)(CZ_SPOOL_HEAD - 8 + data + tail));
    p = put_id(p, "WAVE");
    int ext = a->channels > 2;
    p = put32(put_id(p, "fmt "), ext ? 40 : 18);
    p = put16(p, ext ? 0xFFFE : 3); /* WAVE_FORMAT_EXTENSIBLE or _IEEE_FLOAT */
    p = put16(p, (uint16_t)a->channels);
    p = put32(p, a->rate);
    p = put32(p, a->rate * a->channels * 4);
    p = put16(p, (uint16_t)(a->channels * 4));
    p = put16(p, 32);
    p = put16(p, ext ? 22 : 0); /* cbSize */
    if (ext) {
        /* 32 valid bits, no speaker positions, KSDATAFORMAT_SUBTYPE_IEEE_FLOAT */
        static const unsigned char guid[16] = {3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0,
                                               0, 0xaa, 0, 0x38, 0x9b, 0x71};
        p = put32(put16(p, 32), 0);
        memcpy(p, guid, sizeof guid);
        p += sizeof guid;
    }
    p = put32(put_id(p, "fact"), 4);
    p = put32(p, (uint32_t)a->frames);
    size_t junk = CZ_SPOOL_HEAD - 8 - (size_t)(p - h) - 8;
    p = put32(put_id(p, "JUNK"), (uint32_t)junk);
    p += junk;
    put32(put_id(p, "data"), (uint32_t)data);
}

/* The ordinary route: head, the frames a slice at a time, tail. */
static int copy_out(const cz_audio *a, const fz_out *o, const unsigned char *head,
                    const unsigned char *tail, size_t tail_len, cz_error *err)
{
    const uint64_t slice = 1u << 14;
    uint64_t data = a->frames * a->channels * 4;
    float *buf = malloc(slice * a->channels * sizeof *buf);
    char *fbuf = NULL;
    FILE *f = buf ? fz_open_big(o->path, (off_t)(CZ_SPOOL_HEAD + data + tail_len), &fbuf) : NULL;
    if (!f) {
        int rc = buf ? cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", o->name,
                              strerror(errno))
                     : cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
        free(buf);
        return rc;
    }
    int rc = 0;
    fwrite(head, 1, CZ_SPOOL_HEAD, f);
    for (uint64_t at = 0; at < a->frames && !ferror(f); at += slice) {
        uint64_t n = a->frames - at < slice ? a->frames - at : slice;
        if (cz_audio_read(a, at, n, buf)) {
            rc = cz_err(err, CZ_EIO, "finalization.files: %s: cannot read the stem back from its "
                        "scratch file (%s)", o->name, CZ_SPOOL_HINT);
            break;
        }
        if (!LITTLE_ENDIAN_HOST) {
            uint32_t *w = (uint32_t *)buf;
            for (uint64_t i = 0; i < n * a->channels; i++)
                w[i] = __builtin_bswap32(w[i]);
        }
        fwrite(buf, sizeof *buf, n * a->channels, f);
    }
    fwrite(tail, 1, tail_len, f);
    int bad = ferror(f), e = errno;
    bad |= fclose(f) != 0;
    free(fbuf);
    if (bad && !rc)
        rc = cz_err(err, CZ_EIO, "finalization.files: writing %s failed: %s", o->name,
                    strerror(bad && !e ? EIO : e));
    free(buf);
    return rc;
}

int fz_write_float_wav(const cz_audio *a, const fz_out *o, const fz_tags *tags, int *linked,
                       cz_error *err)
{
    *linked = 0;
    uint64_t data = a->frames * a->channels * 4;
    size_t tail_len = 0;
    unsigned char *tail = info_chunk(tags, &tail_len);
    unsigned char *head = malloc(CZ_SPOOL_HEAD);
    int rc = 0;
    if (!tail || !head) {
        rc = cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
        goto done;
    }
    if (CZ_SPOOL_HEAD - 8 + data + tail_len > UINT32_MAX) {
        rc = cz_err(err, CZ_EINVAL, "finalization.files: %s: %.1f minutes of %u channels is over "
                    "the 4 GB a WAV file can hold; use stems_format: flac",
                    o->name, cz_audio_seconds(a) / 60, a->channels);
        goto done;
    }
    wav_head(a, data, tail_len, head);
    rc = LITTLE_ENDIAN_HOST ? cz_audio_publish(a, o->path, head, tail, tail_len, err)
                            : CZ_ENOTSUP;
    if (rc == 0)
        *linked = 1;
    else if (rc == CZ_ENOTSUP)
        rc = copy_out(a, o, head, tail, tail_len, err);
done:
    free(head);
    free(tail);
    return rc;
}
