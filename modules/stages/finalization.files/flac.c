/*
 * flac.c - FLAC files through libFLAC itself.
 *
 * libsndfile writes FLAC too, but it offers neither of the two things a
 * delivered song wants from its FLAC: tags beyond its fixed list (a Vorbis
 * comment can say BPM and KEY, which taggers, DJ software and players read)
 * and a choice of block size. Every level here encodes 4096-sample blocks
 * (the reference encoder's own choice from level 3 on; levels 0-2 default
 * to 1152): larger blocks compress a little better and encode faster, and
 * 4096 stays within the streamable subset at any rate up to 48 kHz and
 * beyond. The STREAMINFO MD5 of the audio is kept: `flac -t` verifies it.
 *
 * No date, no padding: the same samples and tags give the same bytes (the
 * vendor string names the libFLAC version, as with any encoder).
 */
#include <FLAC/metadata.h>
#include <FLAC/stream_encoder.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

#define FZ_FLAC_BLOCK 4096

struct fz_flac {
    FLAC__StreamEncoder *enc;
    FLAC__StreamMetadata *tags;
    FLAC__int32 *buf; /* one slice, right-justified */
    char *fp_buf;     /* the stream's buffer, freed after finish closed it */
    size_t cap;       /* samples buf holds */
    uint32_t channels;
    int shift;        /* 32 - bits: the quantiser's ints are left-justified */
};

static void flac_free(fz_flac *f)
{
    if (!f)
        return;
    if (f->enc)
        FLAC__stream_encoder_delete(f->enc);
    if (f->tags)
        FLAC__metadata_object_delete(f->tags);
    free(f->buf);
    free(f->fp_buf);
    free(f);
}

/* NAME=value into the comment block; a NULL or empty value is left out. */
static int add_tag(FLAC__StreamMetadata *block, const char *name, const char *value)
{
    if (!value || !*value)
        return 1;
    FLAC__StreamMetadata_VorbisComment_Entry e;
    if (!FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&e, name, value))
        return 0;
    /* copy = false: the block takes over the entry's memory */
    if (!FLAC__metadata_object_vorbiscomment_append_comment(block, e, false)) {
        free(e.entry);
        return 0;
    }
    return 1;
}

static FLAC__StreamMetadata *comment_block(const fz_tags *t)
{
    FLAC__StreamMetadata *b = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
    if (b && add_tag(b, "TITLE", t->title) && add_tag(b, "ARTIST", t->artist) &&
        add_tag(b, "GENRE", t->genre) && add_tag(b, "BPM", t->bpm) &&
        add_tag(b, "KEY", t->key) && add_tag(b, "COMMENT", t->comment) &&
        add_tag(b, "ENCODER", t->software))
        return b;
    if (b)
        FLAC__metadata_object_delete(b);
    return NULL;
}

int fz_flac_open(const fz_out *o, uint32_t rate, uint32_t channels, int bits, uint64_t frames,
                 const fz_tags *tags, fz_flac **out, cz_error *err)
{
    *out = NULL;
    fz_flac *f = calloc(1, sizeof *f);
    if (!f || !(f->enc = FLAC__stream_encoder_new()) || !(f->tags = comment_block(tags))) {
        flac_free(f);
        return cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
    }
    f->channels = channels;
    f->shift = 32 - bits;
    FLAC__StreamEncoder *e = f->enc;
    /* the compression level first: it sets the block size this overrides */
    int ok = FLAC__stream_encoder_set_channels(e, channels) &&
             FLAC__stream_encoder_set_bits_per_sample(e, (uint32_t)bits) &&
             FLAC__stream_encoder_set_sample_rate(e, rate) &&
             FLAC__stream_encoder_set_compression_level(e, (uint32_t)o->flac_level) &&
             FLAC__stream_encoder_set_blocksize(e, FZ_FLAC_BLOCK) &&
             FLAC__stream_encoder_set_total_samples_estimate(e, frames) &&
             FLAC__stream_encoder_set_metadata(e, &f->tags, 1);
    /* through a large stdio buffer (fz_open_big); libFLAC owns the stream
     * from init on and closes it in finish */
    FILE *fp = ok ? fz_open_big(o->path, 0, &f->fp_buf) : NULL;
    if (ok && !fp) {
        int rc = cz_err(err, CZ_EIO, "finalization.files: cannot create %s: %s", o->name,
                        strerror(errno));
        flac_free(f);
        return rc;
    }
    FLAC__StreamEncoderInitStatus st =
        ok ? FLAC__stream_encoder_init_FILE(e, fp, NULL, NULL)
           : FLAC__STREAM_ENCODER_INIT_STATUS_INVALID_METADATA;
    if (fp && st != FLAC__STREAM_ENCODER_INIT_STATUS_OK)
        fclose(fp); /* not taken over */
    if (!ok || st != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
        int rc = cz_err(err, st == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR ? CZ_EIO
                                                                                 : CZ_EINVAL,
                        "finalization.files: cannot create %s: %s (%u channels at %u Hz, %d bits)",
                        o->name, ok ? FLAC__StreamEncoderInitStatusString[st] : "settings refused",
                        channels, rate, bits);
        flac_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int fz_flac_write(fz_flac *f, const int32_t *pcm, size_t frames)
{
    size_t n = frames * f->channels;
    if (n > f->cap) {
        FLAC__int32 *b = realloc(f->buf, n * sizeof *b);
        if (!b)
            return CZ_ENOMEM;
        f->buf = b;
        f->cap = n;
    }
    /* arithmetic shift: the low bits the quantiser left zero go */
    for (size_t i = 0; i < n; i++)
        f->buf[i] = pcm[i] >> f->shift;
    return FLAC__stream_encoder_process_interleaved(f->enc, f->buf, (uint32_t)frames) ? 0 : CZ_EIO;
}

const char *fz_flac_error(const fz_flac *f)
{
    return FLAC__stream_encoder_get_resolved_state_string(f->enc);
}

int fz_flac_close(fz_flac *f)
{
    if (!f)
        return 0;
    /* finish flushes the last block and rewrites STREAMINFO (MD5, length) */
    int bad = !FLAC__stream_encoder_finish(f->enc);
    flac_free(f);
    return bad;
}
