/*
 * files.h - internals of finalization.files.
 */
#ifndef FILES_H
#define FILES_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cadenza/cadenza.h>

/* The rounding to file PCM: integer samples left-justified in 32 bits
 * (what sf_writef_int takes for any PCM width), with TPDF dither (+-1 LSB
 * peak) from the stream `stream` of the job seed when `dither`. Runs over
 * consecutive slices of one signal. */
typedef struct fz_quant {
    cz_rng rng;
    int bits;         /* 16 or 24 */
    int dither;
    uint64_t clipped; /* samples beyond full scale, clamped */
} fz_quant;

void fz_quant_init(fz_quant *q, int bits, int dither, uint64_t seed, const char *stream);
void fz_quant_run(fz_quant *q, const float *in, int32_t *out, size_t n);

/* Tags written into every audio file. Strings may be NULL. bpm and key
 * ("112", "A minor") are FLAC's own Vorbis comments; a WAV's INFO chunk has
 * no field for them, so the comment carries them too. */
typedef struct fz_tags {
    const char *title, *artist, *genre, *comment, *software;
    const char *bpm, *key;
} fz_tags;

/* WAV and FLAC hold quantised PCM (fz_write_audio); FZ_WAV_FLOAT holds
 * the float samples exactly, no rounding, so no dither (fz_write_float_wav). */
typedef enum fz_kind { FZ_WAV, FZ_FLAC, FZ_WAV_FLOAT } fz_kind;

/* One file to write. */
typedef struct fz_out {
    const char *path; /* where (the staging path) */
    const char *name; /* the relative path, for messages */
    fz_kind kind;
    int flac_level;   /* 0..8 */
} fz_out;

/* Write a to every file of outs (FZ_WAV, FZ_FLAC), slice by slice, with
 * the tags, quantised once with q (WAV and FLAC of one signal share the
 * dither). CZ_EIO naming the file on failure, CZ_ENOMEM. */
int fz_write_audio(const cz_audio *a, fz_quant *q, const fz_out *outs, int n_outs,
                   const fz_tags *tags, cz_error *err);

/* Write a as the 32-bit float WAV o (floatwav.c): a spooled signal's
 * scratch file becomes the file when it can (*linked = 1), else the same
 * bytes are copied out. CZ_EINVAL past the 4 GB a WAV holds, CZ_EIO naming
 * the file, CZ_ENOMEM. */
int fz_write_float_wav(const cz_audio *a, const fz_out *o, const fz_tags *tags, int *linked,
                       cz_error *err);

/* A new file at path for writing (and reading back) through a 1 MB stdio
 * buffer (*buf: free it after fclose), its blocks allocated for `size`
 * bytes when size > 0; NULL with errno. */
FILE *fz_open_big(const char *path, off_t size, char **buf);

/* A FLAC being written with libFLAC (flac.c): 4096-sample blocks at the
 * given level, the tags as Vorbis comments, MD5 kept. Samples come as the
 * quantiser's left-justified ints. open: CZ_EINVAL for a format libFLAC
 * refuses, CZ_EIO when the file cannot be made; write: CZ_EIO, CZ_ENOMEM
 * (fz_flac_error says why); close finishes the file, non-zero on failure,
 * and takes NULL. */
typedef struct fz_flac fz_flac;
int fz_flac_open(const fz_out *o, uint32_t rate, uint32_t channels, int bits, uint64_t frames,
                 const fz_tags *tags, fz_flac **out, cz_error *err);
int fz_flac_write(fz_flac *f, const int32_t *pcm, size_t frames);
const char *fz_flac_error(const fz_flac *f);
int fz_flac_close(fz_flac *f);

/* The score summary for song.json: tempo, key, mode, meter, bars,
 * sections, tracks with note counts. `key_name` spells the tonic. */
json_t *fz_score_summary(const cz_score *s, const char *key_name);

/* "C", "C#", ... for a pitch class. */
const char *fz_pitch_name(unsigned pc);

#endif
