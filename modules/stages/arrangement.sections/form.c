/*
 * form.c - the song form: which sections play, in which order, how long.
 *
 * Template: the `form` option, else spec.form, else the genre's usual form.
 * Each template entry takes its length from the material section of that
 * name (or a default for sections the material lacks, which are derived
 * from the nearest material: a build from the prechorus or chorus, a
 * breakdown from the bridge or chorus, ...).
 *
 * Fitting to the requested length (bars = round(duration * bpm / 60 /
 * quarters per bar)) is done the way an arranger would:
 *   longer:  double short sections (an 8-bar verse played twice), insert
 *            another verse-chorus cycle, repeat the last chorus, then grow
 *            intro/outro and the body a few bars at a time;
 *   shorter: drop prechoruses, bridges, extra repeats, halve long sections,
 *            then trim bars.
 * The result always sums to exactly the target, so the song is within half
 * a bar of the request.
 */
#include <math.h>
#include <string.h>

#include "arr.h"

static const struct {
    const char *name;
    sec_type type;
} sec_names[] = {
    {"intro", SEC_INTRO}, {"opening", SEC_INTRO},
    {"verse", SEC_VERSE}, {"head", SEC_VERSE}, {"a", SEC_VERSE},
    {"prechorus", SEC_PRECHORUS}, {"pre", SEC_PRECHORUS}, {"lift", SEC_PRECHORUS},
    {"chorus", SEC_CHORUS}, {"hook", SEC_CHORUS}, {"refrain", SEC_CHORUS},
    {"b", SEC_CHORUS},
    {"bridge", SEC_BRIDGE}, {"middle8", SEC_BRIDGE}, {"interlude", SEC_BRIDGE},
    {"solo", SEC_BRIDGE}, {"c", SEC_BRIDGE},
    {"build", SEC_BUILD}, {"buildup", SEC_BUILD}, {"riser", SEC_BUILD},
    {"drop", SEC_DROP},
    {"breakdown", SEC_BREAKDOWN}, {"break", SEC_BREAKDOWN},
    {"outro", SEC_OUTRO}, {"ending", SEC_OUTRO}, {"coda", SEC_OUTRO},
    {"fadeout", SEC_OUTRO},
};

sec_type arr_sec_type(const char *norm)
{
    char base[24];
    size_t n = strlen(norm);
    if (n >= sizeof base)
        n = sizeof base - 1;
    memcpy(base, norm, n);
    base[n] = 0;
    while (n > 1 && base[n - 1] >= '0' && base[n - 1] <= '9')
        base[--n] = 0; /* "verse2" -> "verse" */
    for (size_t i = 0; i < sizeof sec_names / sizeof sec_names[0]; i++)
        if (!strcmp(sec_names[i].name, base))
            return sec_names[i].type;
    return SEC_OTHER;
}

static int chorus_like(sec_type t)
{
    return t == SEC_CHORUS || t == SEC_DROP;
}

static int is_tail(sec_type t)
{
    return t == SEC_INTRO || t == SEC_OUTRO;
}

/* Where a section missing from the material takes its material from. */
static const sec_type derive_from[SEC_COUNT][5] = {
    [SEC_INTRO] = {SEC_INTRO, SEC_CHORUS, SEC_DROP, SEC_VERSE, SEC_COUNT},
    [SEC_VERSE] = {SEC_VERSE, SEC_CHORUS, SEC_DROP, SEC_BRIDGE, SEC_COUNT},
    [SEC_PRECHORUS] = {SEC_PRECHORUS, SEC_BUILD, SEC_VERSE, SEC_CHORUS, SEC_COUNT},
    [SEC_CHORUS] = {SEC_CHORUS, SEC_DROP, SEC_VERSE, SEC_COUNT, SEC_COUNT},
    [SEC_BRIDGE] = {SEC_BRIDGE, SEC_BREAKDOWN, SEC_VERSE, SEC_CHORUS, SEC_COUNT},
    [SEC_BUILD] = {SEC_BUILD, SEC_PRECHORUS, SEC_CHORUS, SEC_DROP, SEC_VERSE},
    [SEC_DROP] = {SEC_DROP, SEC_CHORUS, SEC_VERSE, SEC_COUNT, SEC_COUNT},
    [SEC_BREAKDOWN] = {SEC_BREAKDOWN, SEC_BRIDGE, SEC_CHORUS, SEC_DROP, SEC_VERSE},
    [SEC_OUTRO] = {SEC_OUTRO, SEC_INTRO, SEC_CHORUS, SEC_DROP, SEC_VERSE},
    [SEC_OTHER] = {SEC_VERSE, SEC_CHORUS, SEC_DROP, SEC_COUNT, SEC_COUNT},
};

