/*
 * test_ideation.c - ideation.rules, run as a black box through the harness.
 *
 * Every test puts a prompt on the bus, runs the real built module and reads
 * ideation.spec / ideation.trace back. What a user would notice: the tempo,
 * key, meter, length, genre and negations they typed come out as typed
 * (source "prompt"); numbers that are not tempos stay out of the tempo;
 * odd input (empty, 10 KB+, broken UTF-8, emoji) still gives a full spec;
 * the same prompt and seed give the same spec byte for byte; and the model
 * merge seam keeps "prompt wins over model wins over rules".
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "kit.h"

#define MODULE "ideation.rules"

/* ---- running the module ------------------------------------------------ */

typedef struct out {
    json_t *spec;  /* owned */
    json_t *trace; /* owned */
} out;

static void out_free(out *o)
{
    json_decref(o->spec);
    json_decref(o->trace);
    o->spec = o->trace = NULL;
}

static czh *open_module(const char *options)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MODULE), options, &err);
    ck_assert_msg(h != NULL, "loading %s: %s", MODULE, err.msg);
    return h;
}

/* Run h on prompt (bytes may be any) with seed; the spec must be there. */
static out run_on(czh *h, const char *prompt, uint64_t seed)
{
    cz_error err = {0};
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "prompt", prompt), 0);
    int rc = czh_run(h, seed, &err);
    ck_assert_msg(rc == 0, "prompt '%.60s': %s", prompt, err.msg);
    const json_t *spec = NULL, *trace = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "ideation.spec", &spec), 0);
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "ideation.trace", &trace), 0);
    out o = {json_incref((json_t *)spec), json_incref((json_t *)trace)};
    return o;
}

static out ideate(const char *prompt, uint64_t seed, const char *options)
{
    czh *h = open_module(options);
    out o = run_on(h, prompt, seed);
    czh_free(h);
    return o;
}

static const char *sget(const json_t *spec, const char *k)
{
    const char *s = json_string_value(json_object_get(spec, k));
    return s ? s : "";
}

static double nget(const json_t *spec, const char *k)
{
    const json_t *v = json_object_get(spec, k);
    ck_assert_msg(json_is_number(v), "field %s is not a number", k);
    return json_number_value(v);
}

static const char *source(const json_t *spec, const char *k)
{
    return sget(json_object_get(spec, "sources"), k);
}

static int has_role(const json_t *spec, const char *role)
{
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(spec, "instruments"), i, m)
        if (!strcmp(sget(m, "role"), role))
            return 1;
    return 0;
}

static int has_instrument(const json_t *spec, const char *part_of_name)
{
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(spec, "instruments"), i, m)
        if (strstr(sget(m, "name"), part_of_name))
            return 1;
    return 0;
}

static int in_list(const json_t *list, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(list, i, v)
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return 1;
    return 0;
}

/* A trace step on `field` whose sentence contains `words`. */
static int trace_says(const json_t *trace, const char *field, const char *words)
{
    size_t i;
    const json_t *st;
    json_array_foreach(trace, i, st)
        if ((!field || !strcmp(sget(st, "field"), field)) && strstr(sget(st, "why"), words))
            return 1;
    return 0;
}

/* ---- the prompt table --------------------------------------------------- */

/* Expected facts; NULL / 0 = not checked. A value here must come out with
 * source "prompt". NOT_STATED: the field must not be sourced from the
 * prompt (a number that is not a tempo, say). */
#define NOT_STATED (-1.0)
#define NS "-"

typedef struct pcase {
    const char *prompt;
    double tempo;
    const char *key;
    const char *mode;
    const char *meter;
    double duration;
    const char *genre;
    const char *exclude;    /* must be listed in exclude */
    const char *no_roles;   /* space-separated roles that must be absent */
    const char *extra;      /* "use=study", "sub=deep house", "mood=sad",
                               "inst=sax", "energy=0.8" */
} pcase;

