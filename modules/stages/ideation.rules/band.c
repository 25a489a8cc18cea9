/*
 * band.c - the instruments: base band, then requests, then negations.
 *
 *  1. Base: a model's band if one was merged; else the genre's slots, each
 *     kept with its chance and one alternative drawn from the seed; with
 *     enhance off a neutral band (drum kit, electric bass, piano, lead
 *     synth).
 *  2. Requests, in prompt order. A plain family word ("guitar") is met by a
 *     band member of that family if there is one, else by the genre's
 *     usual member. A named instrument takes the first role on its list
 *     (instruments.c) that is free or held by an inferred instrument,
 *     which it replaces. Role words ("with drums", "a bassline") add the
 *     role if the band lacks it.
 *  3. Negations. A role word ("no drums", "no percussion", "no beat",
 *     "no bass") removes its roles for good. An instrument or family
 *     ("no piano", "no synths") removes those instruments; if that empties
 *     a role the genre needs (a slot with chance 100), another instrument
 *     that is not excluded takes the role. A specifically requested
 *     instrument survives a broader negation ("no drums, just congas").
 *  4. At least one melodic instrument (chords, pad, lead, counter or arp).
 */
#include <stdio.h>
#include <string.h>

#include "ideation.h"

#define RB(r) (1u << (r))
#define MELODIC (RB(CZ_ROLE_CHORDS) | RB(CZ_ROLE_PAD) | RB(CZ_ROLE_LEAD) | \
                 RB(CZ_ROLE_COUNTER) | RB(CZ_ROLE_ARP))

/* Family of a GM program, for members a model named without a known name. */
static unsigned program_family(int program, int role)
{
    if (role == CZ_ROLE_DRUMS)
        return ID_F_DRUMS;
    if (role == CZ_ROLE_PERC)
        return ID_F_PERC;
    if (program < 4) return ID_F_PIANO | ID_F_KEYS;
    if (program < 6) return ID_F_PIANO | ID_F_KEYS;
    if (program < 8) return ID_F_KEYS;
    if (program < 16) return ID_F_MALLET;
    if (program < 24) return ID_F_KEYS | ID_F_ORGAN;
    if (program < 32) return ID_F_GUITAR;
    if (program < 38) return ID_F_BASS;
    if (program < 40) return ID_F_BASS | ID_F_SYNTH;
    if (program < 48) return ID_F_STRINGS;
    if (program < 52) return ID_F_STRINGS;
    if (program < 56) return ID_F_VOICE;
    if (program < 64) return ID_F_BRASS;
    if (program < 68) return ID_F_WIND | ID_F_SAX;
    if (program < 80) return ID_F_WIND;
    if (program < 104) return ID_F_SYNTH;
    if (program < 112) return ID_F_PLUCKED;
    if (program < 120) return ID_F_PERC;
    return ID_F_FX;
}

static unsigned member_family(const id_member *m)
{
    return m->inst != I_NONE ? id_instruments[m->inst].family
                             : program_family(m->program, m->role);
}

/* Is this instrument, in this role, excluded by the prompt? */
static int excluded(const id_facts *f, int inst, int role, unsigned family,
                    const id_excl **by)
{
    for (int k = 0; k < f->n_excl; k++) {
        const id_excl *x = &f->excl[k];
        if ((x->roles & RB(role)) || (x->inst != I_NONE && x->inst == inst) ||
            (x->family & family)) {
            if (by)
                *by = x;
            return 1;
        }
    }
    return 0;
}

static unsigned banned_roles(const id_facts *f)
{
    unsigned r = 0;
    for (int k = 0; k < f->n_excl; k++)
        r |= f->excl[k].roles;
    return r;
}

static int find_role(const id_facts *f, int role)
{
    for (int k = 0; k < f->n_band; k++)
        if (f->band[k].role == role)
            return k;
    return -1;
}

static void set_member(id_member *m, int inst, int role, id_src src)
{
    memset(m, 0, sizeof *m);
    const id_inst *d = &id_instruments[inst];
    snprintf(m->name, sizeof m->name, "%s", d->name);
    m->inst = inst;
    m->role = role;
    m->program = d->program;
    m->src = src;
}

