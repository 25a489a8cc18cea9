/*
 * cadenza/score.h - the symbolic music model shared by every stage.
 *
 * A score is what composition writes and arrangement, production and MIDI
 * export read: tempo, meter, key and mode, a song form (sections), the
 * harmony (chord symbols over time) and tracks of notes. Times are MIDI
 * ticks at `ppq` ticks per quarter note, counted from the song start, so a
 * score converts to a Standard MIDI File with no rounding.
 *
 * The struct is transparent so DSP and analysis loops read it at full speed;
 * it is created and grown only through the functions below (allocated by the
 * host, so the host can add fields at the end in a later ABI minor).
 *
 * Ownership: cz_score_new() returns one reference. Once put on the bus the
 * score is immutable; to change a published score, cz_score_clone() it and
 * put the copy (this is how arrangement builds on composition).
 *
 * Thread-safety: refcounting is atomic; everything else is single-writer.
 */
#ifndef CADENZA_SCORE_H
#define CADENZA_SCORE_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CZ_PPQ_DEFAULT 480u
#define CZ_DRUM_CHANNEL 9u /* MIDI channel 10, counted from zero */

/* Church modes in scale order, plus the two minor variants songs use. */
typedef enum cz_mode {
    CZ_MODE_IONIAN = 0,
    CZ_MODE_DORIAN = 1,
    CZ_MODE_PHRYGIAN = 2,
    CZ_MODE_LYDIAN = 3,
    CZ_MODE_MIXOLYDIAN = 4,
    CZ_MODE_AEOLIAN = 5,
    CZ_MODE_LOCRIAN = 6,
    CZ_MODE_HARMONIC_MINOR = 7,
    CZ_MODE_MELODIC_MINOR = 8,
    CZ_MODE_MAJOR = CZ_MODE_IONIAN,
    CZ_MODE_MINOR = CZ_MODE_AEOLIAN
} cz_mode;

/* What a track does in the arrangement; production and mixing key their
 * presets on it, so keep it accurate rather than descriptive. */
typedef enum cz_role {
    CZ_ROLE_OTHER = 0,
    CZ_ROLE_DRUMS,   /* drum kit on CZ_DRUM_CHANNEL, GM percussion map */
    CZ_ROLE_PERC,    /* extra percussion (shakers, congas), also channel 10 */
    CZ_ROLE_BASS,
    CZ_ROLE_CHORDS,  /* comping instrument: piano, guitar, keys */
    CZ_ROLE_PAD,     /* sustained harmony */
    CZ_ROLE_LEAD,    /* main melody */
    CZ_ROLE_COUNTER, /* counter-melody */
    CZ_ROLE_ARP,     /* arpeggiated harmony */
    CZ_ROLE_FX,      /* risers, impacts, textures */
    CZ_ROLE_COUNT
} cz_role;

/* Note flags. */
#define CZ_NOTE_CHROMATIC 0x01u /* intentionally outside the key's scale */
#define CZ_NOTE_PASSING 0x02u   /* passing or neighbour tone (non-chord tone) */
#define CZ_NOTE_GHOST 0x04u     /* ghost note / grace note */
#define CZ_NOTE_ACCENT 0x08u

typedef struct cz_note {
    uint32_t tick;    /* start, ticks from song start */
    uint32_t len;     /* duration in ticks, > 0 */
    uint8_t pitch;    /* MIDI note number 0..127 */
    uint8_t velocity; /* 1..127 */
    uint8_t flags;    /* CZ_NOTE_* */
    uint8_t reserved;
} cz_note;

typedef struct cz_track {
    char name[32];    /* shown in MIDI track names and stem file names */
    cz_role role;
    uint8_t program;  /* General MIDI program 0..127 (ignored for drums) */
    uint8_t channel;  /* MIDI channel 0..15; CZ_DRUM_CHANNEL for kits */
    uint8_t reserved[2];
    float volume;     /* 0..1, arrangement's intended level */
    float pan;        /* -1 left .. +1 right */
    cz_note *notes;   /* sorted by tick after cz_track_sort() */
    uint32_t n_notes;
    uint32_t cap_notes;
} cz_track;

typedef struct cz_section {
    char name[24];      /* intro, verse, prechorus, chorus, bridge, build,
                           drop, breakdown, outro, ... */
    uint32_t start_bar; /* zero-based bar where it starts */
    uint32_t bars;      /* length in bars, > 0 */
    float energy;       /* 0..1, drives density and dynamics */
} cz_section;

typedef struct cz_chord {
    uint32_t tick;     /* start */
    uint32_t len;      /* duration in ticks */
    uint8_t root;      /* pitch class 0..11 (0 = C) */
    uint8_t bass;      /* pitch class of the bass note (slash chords) */
    uint16_t tones;    /* pitch-class set: bit n set when class n sounds */
    char symbol[16];   /* "Am7", "G/B", "Fmaj7#11" */
    char roman[12];    /* function in the key: "vi7", "V/V", "bVII" */
} cz_chord;