static const float default_energy[SEC_COUNT] = {
    0.30f, 0.50f, 0.62f, 0.85f, 0.50f, 0.65f, 1.00f, 0.30f, 0.30f, 0.50f};

/* Base density plan per section type: lead bass chords drums pad arp
 * counter perc. The genre adjusts it in finish_items(). */
static const sec_plan base_plan[SEC_COUNT] = {
    [SEC_INTRO] = {0, 1, 1, 1, 1, 1, 0, 0},
    [SEC_VERSE] = {1, 2, 2, 2, 1, 1, 0, 1},
    [SEC_PRECHORUS] = {1, 2, 2, 2, 1, 2, 0, 1},
    [SEC_CHORUS] = {1, 2, 2, 3, 1, 2, 1, 1},
    [SEC_BRIDGE] = {1, 1, 2, 1, 1, 1, 0, 0},
    [SEC_BUILD] = {0, 1, 1, 2, 1, 2, 0, 1},
    [SEC_DROP] = {1, 2, 2, 3, 1, 2, 1, 1},
    [SEC_BREAKDOWN] = {0, 0, 1, 0, 1, 1, 0, 0},
    [SEC_OUTRO] = {0, 1, 2, 1, 1, 1, 0, 0},
    [SEC_OTHER] = {1, 2, 2, 2, 1, 1, 0, 1},
};

static int find_material(const arr_ctx *c, const char *norm, sec_type t,
                         uint8_t *derived)
{
    *derived = 0;
    for (uint32_t i = 0; i < c->n_msec; i++)
        if (!strcmp(c->msec[i].name, norm))
            return (int)i;
    for (uint32_t i = 0; i < c->n_msec; i++)
        if (c->msec[i].type == t)
            return (int)i;
    *derived = 1;
    for (int k = 0; k < 5; k++) {
        sec_type want = derive_from[t][k];
        if (want == SEC_COUNT)
            break;
        for (uint32_t i = 0; i < c->n_msec; i++)
            if (c->msec[i].type == want)
                return (int)i;
    }
    return 0; /* anything: the first material section */
}

static uint32_t default_bars(const arr_ctx *c, sec_type t, uint32_t src_bars)
{
    switch (t) {
    case SEC_INTRO:
    case SEC_OUTRO:
    case SEC_PRECHORUS:
        return src_bars < 4 ? src_bars : 4;
    case SEC_BUILD:
        return c->genre->edm ? 8 : 4;
    case SEC_BREAKDOWN:
    case SEC_BRIDGE:
        return 8;
    default:
        return src_bars;
    }
}

static int add_template_entry(arr_ctx *c, const char *raw)
{
    char norm[24];
    arr_norm(raw, norm, sizeof norm);
    if (!norm[0] || c->n_items >= ARR_MAX_ITEMS / 2)
        return 0;
    arr_item *it = &c->items[c->n_items++];
    memset(it, 0, sizeof *it);
    memcpy(it->name, norm, sizeof it->name);
    it->type = arr_sec_type(norm);
    it->src = find_material(c, norm, it->type, &it->derived);
    uint32_t sb = c->msec[it->src].bars;
    it->bars = it->derived ? default_bars(c, it->type, sb) : sb;
    if (!it->bars)
        it->bars = 4;
    return 1;
}

static void load_template(arr_ctx *c)
{
    const json_t *list = c->opt.form;
    if (!json_is_array(list) || !json_array_size(list))
        list = json_object_get(c->spec, "form");
    c->n_items = 0;
    if (json_is_array(list)) {
        size_t i;
        const json_t *v;
        json_array_foreach(list, i, v)
            if (json_is_string(v))
                add_template_entry(c, json_string_value(v));
    }
    if (c->n_items)
        return;
    /* the genre's usual form */
    const char *f = c->genre->form;
    while (*f) {
        char word[24];
        size_t k = 0;
        while (*f == ' ')
            f++;
        while (*f && *f != ' ' && k + 1 < sizeof word)
            word[k++] = *f++;
        word[k] = 0;
        if (k)
            add_template_entry(c, word);
    }
}

