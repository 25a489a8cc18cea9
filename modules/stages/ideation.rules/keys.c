/*
 * keys.c - reading a key and mode from the prompt, and spelling tonics.
 *
 * A note is a letter a..g with an optional accidental written '#', 'b',
 * U+266F or U+266D (text.c folds those two into '#'/'b') or as the word
 * "sharp"/"flat" ("F sharp minor", "E-flat major"). It is a key when:
 *
 *   - a mode follows: "A minor", "Eb major", "D dorian", "c# harmonic minor"
 *   - it carries its mode: "F#m", "Bbmaj" anywhere; "Am", "Dm" after "in"
 *     or "key", or capitalised ("Dm"; "Am" only with "in"/"key" because of
 *     "I am")
 *   - it follows "in" or "key (of)": "in G", "key of Bb", "key: D"
 *
 * The letter "a" is usually an article: "in a minor key" is a mode without
 * a tonic; "in A minor" or "in a minor" (end of phrase) is A minor; "a minor
 * song" without "in"/"key" before it is the article. Lone "major"/"minor"
 * count as a mode only with "in", "a", "the" before them or "key", "mode",
 * "scale", "chords", ... after them ("a major label" is not a key).
 */
#include <string.h>

#include "ideation.h"

static const char *const sharp_names[12] = {"C", "C#", "D", "D#", "E", "F",
                                            "F#", "G", "G#", "A", "A#", "B"};
static const char *const flat_names[12] = {"C", "Db", "D", "Eb", "E", "F",
                                           "Gb", "G", "Ab", "A", "Bb", "B"};

int id_note_parse(const char *w, int *pc, char name[4], const char **rest)
{
    static const int base[7] = {9, 11, 0, 2, 4, 5, 7}; /* a..g */
    if (w[0] < 'a' || w[0] > 'g')
        return 0;
    int p = base[w[0] - 'a'];
    int k = 0;
    name[k++] = (char)(w[0] - 'a' + 'A');
    const char *r = w + 1;
    if (*r == '#') {
        p++;
        name[k++] = '#';
        r++;
    } else if (*r == 'b') {
        p--;
        name[k++] = 'b';
        r++;
    }
    name[k] = 0;
    *pc = (p + 12) % 12;
    *rest = r;
    return 1;
}

/* Steps from a mode's tonic up to the tonic of its parent major scale. */
static int parent_offset(int mode)
{
    switch (mode) {
    case CZ_MODE_DORIAN: return 10;
    case CZ_MODE_PHRYGIAN: return 8;
    case CZ_MODE_LYDIAN: return 7;
    case CZ_MODE_MIXOLYDIAN: return 5;
    case CZ_MODE_AEOLIAN:
    case CZ_MODE_HARMONIC_MINOR:
    case CZ_MODE_MELODIC_MINOR: return 3;
    case CZ_MODE_LOCRIAN: return 1;
    default: return 0;
    }
}

void id_key_spell(int pc, int mode, char out[4])
{
    int parent = (pc + parent_offset(mode)) % 12;
    /* parent majors written with flats: F Bb Eb Ab Db, and Gb for the
     * minor-side modes (Eb minor rather than D# minor) */
    int minorish = mode == CZ_MODE_AEOLIAN || mode == CZ_MODE_DORIAN ||
                   mode == CZ_MODE_PHRYGIAN || mode == CZ_MODE_LOCRIAN ||
                   mode == CZ_MODE_HARMONIC_MINOR || mode == CZ_MODE_MELODIC_MINOR;
    int flats = parent == 5 || parent == 10 || parent == 3 || parent == 8 ||
                parent == 1 || (parent == 6 && minorish);
    const char *n = (flats ? flat_names : sharp_names)[pc % 12];
    strcpy(out, n);
}

void id_set_mode(id_facts *f, int mode, const char *said)
{
    f->mode = mode;
    f->mode_src = ID_SRC_PROMPT;
    id_said_note(&f->mode_said, said);
}

