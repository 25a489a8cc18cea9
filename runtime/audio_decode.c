/*
 * runtime/audio_decode.c - cz_audio_decode: an audio file held in memory
 * (a provider's download) to a cz_audio, with libsndfile's virtual I/O so
 * nothing touches the disk. In the host, once, for every provider.
 */
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef struct membuf {
    const unsigned char *p;
    sf_count_t n, pos;
} membuf;

static sf_count_t mb_len(void *u)
{
    return ((membuf *)u)->n;
}

static sf_count_t mb_seek(sf_count_t off, int whence, void *u)
{
    membuf *m = u;
    sf_count_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->n : 0;
    sf_count_t to = base + off;
    if (to < 0 || to > m->n)
        return -1;
    return m->pos = to;
}

static sf_count_t mb_read(void *dst, sf_count_t count, void *u)
{
    membuf *m = u;
    sf_count_t k = m->n - m->pos < count ? m->n - m->pos : count;
    memcpy(dst, m->p + m->pos, (size_t)k);
    m->pos += k;
    return k;
}

static sf_count_t mb_write(const void *src, sf_count_t count, void *u)
{
    return 0; /* read only */
}

static sf_count_t mb_tell(void *u)
{
    return ((membuf *)u)->pos;
}

int cz_audio_decode(const void *data, size_t n, const char *what, cz_audio **out, cz_error *err)
{
    *out = NULL;
    what = what ? what : "the data";
    SF_VIRTUAL_IO io = {mb_len, mb_seek, mb_read, mb_write, mb_tell};
    membuf m = {data, (sf_count_t)n, 0};
    SF_INFO info = {0};
    SNDFILE *f = sf_open_virtual(&io, SFM_READ, &info, &m);
    if (!f)
        return cz_err(err, CZ_EPROTO, "%s is not audio libsndfile can read (%s)", what, sf_strerror(NULL));
    if (info.channels < 1 || info.channels > 64 || info.samplerate < 1000 || info.frames < 1) {
        sf_close(f);
        return cz_err(err, CZ_EPROTO, "%s has %d channels at %d Hz and %lld frames: not a usable song", what,
                      info.channels, info.samplerate, (long long)info.frames);
    }
    cz_audio *a = cz_audio_new((uint32_t)info.samplerate, (uint32_t)info.channels, (uint64_t)info.frames);
    if (!a) {
        sf_close(f);
        return cz_err(err, CZ_ENOMEM, "out of memory for %lld frames of %s", (long long)info.frames, what);
    }
    sf_count_t got = sf_readf_float(f, a->samples, info.frames);
    sf_close(f);
    if (got < 1) {
        cz_audio_unref(a);
        return cz_err(err, CZ_EPROTO, "%s holds no readable frames", what);
    }
    a->frames = (uint64_t)got; /* a truncated file keeps what it has */
    *out = a;
    return 0;
}
