/*
 * infer.c - step 3: rules fill what nobody stated.
 *
 * Order matters, each field leaning on the ones before it:
 *   genre (from use, moods, instruments, tempo, swing, meter) -> moods ->
 *   energy -> tempo -> meter -> mode -> key -> swing -> duration.
 * A field the prompt (or a model) already decided is kept; where the
 * rules would have chosen differently the trace says that the explicit
 * value wins. Choices among plausible values draw from cz_rng streams
 * named after the field ("ideation.key"), so another seed can give
 * another song while the same seed gives the same one, and adding a draw
 * to one field never shifts another.
 *
 * With enhance off nothing is inferred: unstated fields get neutral
 * defaults (pop, 120 bpm, C major, 4/4, 120 s, energy 0.5, straight).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ideation.h"

/* One stream per field; fields chosen after the genre also mix the genre
 * in, so two genres with the same seed do not land on the same relative
 * choice ("E" for every style). */
static void rng_for_genre(cz_rng *r, uint64_t seed, const char *field, int genre)
{
    char name[64];
    if (genre >= 0)
        snprintf(name, sizeof name, "ideation.%s.%s", field, id_genres[genre].id);
    else
        snprintf(name, sizeof name, "ideation.%s", field);
    cz_rng_init(r, seed, name);
}

static void rng_for(cz_rng *r, uint64_t seed, const char *field)
{
    rng_for_genre(r, seed, field, -1);
}

static json_t *num_json(double v)
{
    double r = (double)(long long)v;
    return r == v ? json_integer((json_int_t)v) : json_real(v);
}

static int is_minor_family(int m)
{
    return m == CZ_MODE_DORIAN || m == CZ_MODE_PHRYGIAN || m == CZ_MODE_AEOLIAN ||
           m == CZ_MODE_LOCRIAN || m == CZ_MODE_HARMONIC_MINOR || m == CZ_MODE_MELODIC_MINOR;
}

static void appendf(char *buf, size_t cap, const char *fmt, const char *s)
{
    size_t l = strlen(buf);
    if (l < cap)
        snprintf(buf + l, cap - l, fmt, s);
}

/* ---- genre ------------------------------------------------------------ */

static void instrument_hints(const id_member *m, double *w)
{
    unsigned fam = m->family ? m->family : id_instruments[m->inst].family;
    switch (m->inst) {
    case I_808: w[G_TRAP] += 4; w[G_HIPHOP] += 1; return;
    case I_808_KIT: w[G_TRAP] += 2; w[G_HIPHOP] += 2; return;
    case I_WOBBLE: w[G_DUBSTEP] += 5; return;
    case I_REESE: w[G_DNB] += 4; return;
    case I_ACID_BASS: w[G_TECHNO] += 3; w[G_HOUSE] += 2; return;
    case I_SQUARE_LEAD: case I_CHIP_KIT: w[G_CHIPTUNE] += 3; return;
    case I_SUPERSAW: w[G_TRANCE] += 3; w[G_EDM] += 2; return;
    case I_BANJO: case I_FIDDLE: case I_STEEL_GTR: w[G_COUNTRY] += 3; w[G_FOLK] += 2; return;
    case I_HARMONICA: w[G_BLUES] += 3; w[G_FOLK] += 1; return;
    case I_DIST_GTR: case I_LEAD_GTR: w[G_ROCK] += 2; w[G_METAL] += 2; return;
    case I_OD_GTR: w[G_ROCK] += 3; w[G_BLUES] += 1; return;
    case I_ACOUSTIC_GTR: case I_UKULELE: case I_MANDOLIN: w[G_FOLK] += 3; w[G_POP] += 1; return;
    case I_NYLON_GTR: w[G_LATIN] += 3; w[G_CLASSICAL] += 1; return;
    case I_JAZZ_GTR: case I_UPRIGHT_BASS: case I_JAZZ_KIT: case I_BRUSH_KIT: case I_VIBES:
        w[G_JAZZ] += 3; w[G_LOFI] += 1; return;
    case I_CONGAS: case I_TRUMPET: w[G_LATIN] += 2; w[G_JAZZ] += 1; return;
    case I_STEEL_DRUMS: w[G_REGGAE] += 2; w[G_LATIN] += 2; return;
    case I_SLAP_BASS: case I_CLAV: case I_MUTED_GTR: w[G_FUNK] += 3; w[G_DISCO] += 1; return;
    case I_EPIANO: w[G_RNB] += 2; w[G_LOFI] += 2; return;
    case I_HARPSICHORD: case I_HARP: w[G_CLASSICAL] += 3; return;
    case I_VOX_CHOPS: w[G_HOUSE] += 2; w[G_EDM] += 2; return;
    case I_KALIMBA: case I_HALO_PAD: case I_ATMOSPHERE: case I_OCEAN: case I_BIRDS: case I_RAIN:
        w[G_AMBIENT] += 2; w[G_LOFI] += 1; return;
    case I_TIMPANI: case I_TAIKO: case I_FRENCH_HORN: case I_CHOIR:
        w[G_CINEMATIC] += 3; return;
    default: break;
    }
    if (fam & ID_F_SAX) { w[G_JAZZ] += 3; w[G_RNB] += 1; return; }
    if (fam & ID_F_STRINGS) { w[G_CINEMATIC] += 2; w[G_CLASSICAL] += 2; return; }
    if (fam & ID_F_BRASS) { w[G_FUNK] += 1; w[G_JAZZ] += 1; w[G_CINEMATIC] += 1; return; }
    if (fam & ID_F_PIANO) { w[G_CLASSICAL] += 1; w[G_POP] += 1; w[G_JAZZ] += 1; return; }
    if (fam & ID_F_ORGAN) { w[G_BLUES] += 1; w[G_RNB] += 1; w[G_FUNK] += 1; return; }
    if (fam & ID_F_GUITAR) { w[G_ROCK] += 1; w[G_FOLK] += 1; w[G_POP] += 1; return; }
    if (fam & ID_F_SYNTH) { w[G_SYNTHWAVE] += 2; w[G_EDM] += 1; w[G_ELECTRONIC] += 1; return; }
    if (fam & ID_F_WIND) { w[G_FOLK] += 1; w[G_CLASSICAL] += 1; return; }
    if (fam & ID_F_MALLET) { w[G_AMBIENT] += 1; w[G_LOFI] += 1; return; }
}

