/*
 * composition.c - the composition.theory stage: descriptor, options, run.
 *
 * Reads ideation.spec, writes composition.score: the song's material (one
 * section per distinct name in spec.form, laid end to end from bar 0), its
 * chords, and the lead, bass and chords tracks the spec's instruments
 * allow. See cmp.h for the parts and docs/music-model.md for the music.
 */
#include <stdlib.h>
#include <string.h>

#include "cmp.h"

static const cz_port READS[] = {
    CZ_READ("ideation.spec", CZ_TYPE_JSON,
            "genre, key, mode, tempo, meter, swing, energy, instruments, form"),
    CZ_PORTS_END,
};

static const cz_port WRITES[] = {
    CZ_WRITE("composition.score", CZ_TYPE_SCORE,
             "sections of spec.form with chords, lead, bass and chords tracks"),
    CZ_PORTS_END,
};

static const cz_option OPTIONS[] = {
    CZ_OPTION_INT("ppq", "480", 96, 1920,
                  "ticks per quarter note of the score (a multiple of 4)"),
    CZ_OPTION_FLOAT("melody_density", "0.5", 0, 1,
                    "how busy the lead is: 0 sparse long notes, 1 dense 8ths/16ths"),
    CZ_OPTION_FLOAT("chromaticism", "0.3", 0, 1,
                    "chance of secondary dominants, borrowed chords and chromatic "
                    "melody tones (0 keeps everything in the key)"),
    CZ_OPTION_FLOAT("extensions", "0.5", 0, 1,
                    "how often chords take sevenths and ninths beyond the genre's "
                    "habit (0 triads where the genre allows)"),
    CZ_OPTION_ENUM("harmonic_rhythm", "auto",
                   "chord changes: auto (genre), slow (every 2 bars), bar, half_bar",
                   "auto", "slow", "bar", "half_bar"),
    CZ_OPTIONS_END,
};

static int cmp_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    cmp_opts *opt = calloc(1, sizeof *opt);
    if (!opt)
        return cz_err(err, CZ_ENOMEM, "%s: out of memory", CMP_NAME);
    int64_t ppq = cz_opt_int(o, "ppq");
    if (ppq < 96 || ppq > 1920 || ppq % 4) {
        free(opt);
        return cz_err(err, CZ_EINVAL,
                      "%s: option ppq = %lld must be a multiple of 4 in 96..1920",
                      CMP_NAME, (long long)ppq);
    }
    opt->ppq = (uint32_t)ppq;
    opt->melody_density = cmp_clampd(cz_opt_float(o, "melody_density"), 0, 1);
    opt->chromaticism = cmp_clampd(cz_opt_float(o, "chromaticism"), 0, 1);
    opt->extensions = cmp_clampd(cz_opt_float(o, "extensions"), 0, 1);
    const char *hr = cz_opt_str(o, "harmonic_rhythm");
    opt->harmonic_rhythm = !strcmp(hr, "slow")       ? HR_SLOW
                           : !strcmp(hr, "bar")      ? HR_BAR
                           : !strcmp(hr, "half_bar") ? HR_HALF
                                                     : HR_AUTO;
    *instance = opt;
    return 0;
}

static void cmp_fini(void *instance)
{
    free(instance);
}

static void lay_out_sections(cmp_song *s)
{
    const cmp_spec *sp = s->spec;
    uint32_t bar = 0;
    s->n_sec = sp->n_sections;
    for (int i = 0; i < sp->n_sections; i++) {
        cmp_sec *sec = &s->sec[i];
        memset(sec, 0, sizeof *sec);
        memcpy(sec->name, sp->sec[i].name, sizeof sec->name);
        sec->kind = sp->sec[i].kind;
        sec->bars = sp->style->bars[sec->kind];
        sec->start_bar = bar;
        sec->energy = (float)cmp_clampd(cmp_kind_energy(sec->kind) + (sp->energy - 0.6) * 0.5,
                                        0.05, 1.0);
        sec->tick = bar * s->m.bar_ticks;
        sec->end = (bar + sec->bars) * s->m.bar_ticks;
        bar += sec->bars;
    }
}

/* Which instrument gets a track, in the spec's instrument order. */
typedef struct slot {
    const cmp_instr *in;
    cz_role role;
} slot;

