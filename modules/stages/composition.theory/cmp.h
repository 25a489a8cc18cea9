/*
 * cmp.h - internals of composition.theory (not part of the SDK).
 *
 * The module turns ideation.spec into the song's material in five steps,
 * one file each:
 *
 *   spec.c      read ideation.spec, fall back (with a warning) field by field
 *   style.c     genre -> style: progressions, cadences, grooves, lengths
 *   harmony.c   chords per section: templates, cadences, substitutions
 *   voicing.c   the chords track: voice-led 4-voice voicings, comping
 *   bass.c      the bass line: genre patterns over the harmony
 *   melody.c    the lead: motifs, skeleton of chord tones, ornaments
 *
 * chord.c holds the theory helpers (roman numerals, qualities, names) and
 * meter.c the rhythmic grid (pulse groups and their metric weight).
 * docs/music-model.md explains the musical choices.
 */
#ifndef CMP_H
#define CMP_H

#include <stdint.h>
#include <cadenza/cadenza.h>

#define CMP_NAME "composition.theory"
#define CMP_MAX_SECTIONS 16
#define CMP_MAX_GROUPS 16
#define CMP_MAX_CELL_CHORDS 4

/* ---- section kinds and mode groups ------------------------------------ */

typedef enum cmp_kind {
    SK_INTRO, SK_VERSE, SK_PRECHORUS, SK_CHORUS, SK_BRIDGE, SK_SOLO,
    SK_BREAKDOWN, SK_BUILD, SK_DROP, SK_OUTRO, SK_COUNT
} cmp_kind;

/* Which progression family a mode uses. */
typedef enum cmp_mgroup {
    MG_MAJOR, MG_MINOR, MG_DORIAN, MG_MIXOLYDIAN, MG_PHRYGIAN, MG_LYDIAN,
    MG_COUNT
} cmp_mgroup;

/* Progression classes a style gives templates for. */
enum { PC_VERSE, PC_CHORUS, PC_PRE, PC_BRIDGE, PC_COUNT };

typedef enum cmp_bass_style {
    BASS_SUSTAIN, BASS_ROOT8, BASS_OCTAVE8, BASS_ROOT_FIFTH, BASS_POP,
    BASS_WALKING, BASS_FUNK, BASS_OFFBEAT, BASS_REGGAE, BASS_TRESILLO,
    BASS_BOOGIE, BASS_BOSSA
} cmp_bass_style;

typedef enum cmp_comp_style {
    COMP_SUSTAIN, COMP_BEATS, COMP_PULSE8, COMP_POPSYNC, COMP_OFFBEAT,
    COMP_SKANK, COMP_JAZZ, COMP_ARPEGGIO, COMP_WALTZ, COMP_BACKBEAT,
    COMP_FUNK
} cmp_comp_style;

typedef const char *const *cmp_list; /* NULL-terminated list of strings */

/* A genre's musical habits. Probabilities are 0..1 before options scale
 * them. Progression templates are roman numerals, cells split by '|', the
 * chords of one cell by spaces (see chord.c for the numeral grammar). */
typedef struct cmp_style {
    const char *id;
    cmp_list aliases;             /* matched whole, then as substrings */
    cmp_list prog[2][PC_COUNT];   /* [0 major, 1 minor][class]; NULL: verse */
    cmp_list cad_full[2];         /* NULL: the mode group's defaults */
    cmp_list cad_half[2];
    uint8_t cell_bars;            /* 1, or 2 for slow harmonic rhythm */
    float seventh, ninth;         /* chance of 7ths, of 9ths on top */
    float secdom, borrow;         /* chance of V/x, of borrowed chords */
    cmp_bass_style bass;
    cmp_comp_style comp;
    float density;                /* melody density bias, -0.3..0.3 */
    float synco, sixteenths, longnotes; /* melody rhythm weights */
    float swing;                  /* when the spec has none */
    float tempo;                  /* when the spec has none */
    uint8_t minor;                /* default mode is minor */
    uint8_t chromatic_approach;   /* bass approaches by semitone */
    uint8_t bars[SK_COUNT];       /* section length per kind */
} cmp_style;