static const int neutral_genres[] = {G_POP, G_LOFI, G_HOUSE, G_SYNTHWAVE, G_ROCK,
                                     G_FOLK, G_FUNK, G_ELECTRONIC};

static void infer_genre(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed)
{
    if (f->genre >= 0)
        return;
    double w[G_COUNT] = {0};
    char from[200] = "";
    if (f->use >= 0) {
        for (int k = 0; k < 3; k++)
            if (id_uses[f->use].genres[k])
                w[id_uses[f->use].genres[k] - 1] += 6 - 2 * k;
        appendf(from, sizeof from, "the use '%s'", id_uses[f->use].id);
    }
    for (int m = 0; m < f->n_moods; m++) {
        const id_mood *md = &id_moods[f->moods[m]];
        for (int k = 0; k < 3; k++)
            if (md->genres[k])
                w[md->genres[k] - 1] += 3 - k;
        appendf(from, sizeof from, from[0] ? ", the mood '%s'" : "the mood '%s'", md->id);
    }
    if (f->n_req) {
        for (int k = 0; k < f->n_req; k++)
            instrument_hints(&f->req[k], w);
        appendf(from, sizeof from, from[0] ? ", %s" : "%s", "the instruments asked for");
    }
    if (f->tempo_src >= ID_SRC_MODEL) {
        for (int g = 0; g < G_COUNT; g++)
            if (f->tempo >= id_genres[g].bpm_lo - 2 && f->tempo <= id_genres[g].bpm_hi + 2)
                w[g] += 1.5;
        appendf(from, sizeof from, from[0] ? ", %s" : "%s", "the tempo");
    }
    if (f->swing_src >= ID_SRC_MODEL && f->swing >= 0.4) {
        w[G_JAZZ] += 2, w[G_BLUES] += 2, w[G_LOFI] += 1;
        appendf(from, sizeof from, from[0] ? ", %s" : "%s", "the swing");
    }
    if (f->meter_src >= ID_SRC_MODEL && f->meter_num % 3 == 0) {
        w[G_CLASSICAL] += 1, w[G_FOLK] += 1, w[G_JAZZ] += 1;
        appendf(from, sizeof from, from[0] ? ", %s" : "%s", "the meter");
    }
    double total = 0, best = 0;
    for (int g = 0; g < G_COUNT; g++) {
        if (f->banned_genres & (1u << g))
            w[g] = 0;
        total += w[g];
        if (w[g] > best)
            best = w[g];
    }
    cz_rng r;
    rng_for(&r, seed, "genre");
    if (total > 0) {
        int g = (int)cz_rng_pick(&r, w, G_COUNT);
        f->genre = g;
        f->genre_src = ID_SRC_RULES;
        id_trace_add(tr, "genre", ID_SRC_RULES, json_string(id_genres[g].id),
                     "no genre stated; %s point to %s (%.0f%% of the weight, drawn "
                     "from the seed)",
                     from, id_genres[g].name, 100.0 * w[g] / total);
        return;
    }
    if (o->default_genre >= 0 && !(f->banned_genres & (1u << o->default_genre))) {
        f->genre = o->default_genre;
        f->genre_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "genre", ID_SRC_DEFAULT, json_string(id_genres[f->genre].id),
                     "nothing in the prompt points to a genre: the pipeline's "
                     "default_genre is %s",
                     id_genres[f->genre].name);
        return;
    }
    double nw[8];
    int nn = (int)(sizeof neutral_genres / sizeof neutral_genres[0]);
    for (int k = 0; k < nn; k++)
        nw[k] = (f->banned_genres & (1u << neutral_genres[k])) ? 0 : 1;
    int g = neutral_genres[cz_rng_pick(&r, nw, (uint32_t)nn)];
    f->genre = g;
    f->genre_src = ID_SRC_DEFAULT;
    id_trace_add(tr, "genre", ID_SRC_DEFAULT, json_string(id_genres[g].id),
                 "nothing in the prompt points to a genre: drew %s from the seed among "
                 "common genres",
                 id_genres[g].name);
}

