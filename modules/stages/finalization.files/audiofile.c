/*
 * audiofile.c - writing WAV and FLAC with libsndfile, tags included.
 *
 * Tags: libsndfile writes title, artist, genre, comment and software as a
 * RIFF LIST/INFO chunk in WAV (INAM, IART, IGNR, ICMT, ISFT) and as Vorbis
 * comments in FLAC (TITLE, ARTIST, GENRE, COMMENT, SOFTWARE). It has no
 * string id for tempo or key (nor a way to add other Vorbis comments such
 * as BPM), so those go in the comment: "120 bpm, A minor, 4/4, seed 42,
 * pipeline pop". No date is written: the same seed must give the same
 * bytes.
 */
#include <sndfile.h>
#include <string.h>

#include "files.h"

int fz_write_audio(const char *path, const char *name, fz_kind kind,
                   int flac_level, const fz_pcm *p, const fz_tags *tags,
                   cz_error *err)
{
    int sub = p->bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24;
    SF_INFO info = {.samplerate = (int)p->rate, .channels = (int)p->channels,
                    .format = (kind == FZ_FLAC ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | sub};
    if (!sf_format_check(&info))
        return cz_err(err, CZ_EINVAL, "finalization.files: %s: libsndfile cannot write %u channels at %u Hz",
                      name, p->channels, p->rate);
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        return cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", name, sf_strerror(NULL));
    if (kind == FZ_FLAC) {
        double level = flac_level / 8.0; /* libsndfile maps 0..1 onto FLAC levels 0..8 */
        sf_command(sf, SFC_SET_COMPRESSION_LEVEL, &level, sizeof level);
    }
    const struct {
        int id;
        const char *v;
    } strs[] = {{SF_STR_TITLE, tags->title},     {SF_STR_ARTIST, tags->artist},
                {SF_STR_GENRE, tags->genre},     {SF_STR_COMMENT, tags->comment},
                {SF_STR_SOFTWARE, tags->software}};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i].v && *strs[i].v && sf_set_string(sf, strs[i].id, strs[i].v) != 0) {
            cz_err(err, CZ_EIO, "finalization.files: %s: cannot set tag: %s", name, sf_strerror(sf));
            sf_close(sf);
            return CZ_EIO;
        }
    /* In slices, so a huge song never asks libsndfile for one giant write. */
    const uint64_t slice = 1u << 16;
    for (uint64_t f = 0; f < p->frames; f += slice) {
        sf_count_t n = (sf_count_t)(p->frames - f < slice ? p->frames - f : slice);
        if (sf_writef_int(sf, p->data + f * p->channels, n) != n) {
            cz_err(err, CZ_EIO, "finalization.files: writing %s failed: %s", name, sf_strerror(sf));
            sf_close(sf);
            return CZ_EIO;
        }
    }
    if (sf_close(sf) != 0)
        return cz_err(err, CZ_EIO, "finalization.files: closing %s failed", name);
    return 0;
}
