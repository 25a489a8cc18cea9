/*
 * analyze.h - internals of analysis.loudness.
 */
#ifndef ANALYZE_H
#define ANALYZE_H

#include <stdint.h>

#include <cadenza/cadenza.h>

/* Samples at or beyond this magnitude count as clipped: the largest
 * positive 16-bit value, 32767/32768, read back as float. Full-scale
 * samples of 16- and 24-bit files and overs of float files all count. */
#define AZ_CLIP_LEVEL (1.0f - 1.0f / 32768.0f)

typedef struct az_result {
    char format[64];    /* "WAV (Microsoft)" */
    char encoding[64];  /* "Signed 24 bit PCM" */
    uint32_t rate, channels;
    uint64_t frames;
    double integrated;  /* LUFS; -HUGE_VAL when silent / too short */
    double lra;         /* LU */
    double true_peak;   /* dBTP; -HUGE_VAL for digital silence */
    double sample_peak; /* dBFS */
    double momentary_max, short_term_max; /* LUFS; -HUGE_VAL when too short */
    uint64_t clipped;
} az_result;

/* Open and measure one file. CZ_ENOTFOUND (missing), CZ_EIO (unreadable
 * or not audio), CZ_ENOMEM; err names the file. */
int az_measure_file(const char *path, az_result *out, cz_error *err);

/* Check that path opens as audio, without measuring it. */
int az_probe_file(const char *path, cz_error *err);

/* The result as a JSON object / appended to a human-readable text. */
json_t *az_result_json(const char *path, const az_result *r);
/* Appends to *text (realloc'd); 0 or CZ_ENOMEM. */
int az_result_text(const char *path, const az_result *r, char **text, size_t *len);
/* A blank line between two files' texts. */
int az_text_sep(char **text, size_t *len);

#endif
