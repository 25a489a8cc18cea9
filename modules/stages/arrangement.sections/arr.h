/*
 * arr.h - internals of arrangement.sections (not part of the SDK).
 *
 * The stage turns composition's material (one section per distinct section
 * name, laid end to end) into a whole song on a timeline. Work is split by
 * job, one file each:
 *
 *   module.c    descriptor, options, run(): reads the bus, drives the rest
 *   genre.c     genre profiles (form, groove, layers, swing) and lookup
 *   form.c      the song form: template, repeats, trims, exact bar count
 *   material.c  chords and material tracks copied into place, variation
 *   drums.c     drum kit and percussion grooves, fills, crashes, builds
 *   layers.c    pads, arpeggios, counter-melodies
 *   finish.c    dynamics, humanisation, clean-up, the output score
 *
 * Everything works on arr_ctx; notes are collected in arr_part buffers and
 * only copied into the output score at the end (finish.c), so tracks can be
 * dropped (max_tracks) and notes tidied without touching score internals.
 */
#ifndef ARR_H
#define ARR_H

#include <cadenza/cadenza.h>

#define ARR_MAX_ITEMS 96   /* sections on the timeline, at most */
#define ARR_MAX_PARTS 16   /* MIDI channels: one track each at most */
#define ARR_MAX_BARS 8192u /* longest song (over an hour at 120 bpm 4/4) */

typedef enum sec_type {
    SEC_INTRO = 0,
    SEC_VERSE,
    SEC_PRECHORUS,
    SEC_CHORUS,
    SEC_BRIDGE,
    SEC_BUILD,
    SEC_DROP,
    SEC_BREAKDOWN,
    SEC_OUTRO,
    SEC_OTHER,
    SEC_COUNT
} sec_type;

/* How a section treats each kind of part (arrangement density). */
typedef struct sec_plan {
    uint8_t lead;    /* 0 muted, 1 plays */
    uint8_t bass;    /* 0 muted, 1 sparse (strong beats), 2 full */
    uint8_t chords;  /* 0 muted, 1 sparse (on the beat), 2 full */
    uint8_t drums;   /* 0 none, 1 light, 2 groove, 3 full */
    uint8_t pad;     /* 0/1 */
    uint8_t arp;     /* 0 none, 1 eighths, 2 genre rate */
    uint8_t counter; /* 0/1 */
    uint8_t perc;    /* 0/1 */
} sec_plan;

/* ---- genres (genre.c) ------------------------------------------------ */

typedef enum groove_id {
    GRV_POP = 0, GRV_ROCK, GRV_METAL, GRV_HOUSE, GRV_TECHNO, GRV_TRANCE,
    GRV_DISCO, GRV_BOOMBAP, GRV_LOFI, GRV_TRAP, GRV_DNB, GRV_ONEDROP,
    GRV_JAZZ, GRV_FUNK, GRV_RNB, GRV_SHUFFLE, GRV_SYNTHWAVE, GRV_AMBIENT,
    GRV_CINEMATIC, GRV_BOSSA, GRV_FOLK, GRV_DUBSTEP, GRV_COUNT
} groove_id;

typedef enum fill_style {
    FILL_TOMS = 0,  /* tom run, snare pickup */
    FILL_SNARE,     /* snare/clap roll (dance music) */
    FILL_TRAP,      /* hat roll plus snare */
    FILL_JAZZ,      /* sparse triplet snare and toms */
    FILL_SOFT       /* a couple of soft hits (ambient, cinematic) */
} fill_style;

typedef enum perc_style {
    PERC_TAMB = 0,  /* shaker 16ths, tambourine on the backbeat */
    PERC_CONGA,     /* congas and shaker */
    PERC_SHAKER,    /* shaker only */
    PERC_COWBELL    /* funk: cowbell, congas */
} perc_style;

typedef struct arr_genre {
    const char *id;       /* canonical id */
    groove_id groove;
    perc_style perc;
    fill_style fill;
    uint8_t swing16;      /* swing moves off-beat 16ths (1) or 8ths (0) */
    uint8_t edm;          /* builds roll into drops, kick out before drops */
    uint8_t drum_cap;     /* highest drum level the genre plays (1..3) */
    uint8_t pad_mode;     /* 0 quiet sections only, 1 most, 2 everywhere */
    uint8_t arp_mode;     /* 0 choruses/drops, 1 from the verse, 2 always */
    uint8_t arp_div;      /* arp notes per beat at full rate: 2 or 4 */
    uint8_t counter_mode; /* 0 final chorus, 1 every chorus, 2 also verses */
    const char *form;     /* default form, space separated */
} arr_genre;

