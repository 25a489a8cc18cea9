/*
 * module.c - arrangement.sections: the descriptor, options and run().
 *
 * Reads composition.score (the material) and ideation.spec, writes
 * arrangement.score (the whole song on a timeline). See arr.h for how the
 * work is split and README.md for what the stage does musically.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"

static const cz_port reads[] = {
    CZ_READ("composition.score", CZ_TYPE_SCORE,
            "the material: one section per section name, chords, lead/bass/chords"),
    CZ_READ("ideation.spec", CZ_TYPE_JSON,
            "genre, duration_s, swing, instruments and form"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("arrangement.score", CZ_TYPE_SCORE,
             "the whole song: form, timeline chords, every track"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_FLOAT("humanize_ms", "8", 0, 40,
                    "largest timing nudge of a note in ms (0: on the grid)"),
    CZ_OPTION_INT("humanize_velocity", "6", 0, 30,
                  "largest velocity nudge of a note in MIDI steps"),
    CZ_OPTION_BOOL("fills", "true",
                   "drum fills in the last beats of a section"),
    CZ_OPTION_BOOL("crashes", "true",
                   "crash cymbal and kick on section downbeats"),
    CZ_OPTION_INT("max_tracks", "16", 1, 16,
                  "most tracks in the song; the least essential layers go first"),
    CZ_OPTION_FLOAT("variation", "0.5", 0, 1,
                    "how much repeats differ: melody rhythm and ornaments, "
                    "bass octaves, final-chorus octave doubling"),
    CZ_OPTION_BOOL("outro_fade", "true",
                   "fade velocities down across the outro"),
    CZ_OPTION_LIST("form", NULL,
                   "section names to use instead of spec.form, e.g. "
                   "[intro, verse, chorus, outro]"),
    CZ_OPTIONS_END};

static int arr_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    arr_opts *opt = calloc(1, sizeof *opt);
    if (!opt)
        return cz_err(err, CZ_ENOMEM, "arrangement.sections: out of memory");
    opt->humanize_ms = cz_opt_float(o, "humanize_ms");
    opt->humanize_velocity = (int)cz_opt_int(o, "humanize_velocity");
    opt->fills = cz_opt_bool(o, "fills");
    opt->crashes = cz_opt_bool(o, "crashes");
    opt->max_tracks = (int)cz_opt_int(o, "max_tracks");
    opt->variation = cz_opt_float(o, "variation");
    opt->outro_fade = cz_opt_bool(o, "outro_fade");
    opt->form = cz_opt_json(o, "form");
    if (opt->max_tracks < 1)
        opt->max_tracks = 16;
    if (opt->form && !json_is_array(opt->form)) {
        free(opt);
        return cz_err(err, CZ_EINVAL, "arrangement.sections: option 'form' "
                      "must be a list of section names");
    }
    *instance = opt;
    return 0;
}

static void arr_fini(void *instance)
{
    free(instance);
}

static int role_priority(cz_role r)
{
    switch (r) {
    case CZ_ROLE_LEAD: return 0;
    case CZ_ROLE_BASS: return 1;
    case CZ_ROLE_DRUMS: return 2;
    case CZ_ROLE_CHORDS: return 3;
    case CZ_ROLE_PAD: return 4;
    case CZ_ROLE_ARP: return 5;
    case CZ_ROLE_COUNTER: return 6;
    case CZ_ROLE_PERC: return 7;
    case CZ_ROLE_FX: return 8;
    default: return 9;
    }
}

static int get_inputs(cz_bus *bus, const cz_score **mat, const json_t **spec,
                      cz_error *err)
{
    int rc = cz_bus_get_score(bus, "composition.score", mat);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, "arrangement.sections: composition.score is "
                      "missing from the bus (run a composition stage first)");
    if (rc)
        return cz_err(err, rc, "arrangement.sections: composition.score is a "
                      "%s, not a score", cz_type_name(cz_bus_type(bus, "composition.score")));
    rc = cz_bus_get_json(bus, "ideation.spec", spec);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, "arrangement.sections: ideation.spec is missing "
                      "from the bus (run an ideation stage first)");
    if (rc)
        return cz_err(err, rc, "arrangement.sections: ideation.spec is a %s, "
                      "not json", cz_type_name(cz_bus_type(bus, "ideation.spec")));
    if (!json_is_object(*spec))
        return cz_err(err, CZ_EINVAL, "arrangement.sections: ideation.spec is "
                      "not a JSON object");
    return 0;
}

/* Timing from the material, and its sections (normalised). */
static int load_material(arr_ctx *c, cz_error *err)
{
    const cz_score *m = c->mat;
    if (!m->ppq || !m->meter_num || !(m->bpm > 0) || !isfinite(m->bpm))
        return cz_err(err, CZ_EINVAL, "arrangement.sections: composition.score "
                      "has no usable timing (ppq %u, meter %u/%u, bpm %g)",
                      m->ppq, m->meter_num, m->meter_den, m->bpm);
    c->ppq = m->ppq;
    c->tpb = cz_score_ticks_per_bar(m);
    c->step = m->ppq / 4 ? m->ppq / 4 : 1;
    unsigned den = m->meter_den ? m->meter_den : 4;
    c->compound = den == 8 && m->meter_num % 3 == 0 && m->meter_num >= 6;
    c->beat = c->compound ? m->ppq * 3 / 2 : m->ppq * 4 / den;
    if (!c->beat)
        c->beat = 1;
    if (!c->tpb || c->tpb < c->step)
        return cz_err(err, CZ_EINVAL, "arrangement.sections: composition.score "
                      "meter %u/%u gives bars of %u ticks", m->meter_num,
                      m->meter_den, c->tpb);
    c->beats_per_bar = c->tpb / c->beat ? c->tpb / c->beat : 1;
    c->scale = cz_scale_mask((uint8_t)(m->key_tonic % 12), (cz_mode)m->mode);

    for (uint32_t i = 0; i < m->n_sections && c->n_msec < ARR_MAX_MSEC; i++) {
        const cz_section *s = &m->sections[i];
        if (!s->bars)
            continue;
        if (s->bars > ARR_MAX_BARS ||
            ((uint64_t)s->start_bar + s->bars) * c->tpb > UINT32_MAX)
            return cz_err(err, CZ_EINVAL, "arrangement.sections: "
                          "composition.score section '%s' (bars %u..%u) is "
                          "too long to arrange", s->name, s->start_bar,
                          s->start_bar + s->bars);
        arr_msec *d = &c->msec[c->n_msec++];
        arr_norm(s->name, d->name, sizeof d->name);
        if (!d->name[0])
            snprintf(d->name, sizeof d->name, "section");
        d->type = arr_sec_type(d->name);
        d->start_bar = s->start_bar;
        d->bars = s->bars;
        d->energy = isfinite(s->energy) ? s->energy : 0.5f;
    }
    if (c->n_msec)
        return 0;
    /* no sections: treat whatever the material holds as one verse */
    uint64_t end = m->bars ? (uint64_t)m->bars * c->tpb : m->total_ticks;
    for (uint32_t i = 0; i < m->n_chords; i++)
        if ((uint64_t)m->chords[i].tick + m->chords[i].len > end)
            end = (uint64_t)m->chords[i].tick + m->chords[i].len;
    for (uint32_t k = 0; k < m->n_tracks; k++)
        for (uint32_t i = 0; i < m->tracks[k].n_notes; i++) {
            const cz_note *n = &m->tracks[k].notes[i];
            if ((uint64_t)n->tick + n->len > end)
                end = (uint64_t)n->tick + n->len;
        }
    if (!end)
        return cz_err(err, CZ_EINVAL, "arrangement.sections: composition.score "
                      "is empty (no sections, chords or notes)");
    arr_msec *d = &c->msec[c->n_msec++];
    snprintf(d->name, sizeof d->name, "verse");
    d->type = SEC_VERSE;
    d->start_bar = 0;
    uint64_t bars = (end + c->tpb - 1) / c->tpb;
    if (bars > ARR_MAX_BARS)
        return cz_err(err, CZ_EINVAL, "arrangement.sections: composition.score "
                      "runs %llu bars without sections; too long to arrange",
                      (unsigned long long)bars);
    d->bars = (uint32_t)bars;
    d->energy = 0.5f;
    cz_job_log(c->job, CZ_LOG_WARN, "composition.score has no sections; "
               "using its %u bars as one verse", d->bars);
    return 0;
}