/* Style for a genre name: whole id/alias only, or also as a substring. */
const cmp_style *cmp_style_find(const char *genre, int whole_only);
const cmp_style *cmp_style_default(void);
cmp_list cmp_modal_templates(cmp_mgroup g, int pclass);
cmp_list cmp_cadences(cmp_mgroup g, int full);
cmp_kind cmp_kind_from_name(const char *name);
float cmp_kind_energy(cmp_kind k);
int cmp_kind_pclass(cmp_kind k);
int cmp_kind_full_cadence(cmp_kind k); /* 1 full, 0 half, -1 either */
cmp_mgroup cmp_mode_group(cz_mode m);

/* ---- spec --------------------------------------------------------------- */

typedef struct cmp_instr {
    int present;
    uint8_t program;
    uint8_t channel;
    char name[32];
} cmp_instr;

typedef struct cmp_spec {
    const cmp_style *style;
    int tonic;      /* 0..11 */
    cz_mode mode;
    int flats;      /* spell names with flats */
    double bpm;
    int num, den;
    double swing;
    double energy;
    cmp_instr lead, bass, chords;
    int n_sections;
    struct {
        char name[24];
        cmp_kind kind;
    } sec[CMP_MAX_SECTIONS];
} cmp_spec;

/* Read the spec; never fails on a bad field (logs a warning instead), only
 * on a non-object. */
int cmp_spec_read(cz_job *job, const json_t *j, cmp_spec *out, cz_error *err);

/* ---- options -------------------------------------------------------------- */

enum { HR_AUTO, HR_SLOW, HR_BAR, HR_HALF };

typedef struct cmp_opts {
    uint32_t ppq;
    double melody_density; /* 0..1 */
    double chromaticism;   /* 0..1 */
    double extensions;     /* 0..1 */
    int harmonic_rhythm;   /* HR_* */
} cmp_opts;

/* ---- meter ----------------------------------------------------------------- */

/* A pulse group: one beat of the bar (a quarter in 4/4, a dotted quarter in
 * 6/8). Level 3 = downbeat, 2 = the strong mid-bar beat, 1 = other beats. */
typedef struct cmp_group {
    uint16_t step, len; /* in 16th steps from the bar start */
    uint8_t level;
} cmp_group;

typedef struct cmp_meter {
    uint32_t step_ticks;   /* a 16th note */
    uint32_t bar_ticks;
    int steps_per_bar;
    int n_groups;
    cmp_group g[CMP_MAX_GROUPS];
} cmp_meter;

void cmp_meter_init(cmp_meter *m, uint32_t ppq, int num, int den);
/* Metric level of a step in the bar: 3, 2, 1 on beats, 0 off the beat. */
int cmp_meter_level(const cmp_meter *m, int step);
/* Index of the group holding step. */
int cmp_meter_group_at(const cmp_meter *m, int step);

/* ---- chords -------------------------------------------------------------- */

typedef enum cmp_quality {
    Q_MAJ, Q_MIN, Q_DIM, Q_AUG, Q_DOM7, Q_MIN7, Q_MAJ7, Q_HDIM7, Q_DIM7,
    Q_DOM9, Q_MIN9, Q_MAJ9, Q_SIX, Q_MIN6, Q_SUS4, Q_SUS2, Q_7SUS4, Q_ADD9,
    Q_MADD9, Q_COUNT
} cmp_quality;

/* A roman numeral, parsed. */
typedef struct cmp_rn {
    int8_t deg, acc;      /* degree 0..6 of the reference scale, -1/0/+1 */
    int8_t qual;          /* cmp_quality */
    int8_t inv;           /* 0 root position, 1 first, 2 second inversion */
    int8_t has_target;    /* secondary function: "V/vi" */
    int8_t tdeg, tacc, tupper;
} cmp_rn;