static const pcase cases[] = {
    /* tempo */
    {"dark synthwave for night driving, 100 bpm", 100, 0, 0, 0, 0, "synthwave", 0, 0, "use=driving"},
    {"92 bpm lofi hip hop", 92, 0, 0, 0, 0, "lofi", 0, 0, 0},
    {"lo-fi hip hop beat at 85bpm", 85, 0, 0, 0, 0, "lofi", 0, 0, 0},
    {"a fast house track", 127, 0, 0, 0, 0, "house", 0, 0, 0},
    {"slow sad piano ballad", 62, 0, 0, 0, 0, "pop", 0, 0, "mood=sad"},
    {"half-time trap", 73, 0, 0, 0, 0, "trap", 0, 0, 0},
    {"tempo: 128, house", 128, 0, 0, 0, 0, "house", 0, 0, 0},
    {"around 140 beats per minute", 140, 0, 0, 0, 0, 0, 0, 0, 0},
    {"90-100 bpm boom bap", 95, 0, 0, 0, 0, "hiphop", 0, 0, "sub=boom bap"},
    {"300 bpm speedcore", 220, 0, 0, 0, 0, 0, 0, 0, 0},
    {"a 10 bpm drone", 40, 0, 0, 0, 0, "ambient", 0, 0, 0},
    {"techno at 132", 132, 0, 0, 0, 0, "techno", 0, 0, 0},
    /* keys and modes */
    {"something in D minor", 0, "D", "minor", 0, 0, 0, 0, 0, 0},
    {"F# major pop song", 0, "F#", "major", 0, 0, "pop", 0, 0, 0},
    {"a sad song in a minor key", 0, NS, "minor", 0, 0, 0, 0, 0, "mood=sad"},
    {"sad song in a minor", 0, "A", "minor", 0, 0, 0, 0, 0, 0},
    {"ambient in Bb lydian", 0, "Bb", "lydian", 0, 0, "ambient", 0, 0, 0},
    {"E flat major jazz ballad", 0, "Eb", "major", 0, 0, "jazz", 0, 0, "sub=jazz ballad"},
    {"C sharp minor techno", 0, "C#", "minor", 0, 0, "techno", 0, 0, 0},
    {"B\xe2\x99\xad minor cinematic", 0, "Bb", "minor", 0, 0, "cinematic", 0, 0, 0},
    {"F\xe2\x99\xaf dorian funk", 0, "F#", "dorian", 0, 0, "funk", 0, 0, 0},
    {"key of Eb, smooth jazz", 0, "Eb", 0, 0, 0, "jazz", 0, 0, "sub=smooth jazz"},
    {"metal in c# harmonic minor", 0, "C#", "harmonic_minor", 0, 0, "metal", 0, 0, 0},
    {"I am happy", 0, NS, 0, 0, 0, 0, 0, 0, "mood=happy"},
    {"sad song in C major", 0, "C", "major", 0, 0, 0, 0, 0, "mood=sad"},
    {"F#m drum and bass", 0, "F#", "minor", 0, 0, "dnb", 0, 0, 0},
    /* meter */
    {"folk in 3/4", 0, 0, 0, "3/4", 0, "folk", 0, 0, 0},
    {"a waltz for piano", 0, 0, 0, "3/4", 0, 0, 0, 0, "inst=piano"},
    {"6/8 celtic folk song", 0, 0, 0, "6/8", 0, "folk", 0, 0, "sub=celtic folk"},
    {"prog rock in 7/8", 0, 0, 0, "7/8", 0, "rock", 0, 0, 0},
    {"reggae in 3-4 time", 0, 0, 0, "3/4", 0, "reggae", 0, 0, 0},
    {"music for 24/7 streaming", NOT_STATED, 0, 0, NS, 0, 0, 0, 0, 0},
    /* duration */
    {"2 minutes of techno", 0, 0, 0, 0, 120, "techno", 0, 0, 0},
    {"90 seconds of chiptune", 0, 0, 0, 0, 90, "chiptune", 0, 0, 0},
    {"a 3:30 pop song", 0, 0, 0, 0, 210, "pop", 0, 0, 0},
    {"2m30s of edm", 0, 0, 0, 0, 150, "edm", 0, 0, 0},
    {"two and a half minutes of jazz", 0, 0, 0, 0, 150, "jazz", 0, 0, 0},
    {"3 minutes 30 seconds of funk", 0, 0, 0, 0, 210, "funk", 0, 0, 0},
    {"an hour of ambient for sleep", 0, 0, 0, 0, 1200, "ambient", 0, 0, "use=sleep"},
    {"a 5 second sting", 0, 0, 0, 0, 10, 0, 0, 0, 0},
    {"a quick 30 second jingle", 0, 0, 0, 0, 30, 0, 0, 0, "use=advert"},
    {"120s trap", 0, 0, 0, 0, 120, "trap", 0, 0, 0},
    /* numbers that are not tempos */
    {"90s hip hop", NOT_STATED, 0, 0, 0, NOT_STATED, "hiphop", 0, 0, "sub=90s hip hop"},
    {"a song for my 3 friends", NOT_STATED, 0, 0, 0, NOT_STATED, 0, 0, 0, 0},
    {"top 40 pop hit", NOT_STATED, 0, 0, 0, NOT_STATED, "pop", 0, 0, 0},
    {"in 3/4 with strings", NOT_STATED, 0, 0, "3/4", NOT_STATED, 0, 0, 0, 0},
    {"2 minutes of 80s synth pop", NOT_STATED, 0, 0, 0, 120, "pop", 0, 0, "sub=synth-pop"},
    {"1999 style dance pop", NOT_STATED, 0, 0, 0, NOT_STATED, "pop", 0, 0, 0},
    /* genres and misspellings */
    {"synthwav", 0, 0, 0, 0, 0, "synthwave", 0, 0, 0},
    {"hiphop", 0, 0, 0, 0, 0, "hiphop", 0, 0, 0},
    {"lofi", 0, 0, 0, 0, 0, "lofi", 0, 0, 0},
    {"drum n bass", 0, 0, 0, 0, 0, "dnb", 0, 0, 0},
    {"dnb", 0, 0, 0, 0, 0, "dnb", 0, 0, 0},
    {"drum & bass", 0, 0, 0, 0, 0, "dnb", 0, 0, 0},
    {"drum'n'bass", 0, 0, 0, 0, 0, "dnb", 0, 0, 0},
    {"R&B slow jam", 0, 0, 0, 0, 0, "rnb", 0, 0, 0},
    {"rock'n'roll", 0, 0, 0, 0, 0, "rock", 0, 0, "sub=rock and roll"},
    {"deep house", 0, 0, 0, 0, 0, "house", 0, 0, "sub=deep house"},
    {"uplifting trance", 0, 0, 0, 0, 0, "trance", 0, 0, 0},
    {"dubstep", 0, 0, 0, 0, 0, "dubstep", 0, 0, 0},
    {"cinematic orchestral", 0, 0, 0, 0, 0, "cinematic", 0, 0, 0},
    {"roots reggae", 0, 0, 0, 0, 0, "reggae", 0, 0, 0},
    {"country with a banjo", 0, 0, 0, 0, 0, "country", 0, 0, "inst=banjo"},
    {"delta blues", 0, 0, 0, 0, 0, "blues", 0, 0, 0},
    {"heavy metal", 0, 0, 0, 0, 0, "metal", 0, 0, 0},
    {"disco", 0, 0, 0, 0, 0, "disco", 0, 0, 0},
    {"bossa nova", 0, 0, 0, 0, 0, "latin", 0, 0, "sub=bossa nova"},
    {"classical piano", 0, 0, 0, 0, 0, "classical", 0, 0, 0},
    {"ambiant", 0, 0, 0, 0, 0, "ambient", 0, 0, 0},
    {"orchestal epic", 0, 0, 0, 0, 0, "cinematic", 0, 0, "mood=epic"},
    {"jazz hip hop", 0, 0, 0, 0, 0, "hiphop", 0, 0, "sub=jazz hip hop"},
    {"pop with jazz chords", 0, 0, 0, 0, 0, "pop", 0, 0, 0},
    /* negations */
    {"pop song with no drums", 0, 0, 0, 0, 0, "pop", "drums", "drums perc", 0},
    {"lofi without piano", 0, 0, 0, 0, 0, "lofi", "piano", 0, 0},
    {"drumless jazz", 0, 0, 0, 0, 0, "jazz", "drums", "drums perc", 0},
    {"ambient, no bass", 0, 0, 0, 0, 0, "ambient", "bass", "bass", 0},
    {"house with no percussion", 0, 0, 0, 0, 0, "house", "percussion", "drums perc", 0},
    {"techno without a beat", 0, 0, 0, 0, 0, "techno", "drums", "drums perc", 0},
    {"lofi without drums or bass", 0, 0, 0, 0, 0, "lofi", "bass", "drums perc bass", 0},
    {"no vocals, instrumental trap", 0, 0, 0, 0, 0, "trap", "vocals", 0, 0},
    /* instruments and uses */
    {"jazz with a saxophone", 0, 0, 0, 0, 0, "jazz", 0, 0, "inst=sax"},
    {"pop with a cello", 0, 0, 0, 0, 0, "pop", 0, 0, "inst=cello"},
    {"study music", 0, 0, 0, 0, 0, 0, 0, 0, "use=study"},
    {"a workout banger", 0, 0, 0, 0, 0, 0, 0, 0, "use=workout"},
    {"music for a game boss fight", 0, 0, 0, 0, 0, 0, 0, 0, "use=boss fight"},
    {"energy 0.8 trance", 0, 0, 0, 0, 0, "trance", 0, 0, "energy=0.8"},
    {"\xf0\x9f\x98\xa2\xf0\x9f\x8e\xb9", 0, 0, 0, 0, 0, 0, 0, 0, "mood=sad"},
    {"caf\xc3\xa9 jazz", 0, 0, 0, 0, 0, "jazz", 0, 0, "use=cafe"},
};

