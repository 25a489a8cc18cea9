/*
 * provider.procedural - module-internal interface between the descriptor
 * (procedural.c) and the renderer (render.c).
 */
#ifndef PROC_H
#define PROC_H

#include <cadenza/cadenza.h>

/* What the audio request asks for, with defaults filled and ranges
 * clamped (see parse_request in render.c). */
typedef struct proc_song {
    double bpm;          /* 40..240 */
    int tonic;           /* pitch class 0..11 */
    cz_mode mode;
    int beats, unit;     /* meter: beats per bar, note value of a beat */
    double seconds;      /* 1..900 */
    uint32_t rate;       /* 8000..192000 */
    int drums;           /* 0 for calm captions */
    double brightness;   /* 0..1: pad filter, from the caption */
    uint64_t seed;
} proc_song;

/* Read an audio request body into *s. CZ_EINVAL names a malformed field. */
int proc_parse(const json_t *body, uint64_t seed, proc_song *s, cz_error *err);

/* Render the song: stereo float at s->rate, s->seconds long, peak -3 dBFS.
 * NULL when out of memory. Deterministic in (s, seed). */
cz_audio *proc_render(const proc_song *s, cz_job *job);

#endif