/* ---- moods, energy ------------------------------------------------------ */

static void infer_moods(id_facts *f, id_trace *tr, uint64_t seed)
{
    if (f->n_moods)
        return;
    const id_genre *g = &id_genres[f->genre];
    cz_rng r;
    rng_for(&r, seed, "mood");
    if (f->use >= 0 && id_uses[f->use].mood &&
        !(f->negated_moods & (1u << (id_uses[f->use].mood - 1)))) {
        f->moods[f->n_moods++] = id_uses[f->use].mood - 1;
    } else if (g->moods[0] && !(f->negated_moods & (1u << (g->moods[0] - 1)))) {
        f->moods[f->n_moods++] = g->moods[0] - 1;
    }
    if (g->moods[1] && cz_rng_chance(&r, 0.5) &&
        !(f->negated_moods & (1u << (g->moods[1] - 1))) &&
        (f->n_moods == 0 || f->moods[0] != g->moods[1] - 1))
        f->moods[f->n_moods++] = g->moods[1] - 1;
    f->mood_src = ID_SRC_RULES;
    json_t *list = json_array();
    for (int k = 0; k < f->n_moods; k++)
        json_array_append_new(list, json_string(id_moods[f->moods[k]].id));
    id_trace_add(tr, "mood", ID_SRC_RULES, list, "no mood stated: %s",
                 f->use >= 0 && id_uses[f->use].mood ? "taken from the use and the genre"
                                                     : "the genre's usual mood");
}

static double mood_energy(const id_facts *f, int *n)
{
    double s = 0;
    *n = 0;
    for (int k = 0; k < f->n_moods; k++, (*n)++)
        s += id_moods[f->moods[k]].energy / 100.0;
    return *n ? s / *n : 0;
}

static void infer_energy(id_facts *f, id_trace *tr)
{
    const id_genre *g = &id_genres[f->genre];
    double e = g->energy / 100.0;
    int nm;
    double me = mood_energy(f, &nm);
    if (nm)
        e = 0.5 * e + 0.5 * me;
    if (f->use >= 0 && id_uses[f->use].energy)
        e = 0.4 * e + 0.6 * id_uses[f->use].energy / 100.0;
    if (f->tempo_word == ID_TW_FAST || f->tempo_word == ID_TW_VFAST)
        e += 0.1;
    if (f->tempo_word == ID_TW_SLOW || f->tempo_word == ID_TW_VSLOW)
        e -= 0.1;
    e = floor(id_clampd(e, 0.05, 1.0) * 100 + 0.5) / 100;
    if (f->energy_src >= ID_SRC_MODEL) {
        if (fabs(e - f->energy) > 0.25)
            id_trace_add(tr, "energy", f->energy_src, json_real(f->energy),
                         "the %s's energy %.2f wins over the %.2f the genre and mood suggest",
                         f->energy_src == ID_SRC_PROMPT ? "prompt" : "model", f->energy, e);
        return;
    }
    f->energy = e;
    f->energy_src = ID_SRC_RULES;
    id_trace_add(tr, "energy", ID_SRC_RULES, json_real(e),
                 "%s's energy %.2f%s%s", g->name, g->energy / 100.0,
                 nm ? ", blended with the mood" : "",
                 f->use >= 0 && id_uses[f->use].energy ? " and the use" : "");
}