static void check_extra(const json_t *s, const char *extra, const char *prompt)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", extra);
    char *eq = strchr(buf, '=');
    ck_assert(eq != NULL);
    *eq = 0;
    const char *k = buf, *v = eq + 1;
    if (!strcmp(k, "use")) {
        ck_assert_msg(!strcmp(sget(s, "use"), v), "'%s': use %s, want %s", prompt, sget(s, "use"), v);
        ck_assert_str_eq(source(s, "use"), "prompt");
    } else if (!strcmp(k, "sub")) {
        ck_assert_msg(!strcmp(sget(s, "subgenre"), v), "'%s': subgenre '%s', want '%s'", prompt,
                      sget(s, "subgenre"), v);
    } else if (!strcmp(k, "mood")) {
        ck_assert_msg(in_list(json_object_get(s, "mood"), v), "'%s': no mood %s", prompt, v);
        ck_assert_str_eq(source(s, "mood"), "prompt");
    } else if (!strcmp(k, "inst")) {
        ck_assert_msg(has_instrument(s, v), "'%s': no instrument named like %s", prompt, v);
    } else if (!strcmp(k, "energy")) {
        ck_assert_msg(fabs(nget(s, "energy") - atof(v)) < 1e-9, "'%s': energy", prompt);
        ck_assert_str_eq(source(s, "energy"), "prompt");
    } else {
        ck_abort_msg("bad extra %s", extra);
    }
}

static void check_case(const pcase *c, const json_t *s)
{
    const char *p = c->prompt;
    if (c->tempo > 0) {
        ck_assert_msg(nget(s, "tempo_bpm") == c->tempo, "'%s': tempo %g, want %g", p,
                      nget(s, "tempo_bpm"), c->tempo);
        ck_assert_msg(!strcmp(source(s, "tempo_bpm"), "prompt"), "'%s': tempo source %s", p,
                      source(s, "tempo_bpm"));
    } else if (c->tempo == NOT_STATED) {
        ck_assert_msg(strcmp(source(s, "tempo_bpm"), "prompt"), "'%s': a number became the tempo (%g)",
                      p, nget(s, "tempo_bpm"));
    }
    if (c->duration > 0) {
        ck_assert_msg(nget(s, "duration_s") == c->duration, "'%s': duration %g, want %g", p,
                      nget(s, "duration_s"), c->duration);
        ck_assert_str_eq(source(s, "duration_s"), "prompt");
    } else if (c->duration == NOT_STATED) {
        ck_assert_msg(strcmp(source(s, "duration_s"), "prompt"), "'%s': a number became the length",
                      p);
    }
    if (c->key && !strcmp(c->key, NS)) {
        ck_assert_msg(strcmp(source(s, "key"), "prompt"), "'%s': read a key (%s)", p, sget(s, "key"));
    } else if (c->key) {
        ck_assert_msg(!strcmp(sget(s, "key"), c->key), "'%s': key %s, want %s", p, sget(s, "key"),
                      c->key);
        ck_assert_str_eq(source(s, "key"), "prompt");
    }
    if (c->mode) {
        ck_assert_msg(!strcmp(sget(s, "mode"), c->mode), "'%s': mode %s, want %s", p,
                      sget(s, "mode"), c->mode);
        ck_assert_str_eq(source(s, "mode"), "prompt");
    }
    if (c->meter && !strcmp(c->meter, NS)) {
        ck_assert_msg(strcmp(source(s, "meter"), "prompt"), "'%s': read a meter", p);
    } else if (c->meter) {
        ck_assert_msg(!strcmp(sget(s, "meter"), c->meter), "'%s': meter %s, want %s", p,
                      sget(s, "meter"), c->meter);
        ck_assert_str_eq(source(s, "meter"), "prompt");
    }
    if (c->genre) {
        ck_assert_msg(!strcmp(sget(s, "genre"), c->genre), "'%s': genre %s, want %s", p,
                      sget(s, "genre"), c->genre);
        ck_assert_msg(!strcmp(source(s, "genre"), "prompt"), "'%s': genre source %s", p,
                      source(s, "genre"));
    }
    if (c->exclude)
        ck_assert_msg(in_list(json_object_get(s, "exclude"), c->exclude), "'%s': %s not excluded",
                      p, c->exclude);
    if (c->no_roles) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", c->no_roles);
        for (char *r = strtok(buf, " "); r; r = strtok(NULL, " "))
            ck_assert_msg(!has_role(s, r), "'%s': role %s still plays", p, r);
    }
    if (c->extra)
        check_extra(s, c->extra, p);
}