static uint32_t total_bars(const arr_ctx *c)
{
    uint32_t t = 0;
    for (uint32_t i = 0; i < c->n_items; i++)
        t += c->items[i].bars;
    return t;
}

static int insert_items(arr_ctx *c, uint32_t at, const arr_item *src,
                        uint32_t n)
{
    if (c->n_items + n > ARR_MAX_ITEMS - 4)
        return 0;
    memmove(&c->items[at + n], &c->items[at],
            (c->n_items - at) * sizeof c->items[0]);
    memcpy(&c->items[at], src, n * sizeof c->items[0]);
    c->n_items += n;
    return 1;
}

static void remove_item(arr_ctx *c, uint32_t at)
{
    memmove(&c->items[at], &c->items[at + 1],
            (c->n_items - at - 1) * sizeof c->items[0]);
    c->n_items--;
}

/* The verse-chorus (or breakdown-build-drop) cycle to repeat: ends at the
 * second chorus-like section (else the first) and reaches back to its
 * verse or breakdown. Returns its length in items, 0 if none. */
static uint32_t find_cycle(const arr_ctx *c, uint32_t *start)
{
    int first = -1, second = -1;
    for (uint32_t i = 0; i < c->n_items; i++)
        if (chorus_like(c->items[i].type)) {
            if (first < 0)
                first = (int)i;
            else if (second < 0)
                second = (int)i;
        }
    int end = second >= 0 ? second : first;
    if (end < 0) {
        /* no chorus: repeat the body (all but intro and outro) */
        uint32_t s = 0, e = c->n_items;
        while (s < e && c->items[s].type == SEC_INTRO)
            s++;
        while (e > s && c->items[e - 1].type == SEC_OUTRO)
            e--;
        if (e == s)
            return 0;
        *start = s;
        return e - s;
    }
    int s = end;
    while (s > 0) {
        sec_type t = c->items[s - 1].type;
        if (chorus_like(t) || t == SEC_INTRO)
            break;
        s--;
        if (t == SEC_VERSE || t == SEC_BREAKDOWN)
            break;
    }
    *start = (uint32_t)s;
    return (uint32_t)(end - s + 1);
}

static int last_chorus(const arr_ctx *c)
{
    for (int i = (int)c->n_items - 1; i >= 0; i--)
        if (chorus_like(c->items[i].type))
            return i;
    return -1;
}

static void grow(arr_ctx *c, uint32_t target)
{
    uint32_t t = total_bars(c);
    /* 1. play short sections twice when the song must be much longer */
    for (int pass = 0; pass < 2 && 4 * (uint64_t)target >= 7 * (uint64_t)t;
         pass++) {
        for (uint32_t i = 0; i < c->n_items; i++) {
            arr_item *it = &c->items[i];
            uint32_t cap = (it->type == SEC_INTRO || it->type == SEC_OUTRO ||
                            it->type == SEC_PRECHORUS || it->type == SEC_BUILD)
                               ? 8 : 16;
            if (it->bars * 2 <= cap)
                it->bars *= 2;
        }
        t = total_bars(c);
    }
    /* 2. another cycle (verse-chorus, breakdown-build-drop) */
    uint32_t cs = 0, cn = find_cycle(c, &cs);
    for (int guard = 0; cn && guard < 4 && t < target; guard++) {
        uint32_t len = 0;
        for (uint32_t k = 0; k < cn; k++)
            len += c->items[cs + k].bars;
        if ((uint64_t)(target - t) * 4 < (uint64_t)len * 3)
            break;
        arr_item copy[ARR_MAX_ITEMS];
        memcpy(copy, &c->items[cs], cn * sizeof copy[0]);
        if (!insert_items(c, cs + cn, copy, cn))
            break;
        t += len;
    }
    /* 3. a repeated last chorus */
    for (int guard = 0; guard < 2 && t < target; guard++) {
        int lc = last_chorus(c);
        if (lc < 0)
            break;
        arr_item copy = c->items[lc];
        if ((uint64_t)(target - t) * 4 < (uint64_t)copy.bars * 3)
            break;
        if (!insert_items(c, (uint32_t)lc + 1, &copy, 1))
            break;
        t += copy.bars;
    }
}

/* Lower = dropped first when the song must be shorter; -1: never dropped
 * whole (the intro, the outro, the first verse and the first chorus are
 * the song's core; they shrink instead). */