/* ---- tempo -------------------------------------------------------------- */

static void genre_range(const id_facts *f, double *lo, double *hi)
{
    if (f->sub_bpm_lo > 0) {
        *lo = f->sub_bpm_lo;
        *hi = f->sub_bpm_hi;
    } else {
        *lo = id_genres[f->genre].bpm_lo;
        *hi = id_genres[f->genre].bpm_hi;
    }
}

static double word_tempo(int word, int abs_bpm, double lo, double hi, int neutral)
{
    static const double anchor[] = {0, 55, 72, 100, 140, 170};
    if (word == ID_TW_ABS)
        return abs_bpm;
    if (neutral) {
        if (word == ID_TW_HALF)
            return 60;
        if (word == ID_TW_DOUBLE)
            return 240;
        return anchor[word];
    }
    double mid = (lo + hi) / 2, width = hi - lo, rel;
    switch (word) {
    case ID_TW_VSLOW: rel = lo * 0.85; break;
    case ID_TW_SLOW: rel = lo + 0.1 * width; break;
    case ID_TW_MODERATE: rel = mid; break;
    case ID_TW_FAST: rel = hi - 0.1 * width; break;
    case ID_TW_VFAST: rel = hi * 1.1; break;
    case ID_TW_HALF: return mid / 2 >= 40 ? mid / 2 : mid;
    case ID_TW_DOUBLE: return mid * 2;
    default: return mid;
    }
    /* a genre with a narrow range defines its tempo; otherwise meet the
     * word's usual tempo halfway */
    return width <= 25 ? rel : (rel + anchor[word]) / 2;
}

static void infer_tempo(id_facts *f, id_trace *tr, uint64_t seed)
{
    double lo, hi;
    genre_range(f, &lo, &hi);
    const char *gname = f->sub_bpm_lo > 0 && f->subgenre[0] ? f->subgenre
                                                            : id_genres[f->genre].name;
    if (f->tempo_src >= ID_SRC_MODEL) {
        if (f->tempo < lo * 0.9 || f->tempo > hi * 1.1)
            id_trace_add(tr, "tempo_bpm", f->tempo_src, num_json(f->tempo),
                         "the %s's %g bpm wins over %s's usual %.0f..%.0f bpm",
                         f->tempo_src == ID_SRC_PROMPT ? "prompt" : "model", f->tempo,
                         gname, lo, hi);
        return;
    }
    if (f->tempo_word) {
        double v = floor(word_tempo(f->tempo_word, f->tempo_word_bpm, lo, hi, 0) + 0.5);
        f->tempo = v;
        f->tempo_src = ID_SRC_PROMPT;
        id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, num_json(v),
                     "'%s' with %s (usually %.0f..%.0f bpm) gives %g bpm",
                     f->tempo_word_said.last, gname, lo, hi, v);
    } else {
        double pos = 0, n = 0;
        for (int k = 0; k < f->n_moods; k++, n++)
            pos += id_moods[f->moods[k]].tempo_pos / 100.0;
        if (f->use >= 0 && id_uses[f->use].tempo_pos != 255)
            pos += 2 * id_uses[f->use].tempo_pos / 100.0, n += 2;
        if (f->energy_src >= ID_SRC_MODEL)
            pos += 2 * f->energy, n += 2;
        pos = n ? pos / n : 0.5;
        cz_rng r;
        rng_for_genre(&r, seed, "tempo", f->genre);
        double p = id_clampd(pos + cz_rng_range(&r, -0.2, 0.2), 0, 1);
        double v = floor(lo + (hi - lo) * p + 0.5);
        f->tempo = v;
        f->tempo_src = ID_SRC_RULES;
        id_trace_add(tr, "tempo_bpm", ID_SRC_RULES, num_json(v),
                     "no tempo stated: %s runs %.0f..%.0f bpm; %s %.0f%% of that "
                     "range, the seed picked %g",
                     gname, lo, hi, n ? "mood, use and energy point to" : "nothing leans, so",
                     100 * pos, v);
    }
    double c = id_clampd(f->tempo, 40, 220);
    if (c != f->tempo) {
        id_trace_add(tr, "tempo_bpm", f->tempo_src, num_json(c),
                     "%g bpm is outside 40..220: clamped to %g", f->tempo, c);
        f->tempo = c;
    }
}