START_TEST(test_prompt_table)
{
    ck_assert_int_ge((int)(sizeof cases / sizeof cases[0]), 60);
    czh *h = open_module(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        out o = run_on(h, cases[i].prompt, 7);
        check_case(&cases[i], o.spec);
        out_free(&o);
    }
    czh_free(h);
}
END_TEST

/* ---- shape -------------------------------------------------------------- */

static void check_shape(const json_t *s)
{
    static const char *const strings[] = {"prompt", "title", "caption", "genre", "key", "mode",
                                          "meter", NULL};
    for (int i = 0; strings[i]; i++)
        ck_assert_msg(json_is_string(json_object_get(s, strings[i])), "%s not a string", strings[i]);
    ck_assert(strlen(sget(s, "title")) > 0);
    ck_assert(strlen(sget(s, "caption")) > 0);
    const json_t *sub = json_object_get(s, "subgenre"), *use = json_object_get(s, "use");
    ck_assert(json_is_null(sub) || json_is_string(sub));
    ck_assert(json_is_null(use) || json_is_string(use));
    ck_assert(json_is_array(json_object_get(s, "mood")));
    double e = nget(s, "energy"), bpm = nget(s, "tempo_bpm"), d = nget(s, "duration_s"),
           sw = nget(s, "swing");
    ck_assert(e >= 0 && e <= 1);
    ck_assert(bpm >= 40 && bpm <= 220);
    ck_assert(d >= 10 && d <= 1200);
    ck_assert(sw >= 0 && sw <= 1);
    int pc = (int)json_integer_value(json_object_get(s, "tonic_pc"));
    ck_assert(json_is_integer(json_object_get(s, "tonic_pc")) && pc >= 0 && pc <= 11);
    static const char *const names[12][2] = {{"C", "B#"}, {"C#", "Db"}, {"D", "D"}, {"D#", "Eb"},
                                             {"E", "Fb"}, {"F", "E#"}, {"F#", "Gb"}, {"G", "G"},
                                             {"G#", "Ab"}, {"A", "A"}, {"A#", "Bb"}, {"B", "Cb"}};
    ck_assert_msg(!strcmp(sget(s, "key"), names[pc][0]) || !strcmp(sget(s, "key"), names[pc][1]),
                  "key %s does not spell pitch class %d", sget(s, "key"), pc);
    static const char *const modes[] = {"major", "minor", "dorian", "phrygian", "lydian",
                                        "mixolydian", "locrian", "harmonic_minor",
                                        "melodic_minor", NULL};
    int ok = 0;
    for (int i = 0; modes[i]; i++)
        ok |= !strcmp(sget(s, "mode"), modes[i]);
    ck_assert_msg(ok, "mode %s", sget(s, "mode"));
    char meter[16];
    snprintf(meter, sizeof meter, "%d/%d", (int)nget(s, "meter_num"), (int)nget(s, "meter_den"));
    ck_assert_str_eq(meter, sget(s, "meter"));
    static const char *const roles[] = {"drums", "perc", "bass", "chords", "pad", "lead",
                                        "counter", "arp", "fx", NULL};
    const json_t *inst = json_object_get(s, "instruments");
    ck_assert(json_is_array(inst) && json_array_size(inst) > 0);
    size_t i;
    const json_t *m;
    int melodic = 0;
    json_array_foreach(inst, i, m) {
        ck_assert(json_is_string(json_object_get(m, "name")));
        int r = 0;
        for (int k = 0; roles[k]; k++)
            r |= !strcmp(sget(m, "role"), roles[k]);
        ck_assert_msg(r, "role %s", sget(m, "role"));
        json_int_t prog = json_integer_value(json_object_get(m, "program"));
        ck_assert(json_is_integer(json_object_get(m, "program")) && prog >= 0 && prog <= 127);
        const char *rl = sget(m, "role");
        melodic |= !strcmp(rl, "chords") || !strcmp(rl, "pad") || !strcmp(rl, "lead") ||
                   !strcmp(rl, "counter") || !strcmp(rl, "arp");
    }
    ck_assert_msg(melodic, "no melodic instrument");
    ck_assert(json_is_array(json_object_get(s, "exclude")));
    const json_t *form = json_object_get(s, "form");
    ck_assert(json_is_array(form) && json_array_size(form) >= 3);
    json_array_foreach(form, i, m)
        ck_assert(json_is_string(m) && json_string_length(m) > 0 && json_string_length(m) < 24);
    const json_t *src = json_object_get(s, "sources");
    ck_assert(json_is_object(src));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)src, key, v) {
        const char *x = json_string_value(v);
        ck_assert_msg(x && (!strcmp(x, "prompt") || !strcmp(x, "model") || !strcmp(x, "rules") ||
                            !strcmp(x, "default")),
                      "sources.%s", key);
    }
    static const char *const must[] = {"genre", "mood", "energy", "tempo_bpm", "key", "mode",
                                       "meter", "duration_s", "instruments", "form", NULL};
    for (int k = 0; must[k]; k++)
        ck_assert_msg(json_object_get(src, must[k]) != NULL, "sources lacks %s", must[k]);
}

static void check_trace(const json_t *t)
{
    ck_assert(json_is_array(t) && json_array_size(t) > 0);
    size_t i;
    const json_t *st;
    json_array_foreach(t, i, st) {
        ck_assert_int_eq(json_integer_value(json_object_get(st, "step")), (json_int_t)i + 1);
        ck_assert(json_is_string(json_object_get(st, "field")));
        ck_assert(json_object_get(st, "value") != NULL);
        ck_assert(strlen(sget(st, "why")) > 0);
        const char *x = sget(st, "source");
        ck_assert(!strcmp(x, "prompt") || !strcmp(x, "model") || !strcmp(x, "rules") ||
                  !strcmp(x, "default"));
    }
}

START_TEST(test_spec_shape_for_every_case)
{
    czh *h = open_module(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i += 3) {
        out o = run_on(h, cases[i].prompt, 11 + i);
        check_shape(o.spec);
        check_trace(o.trace);
        ck_assert_str_eq(sget(o.spec, "prompt"), cases[i].prompt);
        out_free(&o);
    }
    czh_free(h);
}
END_TEST

/* ---- odd input ------------------------------------------------------------ */