static int removal_priority(const arr_ctx *c, uint32_t i)
{
    const arr_item *it = &c->items[i];
    int before = 0, after = 0, chorus_before = 0;
    for (uint32_t k = 0; k < c->n_items; k++) {
        if (k != i && c->items[k].type == it->type)
            *(k < i ? &before : &after) += 1;
        if (k < i && chorus_like(c->items[k].type))
            chorus_before = 1;
    }
    switch (it->type) {
    case SEC_PRECHORUS:
        return 1;
    case SEC_BRIDGE:
        return 2;
    case SEC_BUILD:
    case SEC_BREAKDOWN:
        return before ? 3 : 4;
    case SEC_OTHER:
        return 4;
    case SEC_VERSE:
        return before ? 4 : -1;
    case SEC_CHORUS:
    case SEC_DROP:
        if (!chorus_before)
            return -1;
        return after ? 4 : 5; /* middle repeats before the last one */
    default:
        return -1;
    }
}

static void shrink(arr_ctx *c, uint32_t target)
{
    uint32_t t = total_bars(c);
    /* 1. drop whole sections while that gets closer */
    while (t > target && c->n_items > 1) {
        int best = -1, best_p = 100;
        for (uint32_t i = 0; i < c->n_items; i++) {
            int p = removal_priority(c, i);
            uint32_t b = c->items[i].bars;
            if (p < 0 || (uint64_t)(t - target) * 4 < (uint64_t)b * 3)
                continue;
            if (p <= best_p) { /* ties: the later one */
                best = (int)i;
                best_p = p;
            }
        }
        if (best < 0)
            break;
        t -= c->items[best].bars;
        remove_item(c, (uint32_t)best);
    }
    /* 2. a few bars too many: the tails give them up (the outro down to
     * one bar, the intro to two); more: halve the longest section (a
     * chorus counts half its length, so it shrinks last), in whole 4-bar
     * phrases when it can */
    while (t > target) {
        uint32_t excess = t - target;
        if (excess < 4) {
            uint32_t took = 0;
            for (int k = 0; k < 2 && !took; k++) {
                arr_item *e = &c->items[k == 0 ? c->n_items - 1 : 0];
                uint32_t keep = e->type == SEC_OUTRO ? 1 : 2;
                if (is_tail(e->type) && e->bars > keep) {
                    took = e->bars - keep < excess ? e->bars - keep : excess;
                    e->bars -= took;
                }
            }
            t -= took;
            if (took)
                continue;
        }
        uint32_t li = 0, lw = 0;
        for (uint32_t i = 0; i < c->n_items; i++) {
            uint32_t b = c->items[i].bars;
            uint32_t w = chorus_like(c->items[i].type) ? b / 2 : b;
            if (w >= lw && b > 1) {
                li = i;
                lw = w;
            }
        }
        arr_item *it = &c->items[li];
        if (it->bars <= 1)
            break;
        uint32_t cut = it->bars / 2 < excess ? it->bars / 2 : excess;
        if (!cut)
            cut = 1;
        if (cut >= 4 && excess >= 4)
            cut = cut / 4 * 4;
        it->bars -= cut;
        t -= cut;
    }
    /* 3. more sections than bars: drop the least needed, the core last
     * (tails, then the verse, then the chorus) */
    while (t > target && c->n_items > 1) {
        int best = 0, best_p = 100;
        for (uint32_t i = 0; i < c->n_items; i++) {
            int p = removal_priority(c, i);
            sec_type ty = c->items[i].type;
            if (p < 0)
                p = 10 + (ty == SEC_VERSE) + 2 * chorus_like(ty);
            if (p <= best_p) {
                best = (int)i;
                best_p = p;
            }
        }
        t -= c->items[best].bars;
        remove_item(c, (uint32_t)best);
    }
}

/* Grow to exactly target bars: intro and outro up to 8 bars, then the body
 * in whole 4-bar phrases (choruses first, from the end), and the last
 * 0-3 bars into the outro (or the last section). */