static id_member *add_member(id_facts *f, int inst, int role, id_src src)
{
    if (f->n_band >= ID_MAX_BAND)
        return NULL;
    id_member *m = &f->band[f->n_band++];
    set_member(m, inst, role, src);
    return m;
}

static void remove_member(id_facts *f, int k)
{
    memmove(&f->band[k], &f->band[k + 1], (size_t)(f->n_band - k - 1) * sizeof f->band[0]);
    f->n_band--;
}

static json_t *band_json(const id_facts *f)
{
    json_t *a = json_array();
    for (int k = 0; k < f->n_band; k++) {
        char s[64];
        snprintf(s, sizeof s, "%s (%s)", f->band[k].name, id_role_name(f->band[k].role));
        json_array_append_new(a, json_string(s));
    }
    return a;
}

/* ---- 1. base ------------------------------------------------------------ */

static unsigned base_from_genre(id_facts *f, id_trace *tr, uint64_t seed)
{
    const id_genre *g = &id_genres[f->genre];
    cz_rng r;
    cz_rng_init(&r, seed, "ideation.band");
    unsigned needed = 0;
    char left_out[160] = "";
    for (int s = 0; s < ID_GENRE_SLOTS && g->band[s].chance; s++) {
        const id_slot *sl = &g->band[s];
        double w[3];
        uint32_t n = 0;
        for (; n < 3 && sl->inst[n]; n++)
            w[n] = 3.0 - n;
        uint32_t pick = cz_rng_pick(&r, w, n); /* drawn even when left out, so a
                                                  slot's chance never shifts others */
        int play = sl->chance >= 100 || cz_rng_chance(&r, sl->chance / 100.0);
        if (sl->chance >= 100)
            needed |= RB(sl->role);
        if (!play) {
            size_t l = strlen(left_out);
            snprintf(left_out + l, sizeof left_out - l, "%s%s (%d%%)", l ? ", " : "",
                     id_role_name(sl->role), sl->chance);
            continue;
        }
        add_member(f, sl->inst[pick], sl->role, ID_SRC_RULES);
    }
    f->band_src = ID_SRC_RULES;
    id_trace_add(tr, "instruments", ID_SRC_RULES, band_json(f),
                 "%s's usual band, alternatives drawn from the seed%s%s", g->name,
                 left_out[0] ? "; left out by chance: " : "", left_out);
    return needed;
}

static unsigned base_neutral(id_facts *f, id_trace *tr)
{
    add_member(f, I_DRUM_KIT, CZ_ROLE_DRUMS, ID_SRC_DEFAULT);
    add_member(f, I_BASS, CZ_ROLE_BASS, ID_SRC_DEFAULT);
    add_member(f, I_PIANO, CZ_ROLE_CHORDS, ID_SRC_DEFAULT);
    add_member(f, I_SQUARE_LEAD, CZ_ROLE_LEAD, ID_SRC_DEFAULT);
    f->band_src = ID_SRC_DEFAULT;
    id_trace_add(tr, "instruments", ID_SRC_DEFAULT, band_json(f),
                 "enhance is off: a neutral band of drums, bass, piano and a lead synth");
    return RB(CZ_ROLE_DRUMS) | RB(CZ_ROLE_BASS) | RB(CZ_ROLE_CHORDS) | RB(CZ_ROLE_LEAD);
}

/* ---- 2. requests --------------------------------------------------------- */

static int resolve_generic(const id_facts *f, const id_member *q)
{
    if (q->family & ID_F_GUITAR && f->genre >= 0)
        return id_genres[f->genre].guitar;
    if (q->family & ID_F_SYNTH && f->genre >= 0)
        return id_genres[f->genre].synth;
    return q->inst;
}

