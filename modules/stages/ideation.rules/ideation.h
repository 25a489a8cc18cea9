/*
 * ideation.h - internals of the ideation.rules stage (not part of the SDK).
 *
 * How a prompt becomes a song spec, in four steps (one file each):
 *
 *   1. parse.c   prompt -> "stated" facts, each with source "prompt"
 *                (text.c splits the prompt into tokens, lexicon.c knows the
 *                words, keys.c and numbers.c read keys, tempos, lengths and
 *                meters, negate.c marks what the prompt says "no" to)
 *   2. merge.c   the enrichment seam: a JSON object of fields proposed by a
 *                model is validated and merged with source "model" under
 *                "prompt wins over model wins over rules"; llm.c gets that
 *                object from a language model through the job's router
 *                (option llm), or the option model_proposal replays one
 *   3. infer.c   rules fill every field nobody stated (genre, mood, tempo,
 *                key, ...), band.c builds the instruments, form.c the form,
 *                title.c the title and caption; choices among plausible
 *                options draw from cz_rng streams of the job seed
 *   4. spec.c    build ideation.spec and ideation.trace
 *
 * Every decision is one trace step (trace.c): the field, where the value
 * came from (prompt|model|rules|default), the value and a sentence saying
 * why. The tables (genres.c, moods.c, instruments.c, lexicon.c) are const.
 */
#ifndef IDEATION_H
#define IDEATION_H

#include <stddef.h>
#include <stdint.h>

#include <cadenza/cadenza.h>

/* ---- sources: higher wins ------------------------------------------------ */

typedef enum id_src {
    ID_SRC_NONE = 0, /* not decided yet */
    ID_SRC_DEFAULT,  /* a neutral default (enhance off, nothing to go on) */
    ID_SRC_RULES,    /* inferred by this module's rules */
    ID_SRC_MODEL,    /* proposed by a model through the merge seam */
    ID_SRC_PROMPT    /* stated in the prompt */
} id_src;

const char *id_src_name(id_src s);

/* ---- the trace ------------------------------------------------------------ */

#define ID_TRACE_MAX 400 /* steps kept; later ones are counted, not kept */

typedef struct id_trace {
    json_t *steps; /* array of {step, field, source, value, why} */
    int n;
    int dropped;
} id_trace;

