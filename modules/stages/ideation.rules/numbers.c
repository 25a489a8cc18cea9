/*
 * numbers.c - which numbers in a prompt are tempos, lengths or meters.
 *
 * A number means something only with a unit or a cue word next to it:
 *
 *   tempo     "92 bpm", "92bpm", "90-100 bpm" (the middle), "100 to 110 bpm",
 *             "tempo 92", "bpm: 92", "at 128" (40..300, end of phrase)
 *   length    "2 minutes", "90 seconds", "90 s", "120s", "3:30", "2m30s",
 *             "2.5 min", "2 and a half minutes", "a minute and a half",
 *             "half a minute", "an hour", "32 bars" (converted once the
 *             tempo is known); number words one..ninety work too
 *   meter     "3/4", "6/8", "in 7/8", "3-4 time", "5 beats per bar"
 *   energy    "energy 0.8", "energy 8", "energy: 80", "8/10 energy"
 *   era       "80s", "90's", "1990s" are decades, not lengths, unless a
 *             length cue is next to them ("90s long", "for 90s")
 *
 * Every other number ("3 friends", "top 10", "24/7", "2024") is ignored,
 * and the first few ignored ones get a trace step saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ideation.h"

enum { P_PLAIN, P_RANGE, P_FRAC, P_CLOCK, P_SECONDS, P_BAD };
enum { UN_NONE, UN_BPM, UN_MIN, UN_SEC, UN_HOUR, UN_BARS, UN_OTHER };

typedef struct pnum {
    int kind;
    double v, v2;
    char unit[16];
} pnum;

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }

static double read_digits(const char **pp)
{
    const char *p = *pp;
    double v = 0;
    while (is_digit(*p))
        v = v * 10 + (*p++ - '0');
    if (*p == '.' && is_digit(p[1])) {
        double scale = 0.1;
        p++;
        while (is_digit(*p)) {
            v += (*p++ - '0') * scale;
            scale *= 0.1;
        }
    }
    *pp = p;
    return v;
}

static int unit_class(const char *u)
{
    static const char *const bpm[] = {"bpm", "bpms", NULL};
    static const char *const min[] = {"m", "min", "mins", "minute", "minutes", "mn", NULL};
    static const char *const sec[] = {"s", "sec", "secs", "second", "seconds", NULL};
    static const char *const hour[] = {"h", "hr", "hrs", "hour", "hours", NULL};
    static const char *const bars[] = {"bar", "bars", "measure", "measures", NULL};
    if (!u[0])
        return UN_NONE;
    if (id_word_in(u, bpm))
        return UN_BPM;
    if (id_word_in(u, min))
        return UN_MIN;
    if (id_word_in(u, sec))
        return UN_SEC;
    if (id_word_in(u, hour))
        return UN_HOUR;
    if (id_word_in(u, bars))
        return UN_BARS;
    return UN_OTHER;
}

static double unit_seconds(int cls)
{
    return cls == UN_HOUR ? 3600 : cls == UN_MIN ? 60 : cls == UN_SEC ? 1 : 0;
}

static void parse_token(const char *w, pnum *o)
{
    memset(o, 0, sizeof *o);
    const char *p = w;
    o->v = read_digits(&p);
    if (*p == '-' && is_digit(p[1])) {
        p++;
        o->v2 = read_digits(&p);
        o->kind = P_RANGE;
    } else if (*p == '/' && is_digit(p[1])) {
        p++;
        o->v2 = read_digits(&p);
        o->kind = P_FRAC;
    } else if (*p == ':' && is_digit(p[1]) && is_digit(p[2]) && !is_digit(p[3])) {
        o->v2 = (p[1] - '0') * 10 + (p[2] - '0');
        p += 3;
        o->kind = P_CLOCK;
    }
    size_t k = 0;
    while (is_lower(*p) && k + 1 < sizeof o->unit)
        o->unit[k++] = *p++;
    o->unit[k] = 0;
    if (is_lower(*p)) {
        o->kind = P_BAD;
        return;
    }
    if (is_digit(*p) && o->kind == P_PLAIN) { /* "2m30s", "1h30m" */
        double secs = o->v * unit_seconds(unit_class(o->unit));
        if (secs <= 0) {
            o->kind = P_BAD;
            return;
        }
        while (is_digit(*p)) {
            double x = read_digits(&p);
            char u[16];
            k = 0;
            while (is_lower(*p) && k + 1 < sizeof u)
                u[k++] = *p++;
            u[k] = 0;
            double us = unit_seconds(unit_class(u));
            if (us <= 0) {
                o->kind = P_BAD;
                return;
            }
            secs += x * us;
        }
        o->kind = P_SECONDS;
        o->v = secs;
        o->unit[0] = 0;
    }
    if (*p)
        o->kind = P_BAD;
}