typedef struct cz_score {
    uint32_t ppq;        /* ticks per quarter note */
    uint32_t total_ticks;/* song end (last bar line), not the last note */
    double bpm;          /* tempo, constant for the whole song */
    uint8_t meter_num;   /* time signature numerator (4 in 4/4) */
    uint8_t meter_den;   /* denominator, a power of two */
    uint8_t key_tonic;   /* pitch class of the tonic, 0 = C */
    uint8_t mode;        /* cz_mode */
    float swing;         /* 0 = straight, 1 = full triplet swing */
    uint32_t bars;       /* length in bars */
    cz_section *sections;
    uint32_t n_sections, cap_sections;
    cz_chord *chords;    /* in time order, non-overlapping */
    uint32_t n_chords, cap_chords;
    cz_track *tracks;
    uint32_t n_tracks, cap_tracks;
    int refs;            /* private to the host */
} cz_score;

/* A new empty score (ppq 0 means CZ_PPQ_DEFAULT), 120 bpm 4/4 C major.
 * NULL when out of memory. */
cz_score *cz_score_new(uint32_t ppq);

/* A deep copy with one reference, for building on a published score. */
cz_score *cz_score_clone(const cz_score *s);

void cz_score_ref(const cz_score *s);
void cz_score_unref(const cz_score *s);

/* Append a section; CZ_EINVAL for bars == 0 or an empty name. */
int cz_score_add_section(cz_score *s, const char *name, uint32_t start_bar,
                         uint32_t bars, float energy);

/* Append a chord (copied). */
int cz_score_add_chord(cz_score *s, const cz_chord *c);

/* Append a track; the pointer is valid until the next cz_score_add_track.
 * NULL when out of memory or the channel is above 15. */
cz_track *cz_score_add_track(cz_score *s, const char *name, cz_role role,
                             uint8_t program, uint8_t channel);

/* Remove every track for which keep(track, user) returns 0. */
void cz_score_filter_tracks(cz_score *s, int (*keep)(const cz_track *, void *),
                            void *user);

/* Append a note; CZ_EINVAL for len == 0, pitch > 127 or velocity 0/ >127. */
int cz_track_add_note(cz_track *t, uint32_t tick, uint32_t len, uint8_t pitch,
                      uint8_t velocity, uint8_t flags);

/* Sort notes by (tick, pitch): MIDI export and renderers expect it. */
void cz_track_sort(cz_track *t);

/* The chord sounding at tick, or NULL. Binary search over s->chords. */
const cz_chord *cz_score_chord_at(const cz_score *s, uint32_t tick);

/* The section containing bar, or NULL. */
const cz_section *cz_score_section_at(const cz_score *s, uint32_t bar);

/* Short stable names: "dorian", "drums". */
const char *cz_mode_name(cz_mode m);
const char *cz_role_name(cz_role r);
/* Parse the names above (case-insensitive; "major", "minor" accepted).
 * -1 when unknown. */
int cz_mode_parse(const char *name);
int cz_role_parse(const char *name);

/* Ticks in one bar: ppq * 4 * num / den. */
static inline uint32_t cz_score_ticks_per_bar(const cz_score *s)
{
    return s->ppq * 4u * s->meter_num / (s->meter_den ? s->meter_den : 4u);
}

/* Scale of a mode as semitone offsets from the tonic (7 entries). */
static inline const uint8_t *cz_mode_steps(cz_mode m)
{
    static const uint8_t steps[9][7] = {
        {0, 2, 4, 5, 7, 9, 11}, {0, 2, 3, 5, 7, 9, 10}, {0, 1, 3, 5, 7, 8, 10},
        {0, 2, 4, 6, 7, 9, 11}, {0, 2, 4, 5, 7, 9, 10}, {0, 2, 3, 5, 7, 8, 10},
        {0, 1, 3, 5, 6, 8, 10}, {0, 2, 3, 5, 7, 8, 11}, {0, 2, 3, 5, 7, 9, 11}};
    return steps[(unsigned)m < 9 ? (unsigned)m : 0];
}

/* Pitch-class set (bit n = class n) of the scale of tonic + mode. */
static inline uint16_t cz_scale_mask(uint8_t tonic, cz_mode m)
{
    const uint8_t *st = cz_mode_steps(m);
    uint16_t mask = 0;
    for (int i = 0; i < 7; i++)
        mask |= (uint16_t)(1u << ((tonic + st[i]) % 12));
    return mask;
}

#ifdef __cplusplus
}
#endif
#endif