START_TEST(test_empty_prompt)
{
    static const char *const empties[] = {"", "   \n\t ", "...!?", "\xf0\x9f\x99\x82", NULL};
    for (int i = 0; empties[i]; i++) {
        out o = ideate(empties[i], 3, NULL);
        check_shape(o.spec);
        check_trace(o.trace);
        if (i < 3)
            ck_assert(trace_says(o.trace, "prompt", "every field below is a default or an inference"));
        ck_assert_str_ne(source(o.spec, "genre"), "prompt");
        out_free(&o);
    }
}
END_TEST

START_TEST(test_long_prompt)
{
    /* 12 KB: the musical facts at the start, then a lot of chatter */
    size_t cap = 13000;
    char *p = malloc(cap);
    size_t n = (size_t)snprintf(p, cap, "a melancholic trip hop track in D minor at 90 bpm, 3 minutes. ");
    while (n + 80 < cap - 1)
        n += (size_t)snprintf(p + n, cap - n, "It should remind me of rain on old windows, "
                                              "and of 3 friends walking home. ");
    ck_assert_int_gt((int)strlen(p), 10 * 1024);
    out o = ideate(p, 5, NULL);
    check_shape(o.spec);
    check_trace(o.trace);
    ck_assert_int_le((int)json_array_size(o.trace), 401);
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 90);
    ck_assert_str_eq(sget(o.spec, "key"), "D");
    ck_assert_str_eq(sget(o.spec, "mode"), "minor");
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 180);
    ck_assert_str_eq(sget(o.spec, "genre"), "electronic");
    ck_assert_str_eq(sget(o.spec, "prompt"), p);
    out_free(&o);
    free(p);
}
END_TEST

START_TEST(test_prompt_cut_at_max_bytes_on_a_character)
{
    /* 2-byte characters across the 1024-byte limit: never half a character */
    size_t n = 3000;
    char *p = malloc(n * 2 + 32);
    size_t k = (size_t)sprintf(p, "x");
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(p + k, "\xc3\xa9");
    sprintf(p + k, " jazz");
    out o = ideate(p, 5, "{\"max_prompt_bytes\": 1024}");
    check_shape(o.spec);
    ck_assert(trace_says(o.trace, "prompt", "only the first 1023 are read"));
    ck_assert_str_ne(sget(o.spec, "genre"), ""); /* "jazz" was past the cut */
    ck_assert_str_ne(source(o.spec, "genre"), "prompt");
    ck_assert_str_eq(sget(o.spec, "prompt"), p);
    out_free(&o);
    free(p);
}
END_TEST

START_TEST(test_invalid_utf8)
{
    const char *p = "\xff\xfe lofi \xc3 at 80 bpm \xe2\x82 in \xed\xa0\x80 E minor \xf4\x90\x80\x80";
    out o = ideate(p, 9, NULL);
    check_shape(o.spec);
    check_trace(o.trace);
    ck_assert_str_eq(sget(o.spec, "genre"), "lofi");
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 80);
    ck_assert_str_eq(sget(o.spec, "key"), "E");
    ck_assert(strstr(sget(o.spec, "prompt"), "\xef\xbf\xbd") != NULL); /* U+FFFD */
    ck_assert(trace_says(o.trace, "prompt", "not valid UTF-8"));
    out_free(&o);
}
END_TEST

START_TEST(test_unicode_words_and_emoji)
{
    out o = ideate("\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe5\xa4\x9c lofi \xf0\x9f\x8c\xa7", 2, NULL);
    ck_assert_str_eq(sget(o.spec, "title"), "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe5\xa4\x9c");
    ck_assert_str_eq(sget(o.spec, "genre"), "lofi");
    ck_assert(in_list(json_object_get(o.spec, "mood"), "sad")); /* rain cloud: rainy */
    out_free(&o);
    o = ideate("\xf0\x9f\x8e\xb7 jazz, no \xf0\x9f\xa5\x81", 2, NULL); /* sax, no drums */
    ck_assert(has_instrument(o.spec, "sax"));
    ck_assert(!has_role(o.spec, "drums"));
    out_free(&o);
}
END_TEST

/* ---- enhance off ---------------------------------------------------------- */

START_TEST(test_enhance_off_neutral_defaults)
{
    out o = ideate("", 4, "{\"enhance\": false}");
    check_shape(o.spec);
    ck_assert_str_eq(sget(o.spec, "genre"), "pop");
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 120);
    ck_assert_str_eq(sget(o.spec, "key"), "C");
    ck_assert_str_eq(sget(o.spec, "mode"), "major");
    ck_assert_str_eq(sget(o.spec, "meter"), "4/4");
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 120);
    ck_assert_int_eq((int)json_array_size(json_object_get(o.spec, "mood")), 0);
    ck_assert_str_eq(source(o.spec, "tempo_bpm"), "default");
    ck_assert_str_eq(source(o.spec, "genre"), "default");
    ck_assert(trace_says(o.trace, NULL, "enhance is off"));
    out_free(&o);

    /* stated facts stay, nothing is inferred from the genre */
    o = ideate("house in A minor, no drums", 4, "{\"enhance\": false}");
    ck_assert_str_eq(sget(o.spec, "genre"), "house");
    ck_assert_str_eq(source(o.spec, "genre"), "prompt");
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 120); /* not house's 118..128 pick */
    ck_assert_str_eq(source(o.spec, "tempo_bpm"), "default");
    ck_assert_str_eq(sget(o.spec, "key"), "A");
    ck_assert_str_eq(sget(o.spec, "mode"), "minor");
    ck_assert(!has_role(o.spec, "drums"));
    out_free(&o);

    /* seeds change nothing when nothing is inferred */
    out a = ideate("a fast song", 1, "{\"enhance\": false}");
    out b = ideate("a fast song", 999, "{\"enhance\": false}");
    char *sa = json_dumps(a.spec, JSON_SORT_KEYS), *sb = json_dumps(b.spec, JSON_SORT_KEYS);
    ck_assert_str_eq(sa, sb);
    ck_assert_int_eq((int)nget(a.spec, "tempo_bpm"), 140);
    free(sa);
    free(sb);
    out_free(&a);
    out_free(&b);
}
END_TEST

/* ---- determinism ------------------------------------------------------ */