static const char *const key_nouns[] = {
    "key", "mode", "scale", "tonality", "feel", "vibe", "sound", "chord",
    "chords", "progression", "progressions", "tone", "melody", "melodies",
    "song", "songs", "track", "tune", "piece", "mood", "theme", "ballad",
    "keys", "riff", "groove", "harmony", "sounding", NULL,
};

static const char *const end_words[] = {
    "with", "and", "at", "for", "please", "using", "featuring", "but", "that",
    "so", "then", "maybe", "or", "about", "like", "to", NULL,
};

static const char *tok_s(const id_text *t, size_t i)
{
    return i < t->n ? t->tok[i].s : "";
}

/* The word before token i ("" across punctuation). */
static const char *prev_word(const id_text *t, size_t i)
{
    if (i == 0 || (t->tok[i].flags & ID_TOK_BREAK))
        return "";
    return t->tok[i - 1].s;
}

/* "in", "key", "key of", "tonic", "key:" before token i. */
static int key_context(const id_text *t, size_t i, int *after_key)
{
    *after_key = 0;
    if (i == 0)
        return 0;
    const char *p = t->tok[i - 1].s;
    if (!strcmp(p, "key") || !strcmp(p, "tonality") || !strcmp(p, "tonic")) {
        *after_key = 1;
        return 1;
    }
    if (t->tok[i].flags & ID_TOK_BREAK)
        return 0;
    if (!strcmp(p, "of") && i >= 2 &&
        (!strcmp(t->tok[i - 2].s, "key") || !strcmp(t->tok[i - 2].s, "keys"))) {
        *after_key = 1;
        return 1;
    }
    return !strcmp(p, "in") || !strcmp(p, "into");
}

static int followed_by_end(const id_text *t, size_t j)
{
    return j >= t->n || (t->tok[j].flags & ID_TOK_BREAK) ||
           id_word_in(t->tok[j].s, end_words);
}

size_t id_parse_key(const id_text *t, size_t i, id_facts *f)
{
    const id_tok *k = &t->tok[i];
    int pc;
    char name[4];
    const char *rest;
    if (!(k->flags & ID_TOK_ASCII) || (k->flags & ID_TOK_EMOJI) ||
        !id_note_parse(k->s, &pc, name, &rest))
        return 0;
    int inline_mode = -1;
    if (*rest) {
        if (!strcmp(rest, "m") || !strcmp(rest, "min") || !strcmp(rest, "minor"))
            inline_mode = CZ_MODE_AEOLIAN;
        else if (!strcmp(rest, "maj") || !strcmp(rest, "major"))
            inline_mode = CZ_MODE_IONIAN;
        else
            return 0;
    }
    size_t j = i + 1;
    int has_acc = name[1] != 0;
    if (!has_acc && !*rest && j < t->n && !(t->tok[j].flags & ID_TOK_BREAK)) {
        if (!strcmp(t->tok[j].s, "sharp")) {
            pc = (pc + 1) % 12, name[1] = '#', name[2] = 0, has_acc = 1, j++;
        } else if (!strcmp(t->tok[j].s, "flat")) {
            pc = (pc + 11) % 12, name[1] = 'b', name[2] = 0, has_acc = 1, j++;
        }
    }
    int mode = inline_mode;
    size_t end = j;
    if (mode < 0 && j < t->n && !(t->tok[j].flags & ID_TOK_BREAK)) {
        size_t mn = 0;
        const id_lex *e = id_lex_match(t, j, &mn);
        if (e && e->kind == K_MODE) {
            mode = e->id;
            end = j + mn;
        }
    }
    int after_key;
    int ctx = key_context(t, i, &after_key);
    int upper = (k->flags & ID_TOK_UPPER) != 0;
    int bare_a = k->s[0] == 'a' && !has_acc && !*rest;

    if (inline_mode >= 0) {
        /* "F#m" anywhere; "Dm" capitalised; "am"/"dm" only after in/key or
         * before "key", "chords", ... ("Am key", "dm chords") */
        int noun_after = j < t->n && !(t->tok[j].flags & ID_TOK_BREAK) &&
                         id_word_in(t->tok[j].s, key_nouns);
        if (!ctx && !has_acc && !noun_after && !(upper && strcmp(k->s, "am")))
            return 0;
    } else if (mode >= 0) {
        if (bare_a && !upper) {
            if (!ctx || id_word_in(tok_s(t, end), key_nouns))
                return 0;
        }
    } else {
        if (!ctx)
            return 0;
        if (!after_key) {
            if (bare_a && !upper)
                return 0;
            if (!upper && !has_acc && !followed_by_end(t, j))
                return 0;
            /* Title Case prompts: "In A World Of Neon" is not in A */
            if (bare_a && j < t->n && !(t->tok[j].flags & ID_TOK_BREAK) &&
                (t->tok[j].flags & ID_TOK_UPPER) && !followed_by_end(t, j))
                return 0;
        }
    }

    char said[ID_SAID];
    size_t from = ctx && !after_key && i > 0 ? i - 1 : i;
    id_text_span(t, from, end, said, sizeof said);
    /* E#, B#, Cb, Fb are respelled; everything else keeps the user's
     * spelling (F# stays F#, Gb stays Gb) */
    if (!strcmp(name, "E#") || !strcmp(name, "B#") || !strcmp(name, "Cb") ||
        !strcmp(name, "Fb"))
        strcpy(name, sharp_names[pc]);
    f->tonic = pc;
    strcpy(f->key, name);
    f->key_src = ID_SRC_PROMPT;
    id_said_note(&f->key_said, said);
    if (mode >= 0)
        id_set_mode(f, mode, said);
    return end - i;
}