static const char *tok(const id_text *t, size_t i)
{
    return i < t->n ? t->tok[i].s : "";
}

/* Token i exists and follows without punctuation. */
static int joined(const id_text *t, size_t i)
{
    return i < t->n && !(t->tok[i].flags & ID_TOK_BREAK) &&
           !(t->tok[i].flags & ID_TOK_EMOJI);
}

/* A unit word (or "beats per minute") at j: its class; *after past it. */
static int unit_at(const id_text *t, size_t j, size_t *after)
{
    *after = j;
    if (!joined(t, j))
        return UN_NONE;
    if ((!strcmp(tok(t, j), "beats") || !strcmp(tok(t, j), "beat")) &&
        !strcmp(tok(t, j + 1), "per") && !strcmp(tok(t, j + 2), "minute")) {
        *after = j + 3;
        return UN_BPM;
    }
    if (!strcmp(tok(t, j), "b") && !strcmp(tok(t, j + 1), "p") &&
        !strcmp(tok(t, j + 2), "m")) {
        *after = j + 3;
        return UN_BPM;
    }
    int c = unit_class(tok(t, j));
    if (c == UN_OTHER || c == UN_NONE)
        return UN_NONE;
    *after = j + 1;
    return c;
}

/* "and a half" at j. */
static int and_a_half(const id_text *t, size_t j)
{
    return joined(t, j) && !strcmp(tok(t, j), "and") && !strcmp(tok(t, j + 1), "a") &&
           !strcmp(tok(t, j + 2), "half");
}

static int word_number(const char *w)
{
    static const char *const ones[] = {"zero", "one", "two", "three", "four", "five",
        "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
        "twenty", NULL};
    static const char *const tens[] = {"thirty", "forty", "fifty", "sixty",
                                       "seventy", "eighty", "ninety", NULL};
    for (int i = 0; ones[i]; i++)
        if (!strcmp(w, ones[i]))
            return i;
    for (int i = 0; tens[i]; i++)
        if (!strcmp(w, tens[i]))
            return 30 + 10 * i;
    return -1;
}

/* Number words at i: "two", "twenty five", "a", "an", "half a", "a couple
 * of", "a few", "one and a half". Returns tokens read, value in *v. */
static size_t read_word_number(const id_text *t, size_t i, double *v)
{
    const char *w = tok(t, i);
    if (!strcmp(w, "half") && (!strcmp(tok(t, i + 1), "a") || !strcmp(tok(t, i + 1), "an"))) {
        *v = 0.5;
        return 2;
    }
    if ((!strcmp(w, "a") || !strcmp(w, "an")) && joined(t, i + 1)) {
        if (!strcmp(tok(t, i + 1), "couple")) {
            *v = 2;
            return !strcmp(tok(t, i + 2), "of") ? 3 : 2;
        }
        if (!strcmp(tok(t, i + 1), "few")) {
            *v = 3;
            return 2;
        }
        *v = 1;
        return 1;
    }
    int n = word_number(w);
    if (n < 0)
        return 0;
    size_t used = 1;
    if (n >= 30 && joined(t, i + 1)) {
        int u = word_number(tok(t, i + 1));
        if (u >= 1 && u <= 9) {
            n += u;
            used = 2;
        }
    }
    *v = n;
    return used;
}

static int is_decade(double v, const char *unit)
{
    if (strcmp(unit, "s"))
        return 0;
    int n = (int)v;
    if (n != v)
        return 0;
    if (n == 0)
        return 1; /* "00s" */
    if (n >= 20 && n <= 90 && n % 10 == 0)
        return 1;
    return n >= 1920 && n <= 2020 && n % 10 == 0;
}

static const char *const decade_next[] = {
    "style", "vibe", "vibes", "era", "sound", "feel", "kids", "nostalgia",
    "inspired", "throwback", "retro", "aesthetic", "music", "songs", "hits",
    "movie", "movies", "film", "synth", "synths", NULL,
};
static const char *const dur_prev[] = {
    "for", "lasting", "last", "about", "around", "approximately", "approx",
    "only", "just", "under", "over", "max", "maximum", "exactly", "length",
    "duration", "total", "than", "roughly", "be", "is", NULL,
};
static const char *const dur_next[] = {
    "long", "duration", "length", "max", "maximum", "total", "jingle", "clip",
    "loop", "snippet", "ad", "intro", "outro", "spot", NULL,
};