static const char *const det_prompts[] = {
    "", "a song", "dark synthwave for night driving, 100 bpm", "sad piano in C major",
    "lofi without drums", "epic boss fight, 2 minutes", "jazz with a cello",
    "90s hip hop for 3 friends", NULL,
};

START_TEST(test_same_seed_same_spec)
{
    for (int i = 0; det_prompts[i]; i++) {
        out a = ideate(det_prompts[i], 42, NULL);
        out b = ideate(det_prompts[i], 42, NULL);
        char *sa = json_dumps(a.spec, JSON_SORT_KEYS), *sb = json_dumps(b.spec, JSON_SORT_KEYS);
        char *ta = json_dumps(a.trace, JSON_SORT_KEYS), *tb = json_dumps(b.trace, JSON_SORT_KEYS);
        ck_assert_str_eq(sa, sb);
        ck_assert_str_eq(ta, tb);
        free(sa), free(sb), free(ta), free(tb);
        out_free(&a);
        out_free(&b);
    }
}
END_TEST

START_TEST(test_seeds_vary_only_inferred_fields)
{
    static const char *const fields[] = {"genre", "mood", "energy", "tempo_bpm", "key", "mode",
                                         "meter", "duration_s", "swing", "use", NULL};
    for (int i = 0; det_prompts[i]; i++) {
        out base = ideate(det_prompts[i], 1, NULL);
        int differs = 0;
        for (uint64_t seed = 2; seed < 14; seed++) {
            out o = ideate(det_prompts[i], seed, NULL);
            for (int k = 0; fields[k]; k++) {
                int eq = json_equal(json_object_get(base.spec, fields[k]),
                                    json_object_get(o.spec, fields[k]));
                if (!strcmp(source(base.spec, fields[k]), "prompt")) {
                    ck_assert_msg(eq, "'%s': stated %s changed with the seed", det_prompts[i],
                                  fields[k]);
                    ck_assert_str_eq(source(o.spec, fields[k]), "prompt");
                } else {
                    differs |= !eq;
                }
            }
            out_free(&o);
        }
        ck_assert_msg(differs, "'%s': twelve seeds gave the same inferred fields", det_prompts[i]);
        out_free(&base);
    }
}
END_TEST

/* ---- precedence ---------------------------------------------------------- */

START_TEST(test_explicit_beats_inferred)
{
    out o = ideate("a sad, melancholic song in C major", 8, NULL);
    ck_assert_str_eq(sget(o.spec, "mode"), "major");
    ck_assert_str_eq(source(o.spec, "mode"), "prompt");
    ck_assert(trace_says(o.trace, "mode", "what is stated wins over what is inferred"));
    out_free(&o);

    o = ideate("house at 90 bpm", 8, NULL); /* house is 118..128 */
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 90);
    ck_assert(trace_says(o.trace, "tempo_bpm", "wins over house's usual"));
    out_free(&o);

    /* a requested instrument takes its role from an inferred one */
    o = ideate("rock with a saxophone", 8, NULL);
    ck_assert(has_instrument(o.spec, "sax"));
    ck_assert(trace_says(o.trace, "instruments", "an explicit request wins"));
    out_free(&o);
}
END_TEST

START_TEST(test_conflicting_words_pick_one_and_say_why)
{
    out o = ideate("a fast slow song", 3, NULL);
    ck_assert_str_eq(source(o.spec, "tempo_bpm"), "prompt");
    ck_assert(trace_says(o.trace, "tempo_bpm", "the later word, 'slow', wins"));
    out_free(&o);

    o = ideate("in C major... no wait, in A minor", 3, NULL);
    ck_assert_str_eq(sget(o.spec, "key"), "A");
    ck_assert_str_eq(sget(o.spec, "mode"), "minor");
    ck_assert(trace_says(o.trace, "key", "the last statement wins"));
    out_free(&o);

    o = ideate("fast, 80 bpm", 3, NULL);
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 80);
    ck_assert(trace_says(o.trace, "tempo_bpm", "the number wins"));
    out_free(&o);
}
END_TEST

START_TEST(test_clamps_are_traced)
{
    out o = ideate("a 300 bpm track lasting 45 minutes", 3, NULL);
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 220);
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 1200);
    ck_assert(trace_says(o.trace, "tempo_bpm", "clamped to 220"));
    ck_assert(trace_says(o.trace, "duration_s", "clamped to 1200"));
    out_free(&o);
    o = ideate("3 seconds of noise at 12 bpm", 3, NULL);
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 10);
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 40);
    out_free(&o);
    o = ideate("10 minutes of ambient", 3, "{\"max_duration_s\": 300}");
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 300);
    out_free(&o);
}
END_TEST

/* ---- instruments ----------------------------------------------------------- */

START_TEST(test_negated_instrument_is_replaced_when_the_genre_needs_its_role)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        out o = ideate("classical, no piano", seed, NULL); /* chords is needed */
        ck_assert(!has_instrument(o.spec, "piano"));
        ck_assert(has_role(o.spec, "chords"));
        ck_assert(in_list(json_object_get(o.spec, "exclude"), "piano"));
        out_free(&o);
    }
    out o = ideate("pop without a bass", 1, NULL); /* a role: no substitute */
    ck_assert(!has_role(o.spec, "bass"));
    out_free(&o);
    o = ideate("no drums, just congas, latin", 1, NULL);
    ck_assert(!has_role(o.spec, "drums"));
    ck_assert(has_instrument(o.spec, "congas"));
    ck_assert(trace_says(o.trace, "instruments", "more specific"));
    out_free(&o);
}
END_TEST

START_TEST(test_always_one_melodic_instrument)
{
    out o = ideate("no piano, no guitar, no synths, no strings, no pads, no organ, no keys, "
                   "no brass, no winds, no bells, no melody, no chords, no arps",
                   1, NULL);
    check_shape(o.spec); /* asserts a melodic role */
    ck_assert(trace_says(o.trace, "instruments", "at least one melodic instrument"));
    out_free(&o);
}
END_TEST