static void place_request(id_facts *f, id_trace *tr, const id_member *q)
{
    /* a family word is met by a member of the family */
    if (q->family) {
        for (int k = 0; k < f->n_band; k++)
            if (member_family(&f->band[k]) & q->family) {
                f->band[k].src = ID_SRC_PROMPT;
                id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(f->band[k].name),
                             "the prompt asks for '%s': the band's %s already plays (%s)",
                             q->said, f->band[k].name, id_role_name(f->band[k].role));
                return;
            }
    }
    int inst = q->family ? resolve_generic(f, q) : q->inst;
    for (int k = 0; k < f->n_band; k++)
        if (f->band[k].inst == inst) {
            f->band[k].src = ID_SRC_PROMPT;
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(f->band[k].name),
                         "the prompt asks for '%s': already in the band (%s)", q->said,
                         id_role_name(f->band[k].role));
            return;
        }
    const id_inst *d = &id_instruments[inst];
    for (int p = 0; p < 3 && d->roles[p]; p++) {
        int role = d->roles[p];
        int k = find_role(f, role);
        if (k < 0) {
            if (add_member(f, inst, role, ID_SRC_PROMPT))
                id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(d->name),
                             "the prompt asks for '%s': added as %s", q->said,
                             id_role_name(role));
            return;
        }
        if (f->band[k].src != ID_SRC_PROMPT) {
            char old[ID_NAME];
            snprintf(old, sizeof old, "%s", f->band[k].name);
            set_member(&f->band[k], inst, role, ID_SRC_PROMPT);
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(d->name),
                         "the prompt asks for '%s': it takes the %s part from the "
                         "inferred %s (an explicit request wins)",
                         q->said, id_role_name(role), old);
            return;
        }
    }
    /* every role it fits already holds a requested instrument */
    int role = d->roles[0];
    if (role == CZ_ROLE_BASS || role == CZ_ROLE_DRUMS) {
        id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(d->name),
                     "the prompt asks for '%s' too, but the %s part already went to "
                     "an earlier request",
                     q->said, id_role_name(role));
        return;
    }
    if (role == CZ_ROLE_LEAD || role == CZ_ROLE_CHORDS)
        role = CZ_ROLE_COUNTER;
    if (add_member(f, inst, role, ID_SRC_PROMPT))
        id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(d->name),
                     "the prompt asks for '%s': added as another %s part", q->said,
                     id_role_name(role));
}

static int default_for_role(const id_facts *f, int role)
{
    if (f->req_role_inst[role])
        return f->req_role_inst[role];
    if (f->genre >= 0)
        for (int s = 0; s < ID_GENRE_SLOTS && id_genres[f->genre].band[s].chance; s++)
            if (id_genres[f->genre].band[s].role == role)
                return id_genres[f->genre].band[s].inst[0];
    switch (role) {
    case CZ_ROLE_DRUMS: return I_DRUM_KIT;
    case CZ_ROLE_PERC: return I_PERC;
    case CZ_ROLE_BASS: return I_BASS;
    case CZ_ROLE_CHORDS: return I_PIANO;
    case CZ_ROLE_PAD: return I_WARM_PAD;
    case CZ_ROLE_LEAD: return I_SAW_LEAD;
    case CZ_ROLE_COUNTER: return I_STRINGS;
    case CZ_ROLE_ARP: return I_ARP_SYNTH;
    default: return I_RISER;
    }
}

static void place_roles(id_facts *f, id_trace *tr)
{
    for (int role = 1; role < CZ_ROLE_COUNT; role++) {
        if (!(f->req_roles & RB(role)))
            continue;
        if (banned_roles(f) & RB(role))
            continue; /* "no drums ... drums" : the negation wins, traced below */
        if (find_role(f, role) >= 0)
            continue;
        int inst = default_for_role(f, role);
        if (add_member(f, inst, role, ID_SRC_PROMPT))
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(id_instruments[inst].name),
                         "the prompt asks for a %s part the band lacked: added %s",
                         id_role_name(role), id_instruments[inst].name);
    }
}

/* ---- 3. negations -------------------------------------------------------- */