/* ---- meter, mode, key, swing ------------------------------------------- */

static void infer_meter(id_facts *f, id_trace *tr, uint64_t seed)
{
    if (f->meter_src != ID_SRC_NONE)
        return;
    const id_genre *g = &id_genres[f->genre];
    uint8_t w[3];
    int n = 0;
    for (; n < 3 && g->meters[n][2]; n++)
        w[n] = g->meters[n][2];
    cz_rng r;
    rng_for_genre(&r, seed, "meter", f->genre);
    uint32_t k = n > 1 ? id_pick_weighted(&r, w, (uint32_t)n) : 0;
    f->meter_num = g->meters[k][0];
    f->meter_den = g->meters[k][1];
    f->meter_src = ID_SRC_RULES;
    char m[16];
    snprintf(m, sizeof m, "%d/%d", f->meter_num, f->meter_den);
    id_trace_add(tr, "meter", ID_SRC_RULES, json_string(m),
                 n > 1 ? "no meter stated: %s is mostly in %s here, drawn from the seed "
                         "among its usual meters"
                       : "no meter stated: %s is in %s",
                 g->name, m);
}

static int mood_valence(const id_facts *f, const char **which)
{
    int v = 0;
    *which = "";
    for (int k = 0; k < f->n_moods; k++) {
        v += id_moods[f->moods[k]].valence;
        if (id_moods[f->moods[k]].valence && !(*which)[0])
            *which = id_moods[f->moods[k]].id;
    }
    return v;
}

static void infer_mode(id_facts *f, id_trace *tr, uint64_t seed)
{
    const char *which;
    int val = mood_valence(f, &which);
    if (f->mode_src >= ID_SRC_MODEL) {
        int minor = is_minor_family(f->mode);
        if ((val <= -1 && !minor) || (val >= 1 && minor))
            id_trace_add(tr, "mode", f->mode_src, json_string(id_mode_name(f->mode)),
                         "the mood '%s' suggests %s, but the %s asks for %s: what is "
                         "stated wins over what is inferred",
                         which, val < 0 ? "minor" : "major",
                         f->mode_src == ID_SRC_PROMPT ? "prompt" : "model",
                         id_mode_words(f->mode));
        return;
    }
    const id_genre *g = &id_genres[f->genre];
    double w[4] = {0};
    int n = 0, any = 0;
    for (; n < 4 && g->modes[n][1]; n++) {
        int m = g->modes[n][0];
        int keep = val == 0 || (val < 0 && is_minor_family(m)) || (val > 0 && !is_minor_family(m));
        w[n] = keep ? g->modes[n][1] : 0;
        any |= w[n] > 0;
    }
    cz_rng r;
    rng_for_genre(&r, seed, "mode", f->genre);
    int mode;
    if (any)
        mode = g->modes[cz_rng_pick(&r, w, (uint32_t)n)][0];
    else
        mode = val < 0 ? CZ_MODE_AEOLIAN : CZ_MODE_IONIAN;
    f->mode = mode;
    f->mode_src = ID_SRC_RULES;
    if (val)
        id_trace_add(tr, "mode", ID_SRC_RULES, json_string(id_mode_name(mode)),
                     "no mode stated: the mood '%s' leans %s; among %s's usual modes "
                     "the seed picked %s",
                     which, val < 0 ? "minor" : "major", g->name, id_mode_words(mode));
    else
        id_trace_add(tr, "mode", ID_SRC_RULES, json_string(id_mode_name(mode)),
                     "no mode stated: drawn from %s's usual modes: %s", g->name,
                     id_mode_words(mode));
}