START_TEST(test_requested_instruments_get_roles_and_programs)
{
    out o = ideate("hip hop with a saxophone and a cello", 1, NULL);
    size_t i;
    const json_t *m;
    int sax = 0, cello = 0;
    json_array_foreach(json_object_get(o.spec, "instruments"), i, m) {
        if (strstr(sget(m, "name"), "sax")) {
            sax = 1;
            ck_assert_int_eq((int)json_integer_value(json_object_get(m, "program")), 65);
            ck_assert_str_eq(sget(m, "role"), "lead");
        }
        if (!strcmp(sget(m, "name"), "cello")) {
            cello = 1;
            ck_assert_int_eq((int)json_integer_value(json_object_get(m, "program")), 42);
            ck_assert_str_ne(sget(m, "role"), "lead"); /* the sax leads */
        }
    }
    ck_assert(sax && cello);
    out_free(&o);
}
END_TEST

/* ---- the merge seam ----------------------------------------------------------- */

START_TEST(test_model_proposal_precedence)
{
    const char *opts =
        "{\"model_proposal\": {\"genre\": \"trance\", \"subgenre\": \"uplifting trance\","
        " \"mood\": [\"hopeful\"], \"energy\": 0.9, \"tempo_bpm\": 138, \"key\": \"F#\","
        " \"mode\": \"dorian\", \"meter\": \"4/4\", \"duration_s\": 300,"
        " \"instruments\": [{\"name\": \"supersaw\", \"role\": \"lead\"},"
        "                   {\"name\": \"glass harp\", \"role\": \"pad\", \"program\": 92},"
        "                   \"piano\", {\"name\": \"sub\", \"role\": \"bass\", \"program\": 38}],"
        " \"exclude\": [\"vocals\", \"piano\"],"
        " \"form\": [\"intro\", \"build\", \"drop\", \"breakdown\", \"drop\", \"outro\"],"
        " \"reasoning\": [\"uplifting trance suits hope\", \"F# is bright\"]}}";
    out o = ideate("a sad song at 90 bpm with piano", 1, opts);
    check_shape(o.spec);
    /* prompt wins over model */
    ck_assert(in_list(json_object_get(o.spec, "mood"), "sad"));
    ck_assert(!in_list(json_object_get(o.spec, "mood"), "hopeful"));
    ck_assert_str_eq(source(o.spec, "mood"), "prompt");
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 90);
    ck_assert_str_eq(source(o.spec, "tempo_bpm"), "prompt");
    ck_assert(has_instrument(o.spec, "piano")); /* asked for: the model may not exclude it */
    ck_assert(!in_list(json_object_get(o.spec, "exclude"), "piano"));
    ck_assert(trace_says(o.trace, "tempo_bpm", "the prompt wins"));
    /* model wins over rules */
    ck_assert_str_eq(sget(o.spec, "genre"), "trance");
    ck_assert_str_eq(source(o.spec, "genre"), "model");
    ck_assert_str_eq(sget(o.spec, "subgenre"), "uplifting trance");
    ck_assert_str_eq(sget(o.spec, "key"), "F#");
    ck_assert_str_eq(sget(o.spec, "mode"), "dorian");
    ck_assert_str_eq(source(o.spec, "key"), "model");
    ck_assert(fabs(nget(o.spec, "energy") - 0.9) < 1e-9);
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 300);
    ck_assert_str_eq(source(o.spec, "duration_s"), "model");
    ck_assert(has_instrument(o.spec, "glass harp"));
    ck_assert(in_list(json_object_get(o.spec, "exclude"), "vocals"));
    ck_assert_int_eq((int)json_array_size(json_object_get(o.spec, "form")), 6);
    ck_assert_str_eq(source(o.spec, "form"), "model");
    ck_assert(trace_says(o.trace, "reasoning", "uplifting trance suits hope"));
    out_free(&o);
}
END_TEST

START_TEST(test_model_proposal_validation)
{
    const char *opts =
        "{\"model_proposal\": {\"genre\": \"polka-step\", \"mood\": \"sad\", \"energy\": 1.5,"
        " \"tempo_bpm\": 300, \"key\": \"H\", \"mode\": \"happy\", \"meter\": \"7/3\","
        " \"duration_s\": 5, \"instruments\": [{\"name\": \"theremin\"},"
        " {\"name\": \"theremin\", \"role\": \"lead\", \"program\": 200},"
        " {\"name\": \"piano\", \"role\": \"boss\"}, 17],"
        " \"exclude\": \"drums\", \"form\": [\"Intro!\", 3], \"reasoning\": \"because\","
        " \"colour\": \"blue\"}}";
    out o = ideate("", 1, opts);
    check_shape(o.spec);
    static const char *const fields[] = {"genre", "mood", "energy", "tempo_bpm", "key", "mode",
                                         "meter", "duration_s", "instruments", "exclude", "form",
                                         NULL};
    for (int k = 0; fields[k]; k++) {
        ck_assert_msg(strcmp(source(o.spec, fields[k]), "model"), "bad %s was taken", fields[k]);
        ck_assert_msg(trace_says(o.trace, fields[k], "dropped the model's"), "no trace for %s",
                      fields[k]);
    }
    ck_assert(trace_says(o.trace, "energy", "outside 0..1"));
    ck_assert(trace_says(o.trace, "tempo_bpm", "outside 40..220"));
    ck_assert(trace_says(o.trace, "instruments", "program must be a whole number 0..127"));
    ck_assert(trace_says(o.trace, "model", "'colour'"));
    ck_assert(has_role(o.spec, "drums") || !strcmp(sget(o.spec, "genre"), "ambient") ||
              json_array_size(json_object_get(o.spec, "exclude")) == 0);
    out_free(&o);

    /* a model's values fill what the prompt leaves open */
    o = ideate("", 1, "{\"model_proposal\": {\"genre\": \"house\", \"tempo_bpm\": 124}}");
    ck_assert_str_eq(sget(o.spec, "genre"), "house");
    ck_assert_int_eq((int)nget(o.spec, "tempo_bpm"), 124);
    ck_assert_str_eq(source(o.spec, "tempo_bpm"), "model");
    out_free(&o);
}
END_TEST