/* Is "NNs" at token i a decade? */
static int decade_here(const id_text *t, size_t i, double v)
{
    const char *next = joined(t, i + 1) ? tok(t, i + 1) : "";
    if (id_word_in(next, decade_next))
        return 1;
    size_t n = 0;
    const id_lex *e = next[0] ? id_lex_match(t, i + 1, &n) : NULL;
    if (e && (e->kind == K_GENRE || e->kind == K_INSTR || e->kind == K_MOOD))
        return 1;
    const char *prev = i > 0 && !(t->tok[i].flags & ID_TOK_BREAK) ? tok(t, i - 1) : "";
    if (id_word_in(prev, dur_prev) || id_word_in(next, dur_next))
        return 0;
    if (v < 60 && v != 0 && (!strcmp(next, "song") || !strcmp(next, "track") ||
                             !strcmp(next, "piece")))
        return 0;
    return 1;
}

static void set_tempo(id_facts *f, double bpm, const char *said)
{
    f->tempo = bpm;
    f->tempo_src = ID_SRC_PROMPT;
    id_said_note(&f->tempo_said, said);
}

static void set_duration(id_facts *f, double s, const char *said)
{
    f->duration = s;
    f->duration_src = ID_SRC_PROMPT;
    f->duration_bars = 0;
    id_said_note(&f->duration_said, said);
}

static void set_meter(id_facts *f, int num, int den, const char *said)
{
    f->meter_num = num;
    f->meter_den = den;
    f->meter_src = ID_SRC_PROMPT;
    id_said_note(&f->meter_said, said);
}

static void set_energy(id_facts *f, double e, const char *said)
{
    f->energy = id_clampd(e, 0, 1);
    f->energy_src = ID_SRC_PROMPT;
    id_said_note(&f->energy_said, said);
}

static int pow2_den(double d)
{
    return d == 2 || d == 4 || d == 8 || d == 16 || d == 32;
}

static void ignore(const id_text *t, size_t i, size_t end, id_trace *tr,
                   int *ignored, const char *why)
{
    if (++*ignored > 5)
        return;
    char said[ID_SAID];
    size_t a = i > 0 && !(t->tok[i].flags & ID_TOK_BREAK) ? i - 1 : i;
    size_t b = joined(t, end) ? end + 1 : end;
    id_text_span(t, a, b, said, sizeof said);
    id_trace_add(tr, "numbers", ID_SRC_PROMPT, json_string(t->tok[i].s),
                 "ignored the number '%s' in '%s': %s", t->tok[i].s, said, why);
}

static const char *const tempo_cue_mid[] = {
    "of", "at", "around", "about", "is", "to", "approximately", "approx",
    "near", "roughly", "set", "like", "maybe", NULL,
};

/* "bpm 92", "tempo: 92", "tempo of about 92": where the cue starts, or -1. */
static long tempo_cue_before(const id_text *t, size_t i)
{
    for (size_t back = 1; back <= 3 && back <= i; back++) {
        const char *w = tok(t, i - back);
        if (!strcmp(w, "bpm") || !strcmp(w, "tempo"))
            return (long)(i - back);
        if (!id_word_in(w, tempo_cue_mid))
            return -1;
    }
    return -1;
}

static long energy_cue_before(const id_text *t, size_t i)
{
    for (size_t back = 1; back <= 3 && back <= i; back++) {
        const char *w = tok(t, i - back);
        if (!strcmp(w, "energy") || !strcmp(w, "intensity"))
            return (long)(i - back);
        if (strcmp(w, "of") && strcmp(w, "at") && strcmp(w, "level") && strcmp(w, "is"))
            return -1;
    }
    return -1;
}