size_t id_parse_mode_word(const id_text *t, size_t i, const id_lex *e,
                          id_facts *f)
{
    size_t n = 0;
    id_lex_match(t, i, &n);
    if (e->a == 2)
        return 0; /* "maj"/"min" mean nothing without a note */
    if (e->a == 1) {
        /* "in minor", "minor key", "a minor song", "...in a major." */
        const char *p = prev_word(t, i);
        int next_noun = i + n < t->n && !(t->tok[i + n].flags & ID_TOK_BREAK) &&
                        id_word_in(t->tok[i + n].s, key_nouns);
        int at_end = i + n >= t->n || (t->tok[i + n].flags & ID_TOK_BREAK);
        int ok = !strcmp(p, "in") || next_noun ||
                 ((!strcmp(p, "a") || !strcmp(p, "the")) && at_end);
        if (!ok)
            return 0;
    }
    char said[ID_SAID];
    size_t from = i;
    const char *p = prev_word(t, i);
    if (!strcmp(p, "in") || !strcmp(p, "a"))
        from = i - 1;
    size_t to = i + n;
    if (to < t->n && !(t->tok[to].flags & ID_TOK_BREAK) &&
        (!strcmp(t->tok[to].s, "key") || !strcmp(t->tok[to].s, "mode") ||
         !strcmp(t->tok[to].s, "scale") || !strcmp(t->tok[to].s, "tonality")))
        to++;
    id_text_span(t, from, to, said, sizeof said);
    id_set_mode(f, e->id, said);
    return to - i;
}

const char *id_mode_name(int mode)
{
    static const char *const names[] = {"major", "dorian", "phrygian", "lydian",
                                        "mixolydian", "minor", "locrian",
                                        "harmonic_minor", "melodic_minor"};
    return mode >= 0 && mode <= 8 ? names[mode] : "major";
}

/* For captions: "harmonic minor" rather than "harmonic_minor". */
const char *id_mode_words(int mode)
{
    switch (mode) {
    case CZ_MODE_HARMONIC_MINOR: return "harmonic minor";
    case CZ_MODE_MELODIC_MINOR: return "melodic minor";
    default: return id_mode_name(mode);
    }
}

int id_mode_find(const char *name)
{
    if (!name)
        return -1;
    for (int m = 0; m <= 8; m++)
        if (!strcmp(name, id_mode_name(m)))
            return m;
    id_text t;
    if (id_text_split(&t, name, strlen(name)))
        return -1;
    int m = -1;
    size_t n = 0;
    const id_lex *e = t.n ? id_lex_match(&t, 0, &n) : NULL;
    if (e && e->kind == K_MODE && n == t.n)
        m = e->id;
    id_text_free(&t);
    return m;
}
