/*
 * audiofile.c - writing WAV (libsndfile) and FLAC (libFLAC, flac.c), tags
 * included.
 *
 * The signal is quantised a slice at a time (pcm.c) and each slice goes to
 * every output file before the next: no song-sized integer buffer, and the
 * WAV and the FLAC hold the very same samples. A spooled signal (the stems,
 * see audio.h) is read a slice at a time the same way. Float WAV stems are
 * floatwav.c's.
 *
 * Tags: libsndfile writes title, artist, genre, comment and software as a
 * RIFF LIST/INFO chunk in WAV (INAM, IART, IGNR, ICMT, ISFT); INFO has no
 * field for tempo or key, so the comment carries them: "120 bpm, A minor,
 * seed 42, pipeline pop". A FLAC gets the same as Vorbis comments (TITLE,
 * ARTIST, GENRE, COMMENT, ENCODER) plus BPM and KEY of their own. No date
 * is written: the same seed must give the same bytes.
 */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

#define MAX_OUTS 4

/* An open output: a WAV is libsndfile's handle on a stream we own (so
 * every path closes it exactly once, whatever libsndfile does on failure);
 * a FLAC is libFLAC's (flac.c). */
typedef struct out_file {
    SNDFILE *sf;
    FILE *fp;
    char *fp_buf; /* fp's buffer, freed after fclose */
    fz_flac *flac;
} out_file;

/* Finish and close; non-zero if any of it failed. */
static int close_out(out_file *f)
{
    int bad = f->sf && sf_close(f->sf) != 0;
    bad |= f->fp && fclose(f->fp) != 0;
    free(f->fp_buf);
    bad |= fz_flac_close(f->flac);
    *f = (out_file){.sf = NULL, .fp = NULL, .fp_buf = NULL, .flac = NULL};
    return bad;
}

FILE *fz_open_big(const char *path, off_t size, char **buf)
{
    /* libsndfile writes 8 KB at a time and stdio 4 KB: into fresh page
     * cache that costs three times what 64 KB writes into allocated
     * blocks do (17 against 6 ms for a 52 MB WAV here). glibc ignores
     * setvbuf's size unless given the buffer. */
    enum { BIG = 1 << 20 };
    *buf = malloc(BIG);
    FILE *f = *buf ? fopen(path, "w+e") : NULL;
    if (!f) {
        free(*buf);
        *buf = NULL;
        if (!errno)
            errno = ENOMEM;
        return NULL;
    }
    setvbuf(f, *buf, _IOFBF, BIG);
    /* A known size: allocating its blocks at once makes the writes cheaper
     * than growing the file page by page. Only advice: no space is kept
     * beyond the size, and a file system without it just grows. */
    if (size > 0)
        (void)fallocate(fileno(f), FALLOC_FL_KEEP_SIZE, 0, size);
    return f;
}

/* libsndfile's I/O on a buffered stdio stream (sf_open_virtual) */
static sf_count_t vio_tell(void *u)
{
    return (sf_count_t)ftello(u);
}

static sf_count_t vio_seek(sf_count_t at, int whence, void *u)
{
    return fseeko(u, (off_t)at, whence) ? -1 : vio_tell(u);
}

static sf_count_t vio_length(void *u)
{
    off_t here = ftello(u), end = -1;
    if (here >= 0 && fseeko(u, 0, SEEK_END) == 0)
        end = ftello(u);
    if (here >= 0)
        fseeko(u, here, SEEK_SET);
    return (sf_count_t)end;
}

static sf_count_t vio_read(void *p, sf_count_t n, void *u)
{
    return (sf_count_t)fread(p, 1, (size_t)n, u);
}

static sf_count_t vio_write(const void *p, sf_count_t n, void *u)
{
    return (sf_count_t)fwrite(p, 1, (size_t)n, u);
}

