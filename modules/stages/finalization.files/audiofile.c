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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"

#define MAX_OUTS 4

/* An open output: a WAV is libsndfile's handle on a descriptor we own (so
 * every path closes it exactly once, whatever libsndfile does on failure);
 * a FLAC is libFLAC's (flac.c). */
typedef struct out_file {
    SNDFILE *sf;
    int fd;
    fz_flac *flac;
} out_file;

/* Finish and close; non-zero if any of it failed. */
static int close_out(out_file *f)
{
    int bad = f->sf && sf_close(f->sf) != 0;
    bad |= f->fd >= 0 && close(f->fd) != 0;
    bad |= fz_flac_close(f->flac);
    *f = (out_file){.sf = NULL, .fd = -1, .flac = NULL};
    return bad;
}

static int open_out(const cz_audio *a, int bits, const fz_out *o, const fz_tags *tags,
                    out_file *f, cz_error *err)
{
    *f = (out_file){.sf = NULL, .fd = -1, .flac = NULL};
    if (o->kind == FZ_FLAC)
        return fz_flac_open(o, a->rate, a->channels, bits, a->frames, tags, &f->flac, err);
    int sub = bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24;
    SF_INFO info = {.samplerate = (int)a->rate, .channels = (int)a->channels,
                    .format = SF_FORMAT_WAV | sub};
    if (!sf_format_check(&info)) {
        return cz_err(err, CZ_EINVAL, "finalization.files: %s: libsndfile cannot write %u channels "
                      "at %u Hz", o->name, a->channels, a->rate);
    }
    int fd = f->fd = open(o->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", o->name,
                      strerror(errno));
    /* A WAV's size is known: allocating its blocks at once makes the
     * writes cheaper than growing the file page by page (a third less
     * system time on ext4 here). Only advice: no space is kept beyond what
     * the file will hold, and a file system without it just grows. */
    (void)fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)a->frames * a->channels * (bits / 8));
    SNDFILE *sf = f->sf = sf_open_fd(fd, SFM_WRITE, &info, SF_FALSE);
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