static void infer_key(id_facts *f, id_trace *tr, uint64_t seed)
{
    if (f->key_src >= ID_SRC_MODEL) {
        if (!f->key[0])
            id_key_spell(f->tonic, f->mode, f->key);
        return;
    }
    const id_genre *g = &id_genres[f->genre];
    cz_rng r;
    rng_for_genre(&r, seed, "key", f->genre);
    int pc = (int)id_pick_weighted(&r, g->tonic_w, 12);
    f->tonic = pc;
    id_key_spell(pc, f->mode, f->key);
    f->key_src = ID_SRC_RULES;
    id_trace_add(tr, "key", ID_SRC_RULES, json_string(f->key),
                 "no key stated: %s favours keys that suit its instruments; the seed "
                 "picked %s %s",
                 g->name, f->key, id_mode_words(f->mode));
}

static void infer_swing(id_facts *f, id_trace *tr, uint64_t seed)
{
    if (f->swing_src >= ID_SRC_MODEL)
        return;
    const id_genre *g = &id_genres[f->genre];
    f->swing_src = ID_SRC_RULES;
    if (f->meter_den == 8 && f->meter_num % 3 == 0) {
        f->swing = 0;
        id_trace_add(tr, "swing", ID_SRC_RULES, json_real(0),
                     "%d/8 already divides the beat in three: no swing on top",
                     f->meter_num);
        return;
    }
    if (g->swing_hi == 0) {
        f->swing = 0;
        id_trace_add(tr, "swing", ID_SRC_RULES, json_real(0), "%s plays straight", g->name);
        return;
    }
    cz_rng r;
    rng_for_genre(&r, seed, "swing", f->genre);
    double s = cz_rng_range(&r, g->swing_lo / 100.0, g->swing_hi / 100.0);
    f->swing = floor(s * 100 + 0.5) / 100;
    id_trace_add(tr, "swing", ID_SRC_RULES, json_real(f->swing),
                 "%s swings %.2f..%.2f; the seed picked %.2f", g->name, g->swing_lo / 100.0,
                 g->swing_hi / 100.0, f->swing);
}

/* ---- duration --------------------------------------------------------- */

static void clamp_duration(id_facts *f, id_trace *tr, const id_opts *o)
{
    double c = id_clampd(f->duration, o->min_duration_s, o->max_duration_s);
    if (c != f->duration) {
        id_trace_add(tr, "duration_s", f->duration_src, num_json(c),
                     "%g s is outside %d..%d s: clamped to %g", f->duration,
                     o->min_duration_s, o->max_duration_s, c);
        f->duration = c;
    }
}

static int bars_to_duration(id_facts *f, id_trace *tr, const id_opts *o)
{
    if (!f->duration_bars)
        return 0;
    double beats = f->meter_num * 4.0 / (f->meter_den ? f->meter_den : 4);
    double s = floor(f->duration_bars * beats * 60.0 / f->tempo + 0.5);
    f->duration = s;
    id_trace_add(tr, "duration_s", ID_SRC_PROMPT, num_json(s),
                 "%d bars of %d/%d at %g bpm last %g s", f->duration_bars, f->meter_num,
                 f->meter_den, f->tempo, s);
    clamp_duration(f, tr, o);
    return 1;
}

static void infer_duration(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed)
{
    if (bars_to_duration(f, tr, o))
        return;
    if (f->duration_src == ID_SRC_MODEL)
        clamp_duration(f, tr, o); /* the prompt's are clamped when read */
    if (f->duration_src >= ID_SRC_MODEL)
        return;
    if (o->default_duration_s > 0) {
        f->duration = o->default_duration_s;
        f->duration_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "duration_s", ID_SRC_DEFAULT, num_json(f->duration),
                     "no length stated: the pipeline's default_duration_s");
        clamp_duration(f, tr, o);
        return;
    }
    const id_genre *g = &id_genres[f->genre];
    double lo = g->dur_lo, hi = g->dur_hi;
    const char *from = g->name;
    if (f->use >= 0 && id_uses[f->use].dur_hi) {
        lo = id_uses[f->use].dur_lo;
        hi = id_uses[f->use].dur_hi;
        from = id_uses[f->use].id;
    }
    cz_rng r;
    rng_for_genre(&r, seed, "duration", f->genre);
    double s = floor(cz_rng_range(&r, lo, hi) / 5 + 0.5) * 5;
    f->duration = s;
    f->duration_src = ID_SRC_RULES;
    id_trace_add(tr, "duration_s", ID_SRC_RULES, num_json(s),
                 "no length stated: a %s piece runs %.0f..%.0f s; the seed picked %g", from,
                 lo, hi, s);
    clamp_duration(f, tr, o);
}