START_TEST(test_model_proposal_option_must_be_an_object)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path(MODULE), "{\"model_proposal\": [1, 2]}", &err);
    ck_assert(h == NULL);
    ck_assert_msg(strstr(err.msg, "model_proposal") != NULL, "%s", err.msg);
    h = czh_new(czh_module_path(MODULE), "{\"min_duration_s\": 600, \"max_duration_s\": 60}", &err);
    ck_assert(h == NULL);
    ck_assert_msg(strstr(err.msg, "min_duration_s") != NULL, "%s", err.msg);
}
END_TEST

/* ---- options, titles, files, errors -------------------------------------- */

START_TEST(test_duration_and_genre_options)
{
    out o = ideate("a chill song", 1, "{\"default_duration_s\": 60}");
    ck_assert_int_eq((int)nget(o.spec, "duration_s"), 60);
    ck_assert_str_eq(source(o.spec, "duration_s"), "default");
    out_free(&o);
    o = ideate("", 1, "{\"default_genre\": \"jazz\"}");
    ck_assert_str_eq(sget(o.spec, "genre"), "jazz");
    ck_assert_str_eq(source(o.spec, "genre"), "default");
    out_free(&o);
}
END_TEST

START_TEST(test_titles)
{
    out o = ideate("an upbeat pop song called Paper Moons, 120 bpm", 1, NULL);
    ck_assert_str_eq(sget(o.spec, "title"), "Paper Moons");
    ck_assert_str_eq(source(o.spec, "title"), "prompt");
    out_free(&o);
    o = ideate("synthwave about driving at night", 1, NULL);
    ck_assert_str_eq(sget(o.spec, "title"), "Driving at Night");
    out_free(&o);
    o = ideate("rainy tokyo streets lofi", 1, NULL);
    ck_assert_str_eq(sget(o.spec, "title"), "Tokyo Streets");
    out_free(&o);
    o = ideate("sad piano", 1, NULL); /* nothing to name it after: from mood and genre */
    ck_assert_str_eq(source(o.spec, "title"), "rules");
    ck_assert(strlen(sget(o.spec, "title")) > 2);
    out_free(&o);
}
END_TEST

START_TEST(test_caption_summarises)
{
    out o = ideate("dark synthwave for night driving, 100 bpm", 1, NULL);
    const char *c = sget(o.spec, "caption");
    ck_assert(strstr(c, "synthwave") && strstr(c, "100 bpm") && strstr(c, "dark"));
    ck_assert(strstr(c, sget(o.spec, "key")));
    ck_assert(strchr(c, '\n') == NULL);
    out_free(&o);
    o = ideate("lofi, no drums", 1, NULL);
    ck_assert(strstr(sget(o.spec, "caption"), "no drums"));
    out_free(&o);
}
END_TEST

START_TEST(test_spec_file_written_with_trace)
{
    char *dir = kit_tmpdir();
    czh *h = open_module(NULL);
    czh_set_out(h, dir);
    out o = run_on(h, "jazz ballad in Eb", 1);
    char path[1024];
    snprintf(path, sizeof path, "%s/spec.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    ck_assert_msg(doc != NULL, "spec.json: %s", je.text);
    ck_assert_str_eq(sget(doc, "genre"), "jazz");
    ck_assert_str_eq(sget(doc, "key"), "Eb");
    ck_assert(json_is_array(json_object_get(doc, "trace")));
    ck_assert_int_eq((int)json_array_size(json_object_get(doc, "trace")),
                     (int)json_array_size(o.trace));
    /* no router, no model asked: an empty list of attempts */
    ck_assert(json_is_array(json_object_get(doc, "router")));
    ck_assert_int_eq((int)json_array_size(json_object_get(doc, "router")), 0);
    json_decref(doc);
    out_free(&o);
    czh_free(h);

    /* write_spec_file: false writes nothing */
    char *dir2 = kit_tmpdir();
    h = open_module("{\"write_spec_file\": false}");
    czh_set_out(h, dir2);
    o = run_on(h, "jazz", 1);
    snprintf(path, sizeof path, "%s/spec.json", dir2);
    ck_assert(access(path, F_OK) != 0);
    out_free(&o);
    czh_free(h);
    kit_rm(dir);
    kit_rm(dir2);
    free(dir);
    free(dir2);
}
END_TEST

START_TEST(test_prompt_of_wrong_type_is_a_clean_error)
{
    czh *h = open_module(NULL);
    cz_error err = {0};
    ck_assert_int_eq(cz_bus_put_int(czh_bus(h), "prompt", 5), 0);
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ETYPE);
    ck_assert(strstr(err.msg, "prompt") != NULL);
    ck_assert_int_eq(cz_bus_type(czh_bus(h), "ideation.spec"), CZ_TYPE_NONE);
    czh_free(h);
}
END_TEST

static Suite *ideation_suite(void)
{
    Suite *s = suite_create(MODULE);
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_prompt_table);
    tcase_add_test(tc, test_spec_shape_for_every_case);
    tcase_add_test(tc, test_empty_prompt);
    tcase_add_test(tc, test_long_prompt);
    tcase_add_test(tc, test_prompt_cut_at_max_bytes_on_a_character);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_unicode_words_and_emoji);
    tcase_add_test(tc, test_enhance_off_neutral_defaults);
    tcase_add_test(tc, test_same_seed_same_spec);
    tcase_add_test(tc, test_seeds_vary_only_inferred_fields);
    tcase_add_test(tc, test_explicit_beats_inferred);
    tcase_add_test(tc, test_conflicting_words_pick_one_and_say_why);
    tcase_add_test(tc, test_clamps_are_traced);
    tcase_add_test(tc, test_negated_instrument_is_replaced_when_the_genre_needs_its_role);
    tcase_add_test(tc, test_always_one_melodic_instrument);
    tcase_add_test(tc, test_requested_instruments_get_roles_and_programs);
    tcase_add_test(tc, test_model_proposal_precedence);
    tcase_add_test(tc, test_model_proposal_validation);
    tcase_add_test(tc, test_model_proposal_option_must_be_an_object);
    tcase_add_test(tc, test_duration_and_genre_options);
    tcase_add_test(tc, test_titles);
    tcase_add_test(tc, test_caption_summarises);
    tcase_add_test(tc, test_spec_file_written_with_trace);
    tcase_add_test(tc, test_prompt_of_wrong_type_is_a_clean_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(ideation_suite());
}