int id_trace_init(id_trace *t);
void id_trace_free(id_trace *t);
/* Append a step. Takes over `value` (NULL means JSON null). */
void id_trace_add(id_trace *t, const char *field, id_src src, json_t *value,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Close the trace: one last step counting dropped steps, if any. */
void id_trace_finish(id_trace *t);

/* ---- text: tokens ------------------------------------------------------- */

#define ID_TOK_BREAK 0x01u  /* punctuation or a line break before it */
#define ID_TOK_UPPER 0x02u  /* began with an ASCII capital in the prompt */
#define ID_TOK_EMOJI 0x04u  /* made from an emoji (no words of its own) */
#define ID_TOK_NEG 0x08u    /* inside the scope of a negation */
#define ID_TOK_USED 0x10u   /* read by an extractor */
#define ID_TOK_ASCII 0x20u  /* only ASCII letters and digits */
#define ID_TOK_NUM 0x40u    /* begins with a digit */
#define ID_TOK_SOFT 0x80u   /* read as a mood, use or other descriptive word:
                               still fine inside a title */

typedef struct id_tok {
    const char *s;  /* normalised: ASCII lower-cased, Latin-1 accents
                       folded, apostrophes dropped; other UTF-8 kept whole */
    size_t off, len; /* the bytes of the prompt it came from */
    unsigned flags;
} id_tok;

typedef struct id_text {
    const char *src;  /* the prompt (borrowed) */
    size_t src_len;   /* bytes parsed (after max_prompt_bytes) */
    char *buf;        /* token strings, NUL-separated */
    size_t buf_len, buf_cap;
    id_tok *tok;
    size_t n, cap;
    size_t invalid;   /* invalid UTF-8 bytes skipped */
    size_t emoji;     /* emoji read as words */
} id_text;

/* Split prompt[0..len) into tokens; never splits a UTF-8 sequence. */
int id_text_split(id_text *t, const char *prompt, size_t len);
void id_text_free(id_text *t);

/* A copy of s[0..len) that is valid UTF-8: invalid bytes become U+FFFD.
 * NULL when out of memory. */
char *id_utf8_clean(const char *s, size_t len);
/* Length of the longest prefix of s[0..len) that ends on a character
 * boundary and is at most cap bytes. */
size_t id_utf8_prefix(const char *s, size_t len, size_t cap);
/* Copy at most cap-1 bytes of s[0..len) on a character boundary. */
void id_copy(char *dst, size_t cap, const char *s, size_t len);
/* The prompt text of tokens [i, j) as written, spaces collapsed,
 * invalid bytes dropped, cut on a character boundary to fit cap. */
void id_text_span(const id_text *t, size_t i, size_t j, char *out, size_t cap);
/* Lower-case the ASCII letters of s in place. */
void id_ascii_lower(char *s);
/* The tokens [i, j) joined by spaces (normalised form). */
void id_text_words(const id_text *t, size_t i, size_t j, char *out, size_t cap);

/* ---- instruments -------------------------------------------------------- */

/* Families: what a generic negation ("no guitar", "no synths") removes. */
#define ID_F_PIANO 0x0001u
#define ID_F_KEYS 0x0002u
#define ID_F_GUITAR 0x0004u
#define ID_F_BASS 0x0008u
#define ID_F_STRINGS 0x0010u
#define ID_F_BRASS 0x0020u
#define ID_F_WIND 0x0040u
#define ID_F_SYNTH 0x0080u
#define ID_F_DRUMS 0x0100u
#define ID_F_PERC 0x0200u
#define ID_F_MALLET 0x0400u
#define ID_F_VOICE 0x0800u
#define ID_F_PLUCKED 0x1000u
#define ID_F_FX 0x2000u
#define ID_F_ORGAN 0x4000u
#define ID_F_SAX 0x8000u

enum {
    I_NONE = 0,
    I_PIANO, I_EPIANO, I_FM_EPIANO, I_HARPSICHORD, I_CLAV, I_CELESTA, I_GLOCK,
    I_MUSIC_BOX, I_VIBES, I_MARIMBA, I_XYLOPHONE, I_BELLS, I_ORGAN,
    I_ROCK_ORGAN, I_CHURCH_ORGAN, I_ACCORDION, I_HARMONICA,
    I_NYLON_GTR, I_ACOUSTIC_GTR, I_JAZZ_GTR, I_CLEAN_GTR, I_MUTED_GTR,
    I_OD_GTR, I_DIST_GTR, I_LEAD_GTR, I_UKULELE, I_MANDOLIN, I_STEEL_GTR,
    I_UPRIGHT_BASS, I_BASS, I_PICK_BASS, I_FRETLESS, I_SLAP_BASS,
    I_SYNTH_BASS, I_808, I_ACID_BASS, I_REESE, I_WOBBLE,
    I_VIOLIN, I_VIOLA, I_CELLO, I_CONTRABASS, I_TREMOLO_STR, I_PIZZ, I_HARP,
    I_TIMPANI, I_STRINGS, I_SYNTH_STRINGS, I_CHOIR, I_OOHS, I_VOX_CHOPS,
    I_ORCH_HIT,
    I_TRUMPET, I_TROMBONE, I_TUBA, I_MUTED_TRUMPET, I_FRENCH_HORN, I_BRASS,
    I_SYNTH_BRASS,
    I_SOPRANO_SAX, I_SAX, I_TENOR_SAX, I_BARI_SAX, I_OBOE, I_BASSOON,
    I_CLARINET, I_PICCOLO, I_FLUTE, I_RECORDER, I_PAN_FLUTE, I_SHAKUHACHI,
    I_WHISTLE, I_OCARINA,
    I_SQUARE_LEAD, I_SAW_LEAD, I_SUPERSAW, I_ARP_SYNTH, I_PLUCK, I_POLYSYNTH,
    I_WARM_PAD, I_NEWAGE_PAD, I_HALO_PAD, I_SWEEP_PAD, I_ATMOSPHERE, I_SCIFI,
    I_RISER, I_RAIN, I_OCEAN, I_BIRDS,
    I_SITAR, I_BANJO, I_SHAMISEN, I_KOTO, I_KALIMBA, I_BAGPIPE, I_FIDDLE,
    I_STEEL_DRUMS, I_TAIKO,
    I_DRUM_KIT, I_ROOM_KIT, I_POWER_KIT, I_ELEC_KIT, I_808_KIT, I_JAZZ_KIT,
    I_BRUSH_KIT, I_ORCH_KIT, I_CHIP_KIT, I_LOFI_KIT,
    I_PERC, I_SHAKER, I_CONGAS, I_TAMBOURINE, I_CLAPS,
    I_COUNT
};

typedef struct id_inst {
    const char *name;     /* what the spec calls it */
    uint8_t program;      /* GM program 0..127; for drums/perc the GM kit */
    uint8_t roles[3];     /* roles it fits, best first (0 ends) */
    uint16_t family;      /* ID_F_* */
} id_inst;

extern const id_inst id_instruments[I_COUNT];

/* cz_role_name()'s names ("drums", "perc", ...), kept here so the module
 * needs nothing from the host to name a role; "other" for unknown. */
const char *id_role_name(int role);

/* ---- genres, moods, uses ------------------------------------------------ */

enum {
    G_POP, G_ROCK, G_METAL, G_COUNTRY, G_FOLK, G_BLUES, G_JAZZ, G_FUNK,
    G_REGGAE, G_SYNTHWAVE, G_LOFI, G_HIPHOP, G_TRAP, G_HOUSE, G_TECHNO,
    G_TRANCE, G_EDM, G_DNB, G_DUBSTEP, G_AMBIENT, G_CINEMATIC, G_CLASSICAL,
    G_LATIN, G_RNB, G_DISCO, G_CHIPTUNE, G_ELECTRONIC,
    G_COUNT
};

typedef struct id_slot {
    uint8_t role;     /* cz_role */
    uint8_t chance;   /* percent: 100 = always (a role the genre needs) */
    uint8_t inst[3];  /* alternatives, weighted 3:2:1 (I_NONE ends) */
} id_slot;

#define ID_GENRE_SLOTS 9

typedef struct id_genre {
    const char *id;        /* canonical id written to the spec */
    const char *name;      /* for captions and the trace */
    uint8_t bpm_lo, bpm_hi;
    uint8_t energy;        /* percent */
    uint8_t swing_lo, swing_hi; /* percent */
    uint8_t modes[4][2];   /* {cz_mode, weight}; weight 0 ends */
    uint8_t tonic_w[12];   /* weight of each tonic, C..B */
    uint8_t meters[3][3];  /* {num, den, weight}; weight 0 ends */
    uint16_t dur_lo, dur_hi; /* seconds */
    id_slot band[ID_GENRE_SLOTS]; /* chance 0 ends */
    const char *forms[3];  /* section names separated by spaces */
    uint8_t guitar;        /* the guitar a prompt's plain "guitar" means */
    uint8_t synth;         /* the synth a prompt's plain "synth" means */
    uint8_t moods[2];      /* default moods + 1 (0 = none) */
    const char *nouns;     /* title nouns, '|'-separated */
} id_genre;

extern const id_genre id_genres[G_COUNT];

enum {
    M_HAPPY, M_SAD, M_DARK, M_EPIC, M_CHILL, M_ROMANTIC, M_TENSE,
    M_AGGRESSIVE, M_DREAMY, M_NOSTALGIC, M_HOPEFUL, M_MYSTERIOUS,
    M_ENERGETIC, M_GROOVY, M_PLAYFUL, M_PEACEFUL,
    M_COUNT
};

typedef struct id_mood {
    const char *id;
    int8_t valence;      /* -2 minor .. +2 major */
    uint8_t energy;      /* percent */
    uint8_t tempo_pos;   /* where in a genre's tempo range, percent */
    uint8_t genres[3];   /* genre + 1, best first (0 = none) */
    const char *adjs;    /* title adjectives, '|'-separated */
} id_mood;

extern const id_mood id_moods[M_COUNT];

enum {
    U_STUDY, U_WORKOUT, U_SLEEP, U_MEDITATION, U_BOSS_FIGHT, U_GAME,
    U_DRIVING, U_PARTY, U_CAFE, U_TRAILER, U_FILM, U_ADVERT, U_INTRO,
    U_BACKGROUND, U_HOLIDAY, U_WEDDING, U_RUNNING,
    U_COUNT
};

typedef struct id_use {
    const char *id;
    uint8_t energy;      /* percent, 0 = no opinion */
    uint8_t tempo_pos;   /* percent, 255 = no opinion */
    uint8_t mood;        /* mood + 1 it implies (0 = none) */
    uint8_t genres[3];   /* genre + 1, best first */
    uint16_t dur_lo, dur_hi; /* seconds, 0 = the genre's */
    const char *nouns;   /* title nouns */
} id_use;

extern const id_use id_uses[U_COUNT];

/* Genre by canonical id or any lexicon alias ("drum n bass"); -1. */
int id_genre_find(const char *name);
int id_mood_find(const char *name);

/* ---- the lexicon ------------------------------------------------------- */

enum {
    K_NONE = 0,
    K_GENRE,   /* id genre; sub = subgenre or NULL; a..b bpm override */
    K_MOOD,    /* id mood */
    K_INSTR,   /* id instrument; a = 1 when generic (negation removes the
                  whole family) */
    K_ROLE,    /* id = role bits a negation removes; a = role a plain
                  mention asks for; b = its default instrument */
    K_PART,    /* a part we cannot play or remove alone (vocals, hi-hats):
                  negated, it goes to exclude as written; sub = text */
    K_USE,     /* id use */
    K_TEMPO,   /* id ID_TW_*; a = bpm for ID_TW_ABS */
    K_ENERGY,  /* a = energy percent */
    K_LENGTH,  /* a = seconds */
    K_METER,   /* a/b */
    K_SWING,   /* a = swing percent */
    K_MODE,    /* id cz_mode; a = 1 when it needs context (major/minor) */
    K_NEG,     /* a negator: no, without, ... */
    K_FILLER,  /* skipped inside a negation: a, any, the, too, ... */
    K_ERA,     /* sub = era text ("80s") */
    K_COUNT_
};

enum { ID_TW_VSLOW = 1, ID_TW_SLOW, ID_TW_MODERATE, ID_TW_FAST, ID_TW_VFAST,
       ID_TW_HALF, ID_TW_DOUBLE, ID_TW_ABS };

typedef struct id_lex {
    const char *phrase; /* normalised words separated by single spaces */
    uint8_t kind;       /* K_* */
    uint16_t id;
    int32_t a, b;
    const char *sub;
} id_lex;

/* The longest lexicon phrase at token i; tokens matched in *ntok. A final
 * word also matches its plural ("guitars"). NULL when none. */
const id_lex *id_lex_match(const id_text *t, size_t i, size_t *ntok);
/* Tokens of a filler phrase ("a", "any kind of") at i, or 0. */
size_t id_lex_filler(const id_text *t, size_t i);
/* The entry for one word, exactly (used for "drumless" stems). */
const id_lex *id_lex_word(const char *w);
/* A close misspelling of a genre or instrument word (edit distance 1, or 2
 * for long words); NULL when none. */
const id_lex *id_lex_fuzzy(const char *w);
/* Name of an entry for the trace: its phrase. */
int id_word_in(const char *w, const char *const *list);

/* ---- facts: what is known about the song, with provenance --------------- */

#define ID_MAX_MOODS 4
#define ID_MAX_REQ 12
#define ID_MAX_EXCL 12
#define ID_MAX_BAND 12
#define ID_MAX_FORM 24
#define ID_NAME 32
#define ID_SAID 48

typedef struct id_member {
    char name[ID_NAME];
    int role;       /* cz_role */
    int program;    /* 0..127 */
    int inst;       /* I_* or I_NONE for a name only a model gave */
    id_src src;
    unsigned family;  /* a generic request ("guitar"): any of this family */
    char said[ID_NAME]; /* the prompt's words for a request */
} id_member;

typedef struct id_excl {
    char text[ID_NAME]; /* as written, normalised ("drums", "piano") */
    unsigned roles;     /* role bits (1u << cz_role) removed */
    unsigned family;    /* ID_F_* removed */
    int inst;           /* one instrument removed, or I_NONE */
    id_src src;
} id_excl;

/* A scalar the prompt may state several times: kept with the words. */
typedef struct id_said {
    int n;               /* statements read */
    char first[ID_SAID]; /* the words of the first and last one */
    char last[ID_SAID];
} id_said;

typedef struct id_facts {
    int genre;                 /* G_* or -1 */
    id_src genre_src;
    id_said genre_said;
    char subgenre[48];
    id_src subgenre_src;
    int sub_bpm_lo, sub_bpm_hi; /* a subgenre's tempo range, 0 if none */
    unsigned banned_genres;    /* negated genres: never inferred */
    char others[96];           /* other genres mentioned, for the trace */
    char era[12];

    int moods[ID_MAX_MOODS];
    int n_moods;
    id_src mood_src;
    unsigned negated_moods;

    double energy;
    id_src energy_src;
    id_said energy_said;

    double tempo;              /* bpm once decided */
    id_src tempo_src;
    id_said tempo_said;        /* numbers */
    int tempo_word;            /* ID_TW_* the prompt used, 0 none */
    int tempo_word_bpm;        /* for ID_TW_ABS */
    id_said tempo_word_said;

    int tonic;                 /* 0..11 or -1 */
    char key[4];               /* spelled */
    id_src key_src;
    id_said key_said;
    int mode;                  /* cz_mode or -1 */
    id_src mode_src;
    id_said mode_said;

    int meter_num, meter_den;
    id_src meter_src;
    id_said meter_said;

    double duration;           /* seconds */
    id_src duration_src;
    id_said duration_said;
    int duration_bars;         /* "32 bars": converted once tempo is known */
    int length_word;           /* seconds from "short"/"long", 0 none */
    id_said length_said;

    double swing;
    id_src swing_src;
    id_said swing_said;

    int use;                   /* U_* or -1 */
    id_src use_src;
    id_said use_said;

    char title[64];
    id_src title_src;
    char caption[256];

    char form[ID_MAX_FORM][24];
    int n_form;
    id_src form_src;

    id_member req[ID_MAX_REQ]; /* instruments the prompt asked for */
    int n_req;
    unsigned req_roles;        /* roles asked for by a role word */
    int req_role_inst[CZ_ROLE_COUNT]; /* default instrument per role word */
    id_excl excl[ID_MAX_EXCL];
    int n_excl;
    int vocals;                /* +1 asked for, -1 negated, 0 unsaid */

    id_member band[ID_MAX_BAND]; /* the band: base, then requests applied */
    int n_band;
    id_src band_src;           /* where the base band came from */
    int band_prompt;           /* the prompt changed the band */

    int empty;                 /* the prompt had no words */
    int read_words;            /* words the parser understood */
} id_facts;

void id_facts_init(id_facts *f);

/* Note one statement of a scalar: n++, first/last words. */
void id_said_note(id_said *s, const char *words);

/* ---- the steps ---------------------------------------------------------- */

typedef struct id_opts {
    int enhance;
    int default_duration_s; /* 0 = infer */
    int max_duration_s;
    int min_duration_s;
    int default_genre;      /* G_* or -1 for auto */
    size_t max_prompt_bytes;
    int write_spec_file;
    json_t *model_proposal; /* owned; NULL or an object */
    int llm;                /* ID_LLM_* */
    int llm_max_tokens;     /* the request's max_tokens */
    char *llm_system;       /* owned: the request's system text */
} id_opts;

enum { ID_LLM_OFF = 0, ID_LLM_AUTO };

/* 1. Read the prompt's tokens into stated facts (trace steps, source
 * "prompt"). Never fails but for ENOMEM. */
int id_parse(id_text *t, id_facts *f, id_trace *tr, const id_opts *o);
/* parse helpers (keys.c, numbers.c, negate.c) */
size_t id_parse_key(const id_text *t, size_t i, id_facts *f);
size_t id_parse_mode_word(const id_text *t, size_t i, const id_lex *e,
                          id_facts *f);
size_t id_parse_number(const id_text *t, size_t i, id_facts *f, id_trace *tr,
                       int *ignored);
void id_mark_negations(id_text *t);
int id_note_parse(const char *w, int *pc, char name[4], const char **rest);
void id_key_spell(int pc, int mode, char out[4]);
void id_set_mode(id_facts *f, int mode, const char *said);
const char *id_mode_name(int mode);   /* the contract's names: "minor" */
const char *id_mode_words(int mode);  /* for captions: "harmonic minor" */
int id_mode_find(const char *name);   /* any mode word; -1 */

/* 2. The seam for a model's proposal. Validates each field; wrong types
 * and out-of-range values are dropped with a trace step. Fields the prompt
 * stated keep the prompt's value (traced). Returns the number of fields
 * taken. */
int id_merge_model(id_facts *f, const json_t *proposal, id_trace *tr);

/* 2b. Ask a language model through the job's router (llm.c). */
typedef struct id_llm_result {
    int asked;         /* a request went to the router */
    int answered;      /* a provider answered with a JSON object */
    int taken;         /* fields merged from that answer */
    char provider[32]; /* who answered ("" when nobody) */
} id_llm_result;

/* The system text of the request (malloc'ed), written from this module's
 * own tables so the model answers in the vocabulary later stages know. */
char *id_llm_system(void);
/* Send `prompt` (valid UTF-8) as one chat request and merge the answer's
 * JSON object with id_merge_model(). Every failure (no provider reached,
 * no JSON object) leaves the facts as they were, with trace steps saying
 * why, and returns 0; only CZ_ECANCELED (the job was cancelled) and
 * CZ_ENOMEM come back as errors. */
int id_llm_enrich(cz_job *job, const char *prompt, const id_opts *o, id_facts *f,
                  id_trace *tr, id_llm_result *res, cz_error *err);

/* 3. Rules fill the rest (or neutral defaults when enhance is off). */
int id_infer(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed);
void id_band_build(id_facts *f, id_trace *tr, const id_opts *o,
                   uint64_t seed);
void id_form_build(id_facts *f, id_trace *tr, const id_opts *o,
                   uint64_t seed);
void id_title_build(id_facts *f, const id_text *t, id_trace *tr,
                    const id_opts *o, uint64_t seed);
void id_caption_build(id_facts *f);

/* 4. The spec object (new reference) from decided facts. */
json_t *id_spec_build(const id_facts *f, const char *prompt_clean);

/* Small helpers */
double id_clampd(double v, double lo, double hi);
uint32_t id_pick_weighted(cz_rng *r, const uint8_t *w, uint32_t n);
/* Index of name among the '|'-separated words of list, drawn by rng:
 * copies the word to out. */
void id_pick_word(cz_rng *r, const char *list, char *out, size_t cap);

#endif