static const int role_subs[CZ_ROLE_COUNT][8] = {
    [CZ_ROLE_DRUMS] = {I_ELEC_KIT, I_DRUM_KIT, I_BRUSH_KIT},
    [CZ_ROLE_BASS] = {I_BASS, I_SYNTH_BASS, I_UPRIGHT_BASS, I_CELLO, I_TUBA},
    [CZ_ROLE_CHORDS] = {I_PIANO, I_EPIANO, I_ACOUSTIC_GTR, I_CLEAN_GTR, I_ORGAN, I_HARP,
                        I_VIBES, I_POLYSYNTH},
    [CZ_ROLE_PAD] = {I_WARM_PAD, I_STRINGS, I_CHOIR, I_ORGAN},
    [CZ_ROLE_LEAD] = {I_SAW_LEAD, I_FLUTE, I_VIOLIN, I_SAX, I_CLEAN_GTR, I_VIBES, I_PIANO,
                      I_TRUMPET},
    [CZ_ROLE_COUNTER] = {I_STRINGS, I_FLUTE, I_CLARINET, I_PLUCK},
    [CZ_ROLE_ARP] = {I_ARP_SYNTH, I_HARP, I_GLOCK, I_MARIMBA},
    [CZ_ROLE_PERC] = {I_SHAKER, I_CONGAS},
    [CZ_ROLE_FX] = {I_RISER, I_ATMOSPHERE},
};

static int substitute(const id_facts *f, int role, int removed)
{
    if (f->genre >= 0 && f->band_src == ID_SRC_RULES && role != CZ_ROLE_DRUMS) {
        const id_genre *g = &id_genres[f->genre];
        for (int s = 0; s < ID_GENRE_SLOTS && g->band[s].chance; s++) {
            if (g->band[s].role != role)
                continue;
            for (int a = 0; a < 3 && g->band[s].inst[a]; a++) {
                int inst = g->band[s].inst[a];
                if (inst != removed &&
                    !excluded(f, inst, role, id_instruments[inst].family, NULL))
                    return inst;
            }
        }
    }
    for (int a = 0; a < 8 && role_subs[role][a]; a++) {
        int inst = role_subs[role][a];
        if (inst != removed && !excluded(f, inst, role, id_instruments[inst].family, NULL))
            return inst;
    }
    return I_NONE;
}

static int requested_specifically(const id_facts *f, const id_member *m)
{
    if (m->src != ID_SRC_PROMPT || m->inst == I_NONE)
        return 0;
    for (int k = 0; k < f->n_req; k++)
        if (!f->req[k].family && f->req[k].inst == m->inst)
            return 1;
    return 0;
}

static void apply_exclusions(id_facts *f, id_trace *tr, unsigned needed)
{
    for (int x = 0; x < f->n_excl; x++) {
        const id_excl *e = &f->excl[x];
        char gone[160] = "";
        unsigned emptied = 0;
        int first_removed[CZ_ROLE_COUNT] = {0};
        for (int k = 0; k < f->n_band;) {
            id_member *m = &f->band[k];
            int hit = (e->roles & RB(m->role)) || (e->inst != I_NONE && e->inst == m->inst) ||
                      (e->family & member_family(m));
            if (!hit) {
                k++;
                continue;
            }
            if (e->inst != m->inst && requested_specifically(f, m)) {
                id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(m->name),
                             "kept %s although the prompt says no '%s': it was asked for "
                             "by name, which is more specific",
                             m->name, e->text);
                k++;
                continue;
            }
            size_t l = strlen(gone);
            snprintf(gone + l, sizeof gone - l, "%s%s (%s)", l ? ", " : "", m->name,
                     id_role_name(m->role));
            if (!(e->roles & RB(m->role))) {
                emptied |= RB(m->role);
                if (!first_removed[m->role])
                    first_removed[m->role] = m->inst;
            }
            remove_member(f, k);
        }
        f->band_prompt = 1;
        if (e->roles) {
            char roles[96] = "";
            for (int r = 1; r < CZ_ROLE_COUNT; r++)
                if (e->roles & RB(r)) {
                    size_t l = strlen(roles);
                    snprintf(roles + l, sizeof roles - l, "%s%s", l ? " and " : "",
                             id_role_name(r));
                }
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(e->text),
                         "'no %s' removes the %s role%s%s%s", e->text, roles,
                         strchr(roles, ' ') ? "s" : "", gone[0] ? ": " : " (none played)",
                         gone);
        } else if (gone[0]) {
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(e->text),
                         "'no %s' removes %s", e->text, gone);
        } else {
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(e->text),
                         "'no %s': nothing in the band to remove; passed on in exclude",
                         e->text);
        }
        for (int role = 1; role < CZ_ROLE_COUNT; role++) {
            if (!(emptied & RB(role)) || find_role(f, role) >= 0 || !(needed & RB(role)))
                continue;
            int inst = substitute(f, role, first_removed[role]);
            if (inst == I_NONE)
                continue;
            add_member(f, inst, role, ID_SRC_RULES);
            id_trace_add(tr, "instruments", ID_SRC_RULES, json_string(id_instruments[inst].name),
                         "%s needs a %s part and '%s' is excluded: %s takes it over",
                         f->genre >= 0 ? id_genres[f->genre].name : "the song",
                         id_role_name(role), e->text, id_instruments[inst].name);
        }
    }
    unsigned banned = banned_roles(f);
    for (int role = 1; role < CZ_ROLE_COUNT; role++)
        if ((banned & f->req_roles & RB(role)))
            id_trace_add(tr, "instruments", ID_SRC_PROMPT, json_string(id_role_name(role)),
                         "the prompt both asks for and rules out %s: ruling out wins",
                         id_role_name(role));
}