/* Profile for a spec's genre/subgenre (never NULL: pop as fallback).
 * *matched is set to 0 when the fallback was used. */
const arr_genre *arr_genre_find(const char *genre, const char *subgenre,
                                int *matched);

/* Copy s into out (size n) lower-cased with only [a-z0-9] kept. */
void arr_norm(const char *s, char *out, size_t n);

/* ---- the timeline ---------------------------------------------------- */

typedef struct arr_item {
    char name[24];
    sec_type type;
    uint32_t start_bar, bars;
    int src;          /* material section index it copies */
    uint8_t derived;  /* 1 when the material had no section of this name */
    uint8_t occurrence; /* 0 first time this name plays, 1 second, ... */
    uint8_t final_peak;   /* the last chorus/drop of a song with repeats */
    float energy;
    sec_plan plan;
} arr_item;

/* A track being built: material copy or generated layer. */
typedef struct arr_part {
    char name[32];
    cz_role role;
    uint8_t program, channel;
    float volume, pan;
    int priority;     /* lower is kept first when max_tracks bites */
    int src_track;    /* material track index, -1 for generated */
    cz_note *notes;
    uint32_t n, cap;
} arr_part;

typedef struct arr_chord_vec {
    cz_chord *v;
    uint32_t n, cap;
} arr_chord_vec;

/* A section of the material (composition.score), normalised. */
typedef struct arr_msec {
    char name[24];       /* normalised name */
    sec_type type;
    uint32_t start_bar, bars;
    float energy;
} arr_msec;

#define ARR_MAX_MSEC 64

typedef struct arr_opts {
    double humanize_ms;
    int humanize_velocity;
    int fills;
    int crashes;
    int max_tracks;
    double variation;
    int outro_fade;
    const json_t *form;  /* option form override (list), borrowed */
} arr_opts;

typedef struct arr_ctx {
    cz_job *job;
    uint64_t seed;
    arr_opts opt;
    const cz_score *mat;
    const json_t *spec;
    const arr_genre *genre;

    /* timing, copied from the material */
    uint32_t ppq, tpb, step;   /* ticks per quarter, per bar, per 16th */
    uint32_t beat;             /* ticks per counted beat (quarter, or dotted
                                  quarter in compound meters) */
    uint32_t beats_per_bar;
    uint8_t compound;          /* 6/8, 9/8, 12/8 */
    uint16_t scale;            /* pitch-class set of key + mode */
    float swing;
    double duration_s;

    /* instruments the spec allows, by role */
    uint8_t has_role[CZ_ROLE_COUNT];
    uint8_t role_program[CZ_ROLE_COUNT];
    char role_name[CZ_ROLE_COUNT][32];
    int instruments_listed;    /* the spec had an instruments array */

    arr_msec msec[ARR_MAX_MSEC];
    uint32_t n_msec;

    arr_item items[ARR_MAX_ITEMS];
    uint32_t n_items;
    uint32_t bars, total;

    arr_chord_vec chords;
    arr_part parts[ARR_MAX_PARTS + 4];
    uint32_t n_parts;
} arr_ctx;

/* form.c */
sec_type arr_sec_type(const char *norm_name);
int arr_plan_form(arr_ctx *c, cz_error *err);

/* material.c */
int arr_copy_chords(arr_ctx *c);
int arr_copy_material(arr_ctx *c);
const cz_chord *arr_chord_at(const arr_ctx *c, uint32_t tick);

/* drums.c */
int arr_drums(arr_ctx *c, arr_part *drums, arr_part *perc);

/* layers.c */
int arr_pad(arr_ctx *c, arr_part *p);
int arr_arp(arr_ctx *c, arr_part *p);
int arr_counter(arr_ctx *c, arr_part *p, const arr_part *lead);
int arr_fx(arr_ctx *c, arr_part *p);

/* finish.c */
int arr_part_add(arr_part *p, uint32_t tick, uint32_t len, int pitch,
                 int velocity, uint8_t flags);
void arr_part_sort(arr_part *p);
uint32_t arr_swing(const arr_ctx *c, uint32_t tick);
int arr_strong(const arr_ctx *c, uint32_t tick_in_bar);
void arr_dynamics(arr_ctx *c);
void arr_humanize(arr_ctx *c);
cz_score *arr_build_score(arr_ctx *c, cz_error *err);
void arr_ctx_free(arr_ctx *c);

#endif