static int open_out(const cz_audio *a, int bits, const fz_out *o, const fz_tags *tags,
                    out_file *f, cz_error *err)
{
    *f = (out_file){.sf = NULL, .fp = NULL, .fp_buf = NULL, .flac = NULL};
    if (o->kind == FZ_FLAC)
        return fz_flac_open(o, a->rate, a->channels, bits, a->frames, tags, &f->flac, err);
    int sub = bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24;
    SF_INFO info = {.samplerate = (int)a->rate, .channels = (int)a->channels,
                    .format = SF_FORMAT_WAV | sub};
    if (!sf_format_check(&info)) {
        return cz_err(err, CZ_EINVAL, "finalization.files: %s: libsndfile cannot write %u channels "
                      "at %u Hz", o->name, a->channels, a->rate);
    }
    f->fp = fz_open_big(o->path, (off_t)a->frames * a->channels * (bits / 8), &f->fp_buf);
    if (!f->fp)
        return cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", o->name,
                      strerror(errno));
    static SF_VIRTUAL_IO vio = {.get_filelen = vio_length, .seek = vio_seek, .read = vio_read,
                                .write = vio_write, .tell = vio_tell};
    SNDFILE *sf = f->sf = sf_open_virtual(&vio, SFM_WRITE, &info, f->fp);
    if (!sf) {
        int rc = cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", o->name,
                        sf_strerror(NULL));
        close_out(f);
        return rc;
    }
    const struct {
        int id;
        const char *v;
    } strs[] = {{SF_STR_TITLE, tags->title},     {SF_STR_ARTIST, tags->artist},
                {SF_STR_GENRE, tags->genre},     {SF_STR_COMMENT, tags->comment},
                {SF_STR_SOFTWARE, tags->software}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i].v && *strs[i].v && sf_set_string(sf, strs[i].id, strs[i].v) != 0) {
            int rc = cz_err(err, CZ_EIO, "finalization.files: %s: cannot set tag: %s", o->name,
                            sf_strerror(sf));
            close_out(f);
            return rc;
        }
    return 0;
}

int fz_write_audio(const cz_audio *a, fz_quant *q, const fz_out *outs, int n_outs,
                   const fz_tags *tags, cz_error *err)
{
    out_file of[MAX_OUTS];
    const uint64_t slice = 1u << 14;
    int32_t *buf = malloc(slice * a->channels * sizeof *buf);
    float *in = a->samples ? NULL : malloc(slice * a->channels * sizeof *in);
    int rc = 0, n = 0;
    if (!buf || (!a->samples && !in) || n_outs > MAX_OUTS) {
        rc = cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
        goto done;
    }
    for (; n < n_outs; n++)
        if ((rc = open_out(a, q->bits, &outs[n], tags, &of[n], err)))
            goto done;
    for (uint64_t f = 0; f < a->frames && !rc; f += slice) {
        sf_count_t len = (sf_count_t)(a->frames - f < slice ? a->frames - f : slice);
        const float *x = a->samples ? a->samples + f * a->channels : in;
        if (!a->samples && cz_audio_read(a, f, (uint64_t)len, in)) {
            rc = cz_err(err, CZ_EIO, "finalization.files: %s: cannot read the signal back from "
                        "its scratch file", outs[0].name);
            break;
        }
        fz_quant_run(q, x, buf, (size_t)len * a->channels);
        for (int i = 0; i < n_outs && !rc; i++) {
            if (of[i].flac && fz_flac_write(of[i].flac, buf, (size_t)len))
                rc = cz_err(err, CZ_EIO, "finalization.files: writing %s failed: %s",
                            outs[i].name, fz_flac_error(of[i].flac));
            else if (of[i].sf && sf_writef_int(of[i].sf, buf, len) != len)
                rc = cz_err(err, CZ_EIO, "finalization.files: writing %s failed: %s",
                            outs[i].name, sf_strerror(of[i].sf));
        }
    }
done:
    for (int i = 0; i < n; i++)
        if (close_out(&of[i]) && !rc)
            rc = cz_err(err, CZ_EIO, "finalization.files: closing %s failed", outs[i].name);
    free(buf);
    free(in);
    return rc;
}