static void pad_out(arr_ctx *c, uint32_t target)
{
    uint32_t t = total_bars(c);
    if (t >= target)
        return;
    for (int pass = 0; pass < 2 && t < target; pass++) {
        arr_item *it = &c->items[pass == 0 ? c->n_items - 1 : 0];
        if (!is_tail(it->type) || it->bars >= 8 || target - t < 8 - it->bars)
            continue;
        t += 8 - it->bars;
        it->bars = 8;
    }
    int body = 0;
    for (uint32_t i = 0; i < c->n_items; i++)
        body |= !is_tail(c->items[i].type);
    for (int round = 0; target - t >= 4; round++) {
        for (int i = (int)c->n_items - 1; i >= 0 && target - t >= 4; i--) {
            arr_item *it = &c->items[i];
            if (body && is_tail(it->type))
                continue;
            if (round == 0 && !chorus_like(it->type) && body)
                continue; /* the first round goes to the choruses */
            it->bars += 4;
            t += 4;
        }
    }
    arr_item *last = &c->items[c->n_items - 1];
    last->bars += target - t;
}

static void finish_items(arr_ctx *c)
{
    const arr_genre *g = c->genre;
    uint32_t bar = 0;
    int n_chorus = 0;
    for (uint32_t i = 0; i < c->n_items; i++)
        n_chorus += chorus_like(c->items[i].type);
    int lc = last_chorus(c);
    for (uint32_t i = 0; i < c->n_items; i++) {
        arr_item *it = &c->items[i];
        it->start_bar = bar;
        bar += it->bars;
        it->occurrence = 0;
        for (uint32_t k = 0; k < i; k++)
            if (!strcmp(c->items[k].name, it->name))
                it->occurrence++;
        it->final_peak = (int)i == lc && n_chorus >= 2;

        const arr_msec *m = &c->msec[it->src];
        float e = it->derived ? default_energy[it->type] : m->energy;
        if (chorus_like(it->type))
            e += 0.04f * it->occurrence;
        if (it->final_peak)
            e += 0.08f;
        it->energy = e < 0 ? 0 : e > 1 ? 1 : e;

        sec_plan p = base_plan[it->type];
        if (p.drums > g->drum_cap)
            p.drums = g->drum_cap;
        int quiet = it->type == SEC_INTRO || it->type == SEC_BRIDGE ||
                    it->type == SEC_BREAKDOWN || it->type == SEC_OUTRO ||
                    it->type == SEC_BUILD;
        int peak = chorus_like(it->type);
        if (g->pad_mode == 0)
            p.pad = (uint8_t)quiet;
        else if (g->pad_mode == 1)
            p.pad = (uint8_t)(quiet || peak);
        if (g->arp_mode == 0 && !(peak || it->type == SEC_BUILD))
            p.arp = 0;
        else if (g->arp_mode == 1 &&
                 (it->type == SEC_INTRO || it->type == SEC_OUTRO ||
                  it->type == SEC_BREAKDOWN))
            p.arp = 0;
        if (g->counter_mode == 0)
            p.counter = it->final_peak || (peak && n_chorus == 1);
        else if (g->counter_mode == 2 && it->occurrence > 0 &&
                 (it->type == SEC_VERSE || it->type == SEC_BRIDGE))
            p.counter = 1;
        if (it->type == SEC_VERSE && it->occurrence == 0)
            p.perc = 0; /* the second verse gets the shaker */
        if (it->final_peak) {
            p.drums = g->drum_cap;
            p.perc = 1;
        }
        it->plan = p;
    }
    c->bars = bar;
}

int arr_plan_form(arr_ctx *c, cz_error *err)
{
    load_template(c);
    if (!c->n_items)
        return cz_err(err, CZ_EINVAL, "arrangement.sections: no song form "
                      "(spec.form, the form option and the genre all empty)");
    uint32_t t = total_bars(c);
    uint32_t target = t;
    if (c->duration_s > 0) {
        double quarters = (double)c->tpb / c->ppq;
        double bpm = c->mat->bpm;
        double b = floor(c->duration_s * bpm / 60.0 / quarters + 0.5);
        if (b > ARR_MAX_BARS)
            return cz_err(err, CZ_EINVAL, "arrangement.sections: %g s at %g "
                          "bpm is %.0f bars; at most %u are arranged",
                          c->duration_s, bpm, b, ARR_MAX_BARS);
        target = b < 1 ? 1 : (uint32_t)b;
    }
    if (t < target)
        grow(c, target); /* may overshoot by up to a quarter of a cycle */
    if (total_bars(c) > target)
        shrink(c, target);
    pad_out(c, target);  /* a dropped section may leave a few bars short */
    finish_items(c);
    if (c->bars != target)
        return cz_err(err, CZ_EINTERNAL, "arrangement.sections: form has %u "
                      "bars, wanted %u", c->bars, target);
    return 0;
}