static int build_score(const cmp_song *s, cz_score *sc, cz_error *err)
{
    const cmp_spec *sp = s->spec;
    sc->bpm = sp->bpm;
    sc->meter_num = (uint8_t)sp->num;
    sc->meter_den = (uint8_t)sp->den;
    sc->key_tonic = (uint8_t)s->key.tonic;
    sc->mode = (uint8_t)sp->mode;
    sc->swing = (float)sp->swing;
    uint32_t bars = 0;
    for (int i = 0; i < s->n_sec; i++) {
        const cmp_sec *sec = &s->sec[i];
        if (cz_score_add_section(sc, sec->name, sec->start_bar, sec->bars, sec->energy))
            return cz_err(err, CZ_ENOMEM, "%s: adding section \"%s\" failed", CMP_NAME,
                          sec->name);
        bars = sec->start_bar + sec->bars;
    }
    sc->bars = bars;
    sc->total_ticks = bars * s->m.bar_ticks;
    for (int i = 0; i < s->n_ch; i++) {
        const cmp_chord *c = &s->ch[i];
        cz_chord z;
        memset(&z, 0, sizeof z);
        z.tick = c->tick;
        z.len = c->len;
        z.root = (uint8_t)c->root;
        z.bass = (uint8_t)c->bass;
        z.tones = c->tones;
        memcpy(z.symbol, c->symbol, sizeof z.symbol);
        memcpy(z.roman, c->roman, sizeof z.roman);
        if (cz_score_add_chord(sc, &z))
            return cz_err(err, CZ_ENOMEM, "%s: adding chord %d failed", CMP_NAME, i);
    }

    slot slots[3] = {{&sp->chords, CZ_ROLE_CHORDS}, {&sp->bass, CZ_ROLE_BASS},
                     {&sp->lead, CZ_ROLE_LEAD}};
    /* spec order = channel order (channels are given by instrument index) */
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (slots[j].in->channel < slots[i].in->channel) {
                slot tmp = slots[i];
                slots[i] = slots[j];
                slots[j] = tmp;
            }
    int idx[3], nt = 0;
    for (int i = 0; i < 3; i++) {
        if (!slots[i].in->present)
            continue;
        if (!cz_score_add_track(sc, slots[i].in->name, slots[i].role, slots[i].in->program,
                                slots[i].in->channel))
            return cz_err(err, CZ_ENOMEM, "%s: adding track \"%s\" failed", CMP_NAME,
                          slots[i].in->name);
        idx[nt++] = i;
    }
    for (int k = 0; k < nt; k++) {
        cz_track *t = &sc->tracks[k];
        int rc = slots[idx[k]].role == CZ_ROLE_CHORDS ? cmp_chords_track(s, t, err)
                 : slots[idx[k]].role == CZ_ROLE_BASS ? cmp_bass_track(s, t, err)
                                                      : cmp_melody_track(s, t, err);
        if (rc)
            return rc;
        cz_track_sort(t);
    }
    return 0;
}

static int cmp_run(void *instance, cz_job *job, cz_error *err)
{
    const cmp_opts *opt = instance;
    cz_bus *bus = cz_job_bus(job);
    const json_t *j = NULL;
    int rc = cz_bus_get_json(bus, "ideation.spec", &j);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, CZ_ENOTFOUND,
                      "%s: bus key \"ideation.spec\" is missing; run an ideation "
                      "stage (e.g. ideation.rules) before composition", CMP_NAME);
    if (rc == CZ_ETYPE)
        return cz_err(err, CZ_ETYPE, "%s: bus key \"ideation.spec\" holds a %s, not json",
                      CMP_NAME, cz_type_name(cz_bus_type(bus, "ideation.spec")));
    if (rc)
        return cz_err(err, rc, "%s: reading \"ideation.spec\" failed (%s)", CMP_NAME,
                      cz_strerror(rc));

    cmp_spec spec;
    rc = cmp_spec_read(job, j, &spec, err);
    if (rc)
        return rc;

    cmp_song song;
    memset(&song, 0, sizeof song);
    song.spec = &spec;
    song.opt = opt;
    song.seed = cz_job_seed(job);
    cmp_key_init(&song.key, spec.tonic, spec.mode, spec.flats);
    cmp_meter_init(&song.m, opt->ppq, spec.num, spec.den);
    lay_out_sections(&song);

    cz_score *sc = NULL;
    rc = cmp_harmony(&song, err);
    if (!rc) {
        sc = cz_score_new(opt->ppq);
        if (!sc)
            rc = cz_err(err, CZ_ENOMEM, "%s: out of memory for the score", CMP_NAME);
    }
    if (!rc)
        rc = build_score(&song, sc, err);
    if (!rc) {
        cz_job_status(job, "%s, %s %s, %u bars, %d chords", spec.style->id,
                      cmp_pc_name(spec.tonic, spec.flats), cz_mode_name(spec.mode),
                      sc->bars, song.n_ch);
        rc = cz_bus_put_score(bus, "composition.score", sc);
        sc = NULL; /* the put took the reference, even on failure */
        if (rc)
            rc = cz_err(err, rc, "%s: writing \"composition.score\" failed", CMP_NAME);
    }
    if (sc)
        cz_score_unref(sc);
    free(song.ch);
    return rc;
}

CZ_MODULE(.name = "composition.theory", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Writes the song's material: sections, chords, melody, bass, comping",
          .reads = READS, .writes = WRITES, .options = OPTIONS, .init = cmp_init,
          .run = cmp_run, .fini = cmp_fini);