size_t id_parse_number(const id_text *t, size_t i, id_facts *f, id_trace *tr,
                       int *ignored)
{
    const char *w = t->tok[i].s;
    pnum n;
    size_t j = i + 1;
    char said[ID_SAID];

    if (!is_digit(w[0])) {
        double v;
        size_t used = read_word_number(t, i, &v);
        if (!used)
            return 0;
        size_t k = i + used, after;
        int half = 0;
        if (and_a_half(t, k)) {
            half = 1;
            k += 3;
        }
        int cls = unit_at(t, k, &after);
        if (cls == UN_NONE || cls == UN_BARS)
            return 0;
        if (half)
            v += 0.5;
        if (and_a_half(t, after)) { /* "a minute and a half" */
            v += 0.5;
            after += 3;
        }
        id_text_span(t, i, after, said, sizeof said);
        if (cls == UN_BPM)
            set_tempo(f, v, said);
        else
            set_duration(f, v * unit_seconds(cls), said);
        return after - i;
    }

    parse_token(w, &n);
    if (n.kind == P_BAD) {
        ignore(t, i, i + 1, tr, ignored, "it is not a number this module reads");
        return 1;
    }

    if (n.kind == P_FRAC) {
        int a = (int)n.v, b = (int)n.v2;
        int ints = a == n.v && b == n.v2;
        long ec = energy_cue_before(t, i);
        if ((b == 10 || b == 100) && (ec >= 0 || !strcmp(tok(t, j), "energy"))) {
            size_t from = ec >= 0 ? (size_t)ec : i;
            size_t to = ec >= 0 ? j : j + 1;
            id_text_span(t, from, to, said, sizeof said);
            set_energy(f, n.v / n.v2, said);
            return to - i;
        }
        if (ints && pow2_den(n.v2) && a >= 2 && a <= 16 && !n.unit[0]) {
            size_t from = i > 0 && !(t->tok[i].flags & ID_TOK_BREAK) &&
                                  !strcmp(tok(t, i - 1), "in") ? i - 1 : i;
            size_t to = j;
            while (joined(t, to) && (!strcmp(tok(t, to), "time") || !strcmp(tok(t, to), "meter") ||
                                     !strcmp(tok(t, to), "signature")))
                to++;
            id_text_span(t, from, to, said, sizeof said);
            set_meter(f, a, b, said);
            return to - i;
        }
        ignore(t, i, j, tr, ignored, "not a time signature (the bottom must be 2, 4, 8 or 16)");
        return 1;
    }

    if (n.kind == P_CLOCK) {
        const char *nx = joined(t, j) ? tok(t, j) : "";
        if (!strcmp(nx, "am") || !strcmp(nx, "pm") || !strcmp(nx, "oclock") ||
            n.v2 >= 60) {
            ignore(t, i, j, tr, ignored, "a time of day, not a length");
            return 1;
        }
        id_text_span(t, i, j, said, sizeof said);
        set_duration(f, n.v * 60 + n.v2, said);
        return 1;
    }

    if (n.kind == P_SECONDS) {
        id_text_span(t, i, j, said, sizeof said);
        set_duration(f, n.v, said);
        return 1;
    }

    /* plain numbers and ranges: find the unit */
    if (n.kind == P_PLAIN && is_decade(n.v, n.unit) && decade_here(t, i, n.v)) {
        int d = (int)n.v;
        if (d == 0)
            snprintf(f->era, sizeof f->era, "2000s");
        else
            snprintf(f->era, sizeof f->era, "%ds", d);
        return 1;
    }
    int half = 0;
    size_t after = j;
    int cls = unit_class(n.unit);
    if (cls == UN_NONE) {
        size_t k = j;
        if (n.kind == P_PLAIN && and_a_half(t, k)) {
            half = 1;
            k += 3;
        }
        cls = unit_at(t, k, &after);
        if (cls == UN_NONE) {
            half = 0;
            after = j;
        }
    }
    if (n.kind == P_PLAIN && cls == UN_NONE && joined(t, j) &&
        (!strcmp(tok(t, j), "to") || !strcmp(tok(t, j), "or")) && joined(t, j + 1) &&
        is_digit(tok(t, j + 1)[0])) {
        pnum m;
        parse_token(tok(t, j + 1), &m);
        size_t a2;
        int c2 = m.kind == P_PLAIN ? unit_class(m.unit) : UN_OTHER;
        if (c2 == UN_NONE)
            c2 = unit_at(t, j + 2, &a2);
        else
            a2 = j + 2;
        if (c2 == UN_BPM || c2 == UN_MIN || c2 == UN_SEC) {
            n.kind = P_RANGE;
            n.v2 = m.v;
            cls = c2;
            after = a2;
        }
    }
    if (cls == UN_BPM || cls == UN_MIN || cls == UN_SEC || cls == UN_HOUR) {
        double v = n.kind == P_RANGE ? (n.v + n.v2) / 2 : n.v;
        if (half)
            v += 0.5;
        long cue = cls == UN_BPM ? tempo_cue_before(t, i) : -1;
        size_t from = cue >= 0 ? (size_t)cue : i;
        if (cls == UN_BPM) {
            id_text_span(t, from, after, said, sizeof said);
            set_tempo(f, v, said);
            return after - i;
        }
        double secs = v * unit_seconds(cls);
        if (and_a_half(t, after)) {
            secs += 0.5 * unit_seconds(cls);
            after += 3;
        } else if (cls == UN_MIN && n.kind == P_PLAIN) {
            /* "3 minutes 30 seconds", "3 min and 30 s", "3 min 30" */
            size_t k = after;
            if (joined(t, k) && !strcmp(tok(t, k), "and"))
                k++;
            if (joined(t, k) && is_digit(tok(t, k)[0])) {
                pnum s;
                parse_token(tok(t, k), &s);
                size_t a3;
                int c3 = s.kind == P_PLAIN ? unit_class(s.unit) : UN_OTHER;
                if (c3 == UN_NONE)
                    c3 = unit_at(t, k + 1, &a3);
                else
                    a3 = k + 1;
                if (s.kind == P_PLAIN && s.v < 60 && (c3 == UN_SEC || c3 == UN_NONE) &&
                    (c3 == UN_SEC || !joined(t, k + 1))) {
                    secs += s.v;
                    after = c3 == UN_SEC ? a3 : k + 1;
                }
            }
        }
        id_text_span(t, i, after, said, sizeof said);
        set_duration(f, secs, said);
        return after - i;
    }
    if (cls == UN_BARS && n.kind == P_PLAIN && n.v >= 1 && n.v <= 2000) {
        id_text_span(t, i, after, said, sizeof said);
        f->duration_bars = (int)n.v;
        f->duration = 0;
        f->duration_src = ID_SRC_PROMPT;
        id_said_note(&f->duration_said, said);
        return after - i;
    }
    if (n.kind == P_PLAIN && !n.unit[0] && joined(t, j) &&
        (!strcmp(tok(t, j), "beats") || !strcmp(tok(t, j), "beat")) &&
        (!strcmp(tok(t, j + 1), "per") || !strcmp(tok(t, j + 1), "to") ||
         !strcmp(tok(t, j + 1), "a")) &&
        (!strcmp(tok(t, j + 2), "bar") || !strcmp(tok(t, j + 2), "measure") ||
         (!strcmp(tok(t, j + 2), "the") && !strcmp(tok(t, j + 3), "bar")))) {
        size_t to = !strcmp(tok(t, j + 2), "the") ? j + 4 : j + 3;
        if (n.v >= 2 && n.v <= 15 && n.v == (int)n.v) {
            id_text_span(t, i, to, said, sizeof said);
            set_meter(f, (int)n.v, 4, said);
            return to - i;
        }
    }
    if (n.kind == P_RANGE && joined(t, j) &&
        (!strcmp(tok(t, j), "time") || !strcmp(tok(t, j), "meter") ||
         !strcmp(tok(t, j), "signature")) &&
        pow2_den(n.v2) && n.v >= 2 && n.v <= 16 && n.v == (int)n.v) {
        id_text_span(t, i, j + 1, said, sizeof said);
        set_meter(f, (int)n.v, (int)n.v2, said);
        return j + 1 - i;
    }
    if (n.kind == P_PLAIN && !n.unit[0]) {
        long cue = tempo_cue_before(t, i);
        if (cue >= 0) {
            id_text_span(t, (size_t)cue, j, said, sizeof said);
            set_tempo(f, n.v, said);
            return 1;
        }
        long ec = energy_cue_before(t, i);
        if (ec >= 0) {
            double e = n.v <= 1 ? n.v : n.v <= 10 ? n.v / 10 : n.v / 100;
            id_text_span(t, (size_t)ec, j, said, sizeof said);
            set_energy(f, e, said);
            return 1;
        }
        const char *prev = i > 0 && !(t->tok[i].flags & ID_TOK_BREAK) ? tok(t, i - 1) : "";
        if (!strcmp(prev, "at") && n.v >= 40 && n.v <= 300 &&
            (j >= t->n || (t->tok[j].flags & ID_TOK_BREAK) ||
             id_word_in(tok(t, j), (const char *const[]){"with", "and", "for", "in",
                                                          "please", "using", "featuring",
                                                          "but", "or", NULL}))) {
            id_text_span(t, i - 1, j, said, sizeof said);
            set_tempo(f, n.v, said);
            return 1;
        }
        if (!strcmp(prev, "top")) {
            ignore(t, i, j, tr, ignored, "a chart position");
            return 1;
        }
    }
    ignore(t, i, j, tr, ignored,
           "no unit makes it a tempo (bpm), a length (minutes, seconds, 3:30) or a meter (3/4)");
    return 1;
}