static void load_spec(arr_ctx *c)
{
    const json_t *s = c->spec;
    int matched = 0;
    c->genre = arr_genre_find(json_string_value(json_object_get(s, "genre")),
                              json_string_value(json_object_get(s, "subgenre")),
                              &matched);
    if (!matched)
        cz_job_log(c->job, CZ_LOG_INFO, "genre '%s' unknown to the arranger; "
                   "arranging it as %s",
                   json_string_value(json_object_get(s, "genre"))
                       ? json_string_value(json_object_get(s, "genre")) : "",
                   c->genre->id);
    const json_t *d = json_object_get(s, "duration_s");
    c->duration_s = json_is_number(d) ? json_number_value(d) : 0;
    if (!(c->duration_s > 0) || !isfinite(c->duration_s)) {
        c->duration_s = 0;
        cz_job_log(c->job, CZ_LOG_WARN, "ideation.spec has no duration_s; "
                   "the form keeps the material's lengths");
    }
    /* the material's swing is the one composition settled on (the spec's,
     * or its genre's when the spec had none) */
    const json_t *sw = json_object_get(s, "swing");
    double swing = c->mat->swing;
    if (!(swing > 0) && json_is_number(sw))
        swing = json_number_value(sw);
    c->swing = (float)(swing > 0 && swing <= 1 ? swing : swing > 1 ? 1 : 0);

    const json_t *inst = json_object_get(s, "instruments");
    c->instruments_listed = json_is_array(inst);
    if (!c->instruments_listed)
        cz_job_log(c->job, CZ_LOG_WARN, "ideation.spec has no instruments "
                   "list; adding no drums or layers");
    size_t i;
    const json_t *v;
    json_array_foreach(inst, i, v) {
        const char *role = json_string_value(json_object_get(v, "role"));
        int r = role ? cz_role_parse(role) : -1;
        if (r < 0 || r >= CZ_ROLE_COUNT || c->has_role[r])
            continue;
        c->has_role[r] = 1;
        json_int_t prog = json_integer_value(json_object_get(v, "program"));
        c->role_program[r] = (uint8_t)(prog >= 0 && prog <= 127 ? prog : 0);
        const char *name = json_string_value(json_object_get(v, "name"));
        snprintf(c->role_name[r], sizeof c->role_name[r], "%s",
                 name && *name ? name : cz_role_name((cz_role)r));
    }
}