static void subgenre_from_era(id_facts *f, id_trace *tr)
{
    if (f->subgenre[0] || !f->era[0])
        return;
    snprintf(f->subgenre, sizeof f->subgenre, "%s %s", f->era, id_genres[f->genre].name);
    f->subgenre_src = ID_SRC_PROMPT;
    id_trace_add(tr, "subgenre", ID_SRC_PROMPT, json_string(f->subgenre),
                 "the era '%s' names the subgenre", f->era);
}

/* ---- neutral defaults (enhance off) ------------------------------------ */

static int white_key_tonic(int mode)
{
    /* the mode on the white keys: C ionian, D dorian, ... A aeolian */
    static const int t[9] = {0, 2, 4, 5, 7, 9, 11, 9, 9};
    return mode >= 0 && mode <= 8 ? t[mode] : 0;
}

static void neutral(id_facts *f, id_trace *tr, const id_opts *o)
{
    const char *off = "enhance is off: neutral default";
    if (f->genre < 0) {
        f->genre = G_POP;
        f->genre_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "genre", ID_SRC_DEFAULT, json_string("pop"), "%s", off);
    }
    subgenre_from_era(f, tr);
    if (!f->n_moods) {
        f->mood_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "mood", ID_SRC_DEFAULT, json_array(), "%s: no mood", off);
    }
    if (f->energy_src == ID_SRC_NONE) {
        f->energy = 0.5;
        f->energy_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "energy", ID_SRC_DEFAULT, json_real(0.5), "%s", off);
    }
    if (f->tempo_src == ID_SRC_NONE && f->tempo_word) {
        f->tempo = word_tempo(f->tempo_word, f->tempo_word_bpm, 0, 0, 1);
        f->tempo_src = ID_SRC_PROMPT;
        id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, num_json(f->tempo),
                     "'%s' means about %g bpm on its own (enhance is off)",
                     f->tempo_word_said.last, f->tempo);
        double c = id_clampd(f->tempo, 40, 220);
        if (c != f->tempo) {
            id_trace_add(tr, "tempo_bpm", ID_SRC_PROMPT, num_json(c),
                         "%g bpm is outside 40..220: clamped to %g", f->tempo, c);
            f->tempo = c;
        }
    } else if (f->tempo_src == ID_SRC_NONE) {
        f->tempo = 120;
        f->tempo_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "tempo_bpm", ID_SRC_DEFAULT, json_integer(120), "%s", off);
    }
    if (f->meter_src == ID_SRC_NONE) {
        f->meter_num = f->meter_den = 4;
        f->meter_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "meter", ID_SRC_DEFAULT, json_string("4/4"), "%s", off);
    }
    if (f->mode_src == ID_SRC_NONE) {
        f->mode = CZ_MODE_IONIAN;
        f->mode_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "mode", ID_SRC_DEFAULT, json_string("major"), "%s", off);
    }
    if (f->key_src == ID_SRC_NONE) {
        f->tonic = white_key_tonic(f->mode);
        id_key_spell(f->tonic, f->mode, f->key);
        f->key_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "key", ID_SRC_DEFAULT, json_string(f->key),
                     "%s: the %s scale without sharps or flats", off, id_mode_words(f->mode));
    }
    if (f->swing_src == ID_SRC_NONE) {
        f->swing = 0;
        f->swing_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "swing", ID_SRC_DEFAULT, json_real(0), "%s: straight", off);
    }
    if (!bars_to_duration(f, tr, o) && f->duration_src == ID_SRC_NONE) {
        f->duration = o->default_duration_s > 0 ? o->default_duration_s : 120;
        f->duration_src = ID_SRC_DEFAULT;
        id_trace_add(tr, "duration_s", ID_SRC_DEFAULT, num_json(f->duration), "%s", off);
        clamp_duration(f, tr, o);
    }
}

int id_infer(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed)
{
    if (!o->enhance) {
        neutral(f, tr, o);
        return 0;
    }
    infer_genre(f, tr, o, seed);
    subgenre_from_era(f, tr);
    infer_moods(f, tr, seed);
    infer_energy(f, tr);
    infer_tempo(f, tr, seed);
    infer_meter(f, tr, seed);
    infer_mode(f, tr, seed);
    infer_key(f, tr, seed);
    infer_swing(f, tr, seed);
    infer_duration(f, tr, o, seed);
    return 0;
}