/* The key a song is in, for the theory helpers. */
typedef struct cmp_key {
    int tonic;
    cz_mode mode;
    uint16_t scale;       /* pitch-class mask */
    int ref[7];           /* major or natural-minor steps (roman reference) */
    int flats;
} cmp_key;

void cmp_key_init(cmp_key *k, int tonic, cz_mode mode, int flats);
/* Parse one token ("V7/vi", "bVII", "ii^1"); 0 or -1. */
int cmp_rn_parse(const char *tok, cmp_rn *out);
int cmp_rn_root(const cmp_key *k, const cmp_rn *rn);
uint16_t cmp_rn_tones(const cmp_key *k, const cmp_rn *rn);
int cmp_rn_bass(const cmp_key *k, const cmp_rn *rn);
int cmp_quality_ntones(cmp_quality q);
const int *cmp_quality_intervals(cmp_quality q);
int cmp_quality_is_minor(cmp_quality q);
/* Seventh / ninth upgrades that stay in the key where the chord is
 * diatonic; 0 when done, -1 when the chord cannot take one. */
int cmp_rn_add_seventh(const cmp_key *k, cmp_rn *rn);
int cmp_rn_add_ninth(const cmp_key *k, cmp_rn *rn);
/* Symbol ("Am7", "G/B") and roman ("vi7", "V7/V", "bVII"). */
void cmp_rn_symbol(const cmp_key *k, const cmp_rn *rn, char *buf, size_t n);
void cmp_rn_roman(const cmp_rn *rn, char *buf, size_t n);
const char *cmp_pc_name(int pc, int flats);

/* ---- the song being built --------------------------------------------------- */

typedef struct cmp_chord {
    uint32_t tick, len;
    int section;
    int root, bass;       /* pitch classes */
    uint16_t tones;
    cmp_quality qual;
    cmp_rn rn;
    int voice_pcs[4];     /* the four pitch classes the chords track voices */
    char symbol[16], roman[12];
} cmp_chord;

typedef struct cmp_sec {
    char name[24];
    cmp_kind kind;
    uint32_t start_bar, bars;
    float energy;
    uint32_t tick, end;   /* absolute ticks */
    int full_cadence;     /* ends on the tonic */
    int chord0, n_chords; /* its chords in song.ch */
} cmp_sec;

typedef struct cmp_song {
    const cmp_spec *spec;
    const cmp_opts *opt;
    cmp_key key;
    cmp_meter m;
    int n_sec;
    cmp_sec sec[CMP_MAX_SECTIONS];
    cmp_chord *ch;
    int n_ch, cap_ch;
    uint64_t seed;
} cmp_song;

/* Per-section random stream: "composition.<what>:<section name>". */
void cmp_rng_for(cz_rng *r, const cmp_song *s, const char *what, int section);

int cmp_harmony(cmp_song *s, cz_error *err);
int cmp_chords_track(const cmp_song *s, cz_track *t, cz_error *err);
int cmp_bass_track(const cmp_song *s, cz_track *t, cz_error *err);
int cmp_melody_track(const cmp_song *s, cz_track *t, cz_error *err);

/* The chord sounding at tick (binary search), or NULL. */
const cmp_chord *cmp_chord_at(const cmp_song *s, uint32_t tick);

/* Nearest pitch to target in [lo, hi] whose class is in mask; ties go in
 * direction dir (>0 up). -1 when none. */
int cmp_nearest(int target, uint16_t mask, int lo, int hi, int dir);

static inline int cmp_pc(int p)
{
    return ((p % 12) + 12) % 12;
}
static inline int cmp_in(uint16_t mask, int p)
{
    return (mask >> cmp_pc(p)) & 1;
}
static inline int cmp_clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}
static inline double cmp_clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

#endif