/* ---- 4. at least one melodic instrument -------------------------------- */

static void ensure_melodic(id_facts *f, id_trace *tr)
{
    for (int k = 0; k < f->n_band; k++)
        if (MELODIC & RB(f->band[k].role))
            return;
    static const int tries[][2] = {
        {I_PIANO, CZ_ROLE_CHORDS}, {I_ACOUSTIC_GTR, CZ_ROLE_CHORDS}, {I_EPIANO, CZ_ROLE_CHORDS},
        {I_WARM_PAD, CZ_ROLE_PAD}, {I_STRINGS, CZ_ROLE_PAD}, {I_FLUTE, CZ_ROLE_LEAD},
        {I_SAW_LEAD, CZ_ROLE_LEAD}, {I_VIOLIN, CZ_ROLE_LEAD}, {I_ARP_SYNTH, CZ_ROLE_ARP},
        {I_MARIMBA, CZ_ROLE_LEAD}, {I_HARP, CZ_ROLE_ARP}, {I_CHOIR, CZ_ROLE_PAD},
    };
    int inst = I_PIANO, role = CZ_ROLE_CHORDS, forced = 1;
    for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++)
        if (!excluded(f, tries[k][0], tries[k][1], id_instruments[tries[k][0]].family, NULL)) {
            inst = tries[k][0];
            role = tries[k][1];
            forced = 0;
            break;
        }
    if (f->n_band >= ID_MAX_BAND)
        f->n_band = ID_MAX_BAND - 1;
    add_member(f, inst, role, ID_SRC_RULES);
    id_trace_add(tr, "instruments", ID_SRC_RULES, json_string(id_instruments[inst].name),
                 forced ? "a song needs at least one melodic instrument and the prompt "
                          "excluded every candidate: %s plays anyway"
                        : "a song needs at least one melodic instrument: added %s",
                 id_instruments[inst].name);
}

void id_band_build(id_facts *f, id_trace *tr, const id_opts *o, uint64_t seed)
{
    unsigned needed;
    if (f->band_src == ID_SRC_MODEL && f->n_band) {
        needed = 0;
        for (int k = 0; k < f->n_band; k++)
            needed |= RB(f->band[k].role);
        needed &= ~(RB(CZ_ROLE_FX) | RB(CZ_ROLE_PERC) | RB(CZ_ROLE_COUNTER) | RB(CZ_ROLE_ARP));
    } else if (o->enhance) {
        f->n_band = 0;
        needed = base_from_genre(f, tr, seed);
    } else {
        f->n_band = 0;
        needed = base_neutral(f, tr);
    }
    for (int k = 0; k < f->n_req; k++) {
        place_request(f, tr, &f->req[k]);
        f->band_prompt = 1;
    }
    if (f->req_roles) {
        place_roles(f, tr);
        f->band_prompt = 1;
    }
    apply_exclusions(f, tr, needed);
    ensure_melodic(f, tr);
}
