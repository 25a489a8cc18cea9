/*
 * files.h - internals of finalization.files.
 */
#ifndef FILES_H
#define FILES_H

#include <stdint.h>

#include <cadenza/cadenza.h>

/* Audio quantised for a file: integer samples left-justified in 32 bits
 * (what sf_writef_int takes for any PCM width). */
typedef struct fz_pcm {
    int32_t *data;
    uint64_t frames;
    uint32_t channels, rate;
    int bits;          /* 16 or 24 */
    uint64_t clipped;  /* samples beyond full scale, clamped */
} fz_pcm;

/* Round a to `bits`, adding TPDF dither (two uniform draws, +-1 LSB peak)
 * from the stream `stream` of the job seed when `dither`. CZ_ENOMEM. */
int fz_quantize(const cz_audio *a, int bits, int dither, uint64_t seed,
                const char *stream, fz_pcm *out);
void fz_pcm_free(fz_pcm *p);

/* Tags written into every audio file. Strings may be NULL. */
typedef struct fz_tags {
    const char *title, *artist, *genre, *comment, *software;
} fz_tags;

typedef enum fz_kind { FZ_WAV, FZ_FLAC } fz_kind;

/* Write p to path as WAV or FLAC (flac_level 0..8) with the tags.
 * CZ_EIO naming `name` (the relative path) on failure. */
int fz_write_audio(const char *path, const char *name, fz_kind kind,
                   int flac_level, const fz_pcm *p, const fz_tags *tags,
                   cz_error *err);

/* The score summary for song.json: tempo, key, mode, meter, bars,
 * sections, tracks with note counts. `key_name` spells the tonic. */
json_t *fz_score_summary(const cz_score *s, const char *key_name);

/* "C", "C#", ... for a pitch class. */
const char *fz_pitch_name(unsigned pc);

#endif