static arr_part *new_part(arr_ctx *c, const char *name, cz_role role,
                          uint8_t program, uint8_t channel)
{
    if (c->n_parts >= ARR_MAX_PARTS)
        return NULL;
    arr_part *p = &c->parts[c->n_parts++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->role = role;
    p->program = program;
    p->channel = channel;
    p->priority = role_priority(role);
    p->src_track = -1;
    p->volume = 0.7f;
    return p;
}

static int is_kit(cz_role r)
{
    return r == CZ_ROLE_DRUMS || r == CZ_ROLE_PERC;
}

static uint8_t free_channel(const arr_ctx *c)
{
    for (uint8_t ch = 0; ch < 16; ch++) {
        if (ch == CZ_DRUM_CHANNEL)
            continue;
        int used = 0;
        for (uint32_t k = 0; k < c->n_parts; k++)
            used |= c->parts[k].channel == ch;
        if (!used)
            return ch;
    }
    return 255;
}

/* Material tracks the band allows, then one generated part per layer role
 * the spec lists and the material lacks. */
static void setup_parts(arr_ctx *c)
{
    const cz_score *m = c->mat;
    uint8_t have[CZ_ROLE_COUNT] = {0};
    for (uint32_t k = 0; k < m->n_tracks; k++) {
        const cz_track *t = &m->tracks[k];
        cz_role role = (unsigned)t->role < CZ_ROLE_COUNT ? t->role : CZ_ROLE_OTHER;
        if (c->instruments_listed && role != CZ_ROLE_OTHER && !c->has_role[role]) {
            cz_job_log(c->job, CZ_LOG_INFO, "material track '%s' left out: "
                       "no %s in spec.instruments", t->name, cz_role_name(role));
            continue;
        }
        arr_part *p = new_part(c, t->name[0] ? t->name : cz_role_name(role),
                               role, t->program, t->channel);
        if (!p)
            break;
        p->src_track = (int)k;
        p->volume = t->volume;
        p->pan = t->pan;
        have[role] = 1;
    }
    /* kits on channel 10, nothing else there */
    for (uint32_t k = 0; k < c->n_parts; k++) {
        arr_part *p = &c->parts[k];
        if (is_kit(p->role))
            p->channel = CZ_DRUM_CHANNEL;
        else if (p->channel == CZ_DRUM_CHANNEL || p->channel > 15) {
            p->channel = 255;
            uint8_t ch = free_channel(c);
            p->channel = ch == 255 ? 0 : ch;
        }
    }
    static const struct {
        cz_role role;
        float volume, pan;
    } layers[] = {
        {CZ_ROLE_DRUMS, 0.8f, 0.0f}, {CZ_ROLE_PERC, 0.45f, 0.3f},
        {CZ_ROLE_PAD, 0.5f, 0.0f},   {CZ_ROLE_ARP, 0.5f, 0.25f},
        {CZ_ROLE_COUNTER, 0.55f, -0.25f}, {CZ_ROLE_FX, 0.4f, 0.0f},
    };
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        cz_role r = layers[i].role;
        if (!c->has_role[r] || have[r])
            continue;
        uint8_t ch = is_kit(r) ? CZ_DRUM_CHANNEL : free_channel(c);
        if (ch == 255) {
            cz_job_log(c->job, CZ_LOG_WARN, "no free MIDI channel for the %s "
                       "part; left out", cz_role_name(r));
            continue;
        }
        arr_part *p = new_part(c, c->role_name[r], r, c->role_program[r], ch);
        if (!p)
            break;
        p->volume = layers[i].volume;
        p->pan = layers[i].pan;
    }
}

static arr_part *generated(arr_ctx *c, cz_role role)
{
    for (uint32_t k = 0; k < c->n_parts; k++)
        if (c->parts[k].role == role && c->parts[k].src_track < 0)
            return &c->parts[k];
    return NULL;
}

static const arr_part *first_of(const arr_ctx *c, cz_role role)
{
    for (uint32_t k = 0; k < c->n_parts; k++)
        if (c->parts[k].role == role)
            return &c->parts[k];
    return NULL;
}

static int arrange(arr_ctx *c, cz_error *err)
{
    int rc = load_material(c, err);
    if (rc)
        return rc;
    load_spec(c);
    setup_parts(c);
    rc = arr_plan_form(c, err);
    if (rc)
        return rc;
    if ((uint64_t)c->bars * c->tpb >= UINT32_MAX)
        return cz_err(err, CZ_EINVAL, "arrangement.sections: %u bars of %u "
                      "ticks do not fit a score; ask for a shorter song",
                      c->bars, c->tpb);
    c->total = c->bars * c->tpb;

    rc = arr_copy_chords(c);
    if (!rc)
        rc = arr_copy_material(c);
    if (!rc && (generated(c, CZ_ROLE_DRUMS) || generated(c, CZ_ROLE_PERC)))
        rc = arr_drums(c, generated(c, CZ_ROLE_DRUMS), generated(c, CZ_ROLE_PERC));
    if (!rc && generated(c, CZ_ROLE_PAD))
        rc = arr_pad(c, generated(c, CZ_ROLE_PAD));
    if (!rc && generated(c, CZ_ROLE_ARP))
        rc = arr_arp(c, generated(c, CZ_ROLE_ARP));
    if (!rc && generated(c, CZ_ROLE_COUNTER))
        rc = arr_counter(c, generated(c, CZ_ROLE_COUNTER),
                         first_of(c, CZ_ROLE_LEAD));
    if (!rc && generated(c, CZ_ROLE_FX))
        rc = arr_fx(c, generated(c, CZ_ROLE_FX));
    if (rc)
        return cz_err(err, rc, "arrangement.sections: arranging failed (%s)",
                      cz_strerror(rc));
    arr_dynamics(c);
    arr_humanize(c);
    return 0;
}

static int arr_run(void *instance, cz_job *job, cz_error *err)
{
    const arr_opts *opt = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_score *mat;
    const json_t *spec;
    int rc = get_inputs(bus, &mat, &spec, err);
    if (rc)
        return rc;
    arr_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return cz_err(err, CZ_ENOMEM, "arrangement.sections: out of memory");
    c->job = job;
    c->seed = cz_job_seed(job);
    c->opt = *opt;
    c->mat = mat;
    c->spec = spec;
    rc = arrange(c, err);
    cz_score *out = rc ? NULL : arr_build_score(c, err);
    if (out) {
        double secs = (double)c->total / c->ppq * 60.0 / mat->bpm;
        cz_job_status(job, "%s, %u sections, %u bars, %.0f s", c->genre->id,
                      c->n_items, c->bars, secs);
        char form[1024];
        size_t used = 0;
        form[0] = 0;
        for (uint32_t i = 0; i < c->n_items && used + 40 < sizeof form; i++)
            used += (size_t)snprintf(form + used, sizeof form - used, "%s%s(%u%s)",
                                     i ? " " : "", c->items[i].name,
                                     c->items[i].bars,
                                     c->items[i].derived ? ", derived" : "");
        cz_job_log(job, CZ_LOG_INFO, "%s form: %s", c->genre->id, form);
        rc = cz_bus_put_score(bus, "arrangement.score", out);
        if (rc)
            cz_err(err, rc, "arrangement.sections: could not put "
                   "arrangement.score (%s)", cz_strerror(rc));
    } else if (!rc) {
        rc = err && err->code ? err->code : CZ_EINTERNAL;
    }
    arr_ctx_free(c);
    return rc;
}

CZ_MODULE(.name = "arrangement.sections", .version = "1.0.0",
          .kind = CZ_KIND_STAGE,
          .summary = "Lays the material out as a whole song: form, repeats "
                     "with variation, drums, pads, arps, dynamics",
          .reads = reads, .writes = writes, .options = options,
          .init = arr_init, .run = arr_run, .fini = arr_fini);
