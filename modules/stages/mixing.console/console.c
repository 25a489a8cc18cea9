/*
 * mixing.console - mixes production.stems into mix.audio.
 *
 * Reads  production.stems (audio, required): one stem per track.
 *        arrangement.score (score, optional): track roles, pans, volumes,
 *          tempo (delay time, sidechain release) and the kick notes.
 *        ideation.spec (json, optional): `genre` picks the mix preset.
 * Writes mix.audio (audio): the stereo mix; the processed stems (post
 *          fader) attached under their input names, plus the effect returns
 *          `reverb` and `delay`, so the stems sum to the mix.
 *
 * Per stem: gain staging (measured gated RMS brought to a role target) ->
 * EQ (a dsp module, option `eq`) -> compressor -> sidechain ducking ->
 * fader -> pan -> post-fader sends to an FDN reverb and a tempo-synced
 * ping-pong delay. Then a headroom check: if the mix peaks above
 * -headroom_db dBFS, the stems and the mix are scaled down together.
 * See console.h for the block/control-rate processing model and README.md
 * for the options and presets.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define MOD "mixing.console"
#define QUIET_BLOCKS 4 /* silent input blocks still processed (EQ tails) */

typedef struct console {
    cz_env *env;
    char eq[128];
    const genre_preset *forced; /* NULL: from ideation.spec */
    int sidechain;              /* -1 auto, 0 off, 1 on */
    float reverb_mix, delay_mix, ceiling;
} console;

static const cz_port reads[] = {
    CZ_READ("production.stems", CZ_TYPE_AUDIO, "stems to mix, one per track"),
    CZ_READ_OPTIONAL("arrangement.score", CZ_TYPE_SCORE,
                     "track roles and pans, tempo, kick notes"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON, "genre -> mix preset"),
    CZ_READ_OPTIONAL("production.levels", CZ_TYPE_JSON,
                     "each stem's gated level, measured as production wrote it (used only when "
                     "the same stage wrote production.stems; else measured here)"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("mix.audio", CZ_TYPE_AUDIO,
             "stereo mix; processed stems + reverb/delay returns sum to it"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_STRING("eq", "dsp.eq_biquad",
                     "dsp module for every stem's EQ: dsp.eq_biquad, "
                     "dsp.eq_fft, or any module taking their `bands` option"),
    CZ_OPTION_ENUM("preset", "auto",
                   "mix preset: auto (ideation.spec genre) or a genre",
                   "auto", "default", "pop", "rock", "metal", "country",
                   "hiphop", "rnb", "lofi", "edm", "house", "techno", "trance",
                   "synthwave", "dnb", "jazz", "classical", "folk", "reggae",
                   "latin", "chiptune", "ambient", "cinematic"),
    CZ_OPTION_ENUM("sidechain", "auto",
                   "kick ducks bass and pads: auto (if the genre uses it), on, off",
                   "auto", "on", "off"),
    CZ_OPTION_FLOAT("reverb_mix", "1.0", 0, 2,
                    "scale of every reverb send; 0 = no reverb return"),
    CZ_OPTION_FLOAT("delay_mix", "1.0", 0, 2,
                    "scale of every delay send; 0 = no delay return"),
    CZ_OPTION_FLOAT("headroom_db", "3", 0.1, 24,
                    "the mix peaks at most this far below 0 dBFS"),
    CZ_OPTIONS_END};

/* Sidechain shares for `sidechain: on` in a genre whose roles set none. */
static const float forced_duck[CZ_ROLE_COUNT] = {
    [CZ_ROLE_BASS] = 1, [CZ_ROLE_PAD] = 1, [CZ_ROLE_CHORDS] = 0.5f,
    [CZ_ROLE_ARP] = 0.5f, [CZ_ROLE_FX] = 0.5f, [CZ_ROLE_OTHER] = 0.5f};

static int console_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    console *c = calloc(1, sizeof *c);
    if (!c)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    c->env = args->env;
    const char *eq = cz_opt_str(o, "eq");
    if (!*eq || strlen(eq) >= sizeof c->eq) {
        free(c);
        return cz_err(err, CZ_EINVAL, MOD ": option eq: '%s' is not a dsp module name", eq);
    }
    strcpy(c->eq, eq);
    const char *p = cz_opt_str(o, "preset");
    if (strcmp(p, "auto") && !(c->forced = preset_find(p))) {
        free(c);
        return cz_err(err, CZ_EINTERNAL, MOD ": option preset: '%s' has no table", p);
    }
    const char *sc = cz_opt_str(o, "sidechain");
    c->sidechain = !strcmp(sc, "on") ? 1 : !strcmp(sc, "off") ? 0 : -1;
    c->reverb_mix = (float)cz_opt_float(o, "reverb_mix");
    c->delay_mix = (float)cz_opt_float(o, "delay_mix");
    c->ceiling = powf(10.0f, -(float)cz_opt_float(o, "headroom_db") / 20.0f);

    /* Open the EQ once now, so a wrong name fails at load, not mid-job. */
    cz_dsp *probe = NULL;
    cz_error e2 = {0};
    json_t *opts = json_pack("{s:[]}", "bands");
    int rc = cz_dsp_open(c->env, c->eq, opts, &probe, &e2);
    json_decref(opts);
    if (rc) {
        free(c);
        return cz_err(err, rc, MOD ": option eq: cannot open dsp module '%s': %s",
                      eq, e2.msg);
    }
    cz_dsp_close(probe);
    *instance = c;
    return 0;
}

static void console_fini(void *instance)
{
    free(instance);
}

/* ---- roles, genre, tempo -------------------------------------------- */

static const cz_track *find_track(const cz_score *s, const char *name)
{
    for (uint32_t i = 0; s && i < s->n_tracks; i++)
        if (!strncmp(s->tracks[i].name, name, sizeof s->tracks[i].name))
            return &s->tracks[i];
    return NULL;
}

static cz_role role_from_name(const char *name)
{
    static const struct { const char *word; cz_role role; } words[] = {
        {"kick", CZ_ROLE_DRUMS}, {"drum", CZ_ROLE_DRUMS}, {"beat", CZ_ROLE_DRUMS},
        {"perc", CZ_ROLE_PERC}, {"shaker", CZ_ROLE_PERC}, {"conga", CZ_ROLE_PERC},
        {"counter", CZ_ROLE_COUNTER}, {"bass", CZ_ROLE_BASS}, {"808", CZ_ROLE_BASS},
        {"pad", CZ_ROLE_PAD}, {"string", CZ_ROLE_PAD}, {"choir", CZ_ROLE_PAD},
        {"lead", CZ_ROLE_LEAD}, {"melody", CZ_ROLE_LEAD}, {"vocal", CZ_ROLE_LEAD},
        {"arp", CZ_ROLE_ARP}, {"chord", CZ_ROLE_CHORDS}, {"piano", CZ_ROLE_CHORDS},
        {"keys", CZ_ROLE_CHORDS}, {"guitar", CZ_ROLE_CHORDS}, {"organ", CZ_ROLE_CHORDS},
        {"fx", CZ_ROLE_FX}, {"riser", CZ_ROLE_FX}, {"noise", CZ_ROLE_FX},
    };
    int r = cz_role_parse(name);
    if (r >= 0 && r < CZ_ROLE_COUNT)
        return (cz_role)r;
    char low[32];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = 0;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (strstr(low, words[w].word))
            return words[w].role;
    return CZ_ROLE_OTHER;
}

static const genre_preset *pick_preset(const console *c, const json_t *spec,
                                       const char **genre)
{
    *genre = NULL;
    if (c->forced)
        return c->forced;
    const char *g = spec ? json_string_value(json_object_get(spec, "genre")) : NULL;
    *genre = g;
    const genre_preset *p = g ? preset_find(g) : NULL;
    if (!p && spec) /* a subgenre may name a preset the genre does not */
        p = preset_find(json_string_value(json_object_get(spec, "subgenre")));
    return p ? p : preset_default();
}

static double pick_bpm(const cz_score *s, const json_t *spec)
{
    if (s && s->bpm > 0)
        return s->bpm;
    const json_t *t = spec ? json_object_get(spec, "tempo_bpm") : NULL;
    if (json_is_number(t) && json_number_value(t) > 0)
        return json_number_value(t);
    return 120.0;
}

/* ---- setup of one strip ------------------------------------------------- */

static json_t *eq_options(const role_preset *rp, const genre_preset *gp,
                          cz_role role)
{
    json_t *bands = json_array();
    for (int i = 0; i < MAX_EQ && rp->eq[i].type; i++)
        json_array_append_new(bands, json_pack("{s:s,s:f,s:f,s:f}",
            "type", rp->eq[i].type, "freq", (double)rp->eq[i].freq,
            "gain_db", (double)rp->eq[i].gain_db, "q", (double)rp->eq[i].q));
    if (gp->tone_lp_hz > 0 && role != CZ_ROLE_BASS)
        json_array_append_new(bands, json_pack("{s:s,s:f,s:f}", "type",
            "lowpass", "freq", (double)gp->tone_lp_hz, "q", 0.7071));
    return json_pack("{s:o}", "bands", bands);
}

/* A stereo buffer kept where `like` is kept: spooled when the stems came
 * spooled (production's choice, see audio.h), else in memory. */
static int new_bus(const cz_audio *like, uint64_t frames, cz_audio **out, cz_error *err)
{
    if (!like->samples)
        return cz_audio_new_spooled(like->rate, 2, frames, out, err);
    *out = cz_audio_new(like->rate, 2, frames);
    return *out ? 0 : cz_err(err, CZ_ENOMEM, "out of memory");
}

/* production.levels when the stage that wrote production.stems wrote it
 * too, after them; NULL otherwise (a stage in between that changed the
 * stems would have made the figures stale), and the stems are measured. */
static const json_t *given_levels(const cz_bus *bus)
{
    const json_t *lv = NULL;
    cz_lineage l, s;
    if (cz_bus_get_json(bus, "production.levels", &lv) || !json_is_object(lv) ||
        cz_bus_lineage(bus, "production.levels", &l) ||
        cz_bus_lineage(bus, "production.stems", &s) || !l.stage || !s.stage || !l.module ||
        !s.module || strcmp(l.stage, s.stage) || strcmp(l.module, s.module) || l.seq < s.seq)
        return NULL;
    return lv;
}

static int strip_setup(console *c, strip *s, const cz_audio *in,
                       const char *name, const cz_score *score,
                       const genre_preset *gp, int sidechain, int in_place,
                       const json_t *levels, cz_error *err)
{
    cz_audio_ref(in); /* the strip keeps its input alive (released in job_free) */
    s->in = in;
    s->isa = isa_detect();
    snprintf(s->name, sizeof s->name, "%s", name);
    const cz_track *tr = find_track(score, name);
    s->role = tr && (unsigned)tr->role < CZ_ROLE_COUNT ? tr->role : role_from_name(name);
    const role_preset *rp = &gp->roles[s->role];

    /* production's figure when it gave one (the same measure, audio.h
     * cz_level), else a pass over the stem */
    const json_t *given = json_object_get(levels, name);
    double level = json_number_value(given);
    int rc = json_is_number(given) ? 0 : cz_audio_level_db(in, &level);
    s->level_db = (float)level;
    if (rc)
        return cz_err(err, rc, MOD ": cannot read stem '%s'%s", name,
                      rc == CZ_EIO ? " from its scratch file" : ": out of memory");
    float target = preset_target_db(s->role);
    float trim_db = 0;
    if (s->level_db > -150) {
        trim_db = target - s->level_db;
        trim_db = trim_db < -40 ? -40 : trim_db > 40 ? 40 : trim_db;
    }
    /* The compressor sees the unstaged signal: its threshold moves with
     * the staging gain, which is applied with the fader after it. */
    comp_init(&s->comp, &rp->comp, target - trim_db, in->rate);
    s->gain_db = trim_db + rp->fader_db + gp->role_db[s->role];
    if (tr && tr->volume > 0) { /* the arranger's relative level */
        float v = 20.0f * log10f(tr->volume / 0.8f);
        s->gain_db += v < -12 ? -12 : v > 3 ? 3 : v;
    }
    /* Production renders a track's own pan into its stem (bus contract);
     * the preset's role pan places only tracks the arranger left centred. */
    float pan = tr && fabsf(tr->pan) > 0.01f ? 0.0f : rp->pan;
    pan = pan < -1 ? -1 : pan > 1 ? 1 : pan;
    float th = (pan + 1.0f) * (float)M_PI / 4.0f; /* constant power, 0 dB centre */
    s->pan_l = (float)M_SQRT2 * cosf(th);
    s->pan_r = (float)M_SQRT2 * sinf(th);
    s->send_rv = rp->reverb_send * gp->reverb_scale * c->reverb_mix;
    s->send_dl = rp->delay_send * gp->delay_scale * c->delay_mix;
    s->duck = !sidechain ? 0 : rp->duck > 0 ? rp->duck
              : c->sidechain == 1 ? forced_duck[s->role] : 0;

    json_t *opts = eq_options(rp, gp, s->role);
    cz_error e2 = {0};
    rc = opts ? cz_dsp_open(c->env, c->eq, opts, &s->eq, &e2) : CZ_ENOMEM;
    json_decref(opts);
    if (rc)
        return cz_err(err, rc, MOD ": option eq: dsp module '%s' refused the "
                      "bands for stem '%s': %s", c->eq, name, e2.msg);
    /* A stereo stem we hold alone (taken from the bus, made writable) is
     * processed in place: no second buffer, no fresh pages to fault in. */
    if (in_place && in->channels == 2) {
        cz_audio_ref(in);
        s->out = (cz_audio *)in;
        return 0;
    }
    if ((rc = new_bus(in, in->frames, &s->out, &e2)))
        return cz_err(err, rc, MOD ": no room for stem '%s': %s", name, e2.msg);
    return 0;
}

/* ---- the mix -------------------------------------------------------------- */

typedef struct job_state {
    strip *strips;
    uint32_t n;
    float *y, *rvb, *dlb; /* one block: a strip's samples, the send buses */
    cz_audio *mix, *rv_out, *dl_out;
    reverb *rv;
    delay *dl;
    float *duck;
    uint64_t *kicks;
} job_state;

static void job_free(job_state *j)
{
    for (uint32_t i = 0; j->strips && i < j->n; i++) {
        if (j->strips[i].eq)
            cz_dsp_close(j->strips[i].eq);
        if (j->strips[i].out)
            cz_audio_unref(j->strips[i].out);
        if (j->strips[i].in)
            cz_audio_unref(j->strips[i].in);
    }
    free(j->strips);
    free(j->y);
    if (j->mix)
        cz_audio_unref(j->mix);
    if (j->rv_out)
        cz_audio_unref(j->rv_out);
    if (j->dl_out)
        cz_audio_unref(j->dl_out);
    reverb_free(j->rv);
    delay_free(j->dl);
    free(j->duck);
    free(j->kicks);
}

/* Largest |x|, or NAN if any sample is not finite (two running maxima:
 * the max instruction's latency, not its throughput, bounds one). */
static float block_peak(const float *x, size_t count)
{
    v4f mx[2] = {{0}};
    v4i bad = {0, 0, 0, 0};
    const v4f big = {3e38f, 3e38f, 3e38f, 3e38f};
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int h = 0; h < 2; h++) {
            v4f v = (v4f)((v4i)v4_load(x + i + 4 * h) & 0x7fffffff);
            bad |= ~(v <= big); /* NaN and Inf fail the compare */
            mx[h] = v4_max(v, mx[h]);
        }
    v4f m = v4_max(mx[0], mx[1]);
    float r = 0;
    for (int k = 0; k < 4; k++) {
        if (bad[k])
            return NAN;
        r = m[k] > r ? m[k] : r;
    }
    for (; i < count; i++) {
        if (!isfinite(x[i]))
            return NAN;
        r = fabsf(x[i]) > r ? fabsf(x[i]) : r;
    }
    return r;
}

/* dst += a, then += b (either may be NULL), in one pass over dst. */
static void add_returns(float *dst, const float *a, const float *b, size_t count)
{
    const float *one = a ? a : b;
    size_t i = 0;
    if (!one)
        return;
    if (a && b) {
        for (; i + 4 <= count; i += 4)
            v4_store(dst + i, v4_load(dst + i) + v4_load(a + i) + v4_load(b + i));
        for (; i < count; i++)
            dst[i] = dst[i] + a[i] + b[i];
        return;
    }
    for (; i + 4 <= count; i += 4)
        v4_store(dst + i, v4_load(dst + i) + v4_load(one + i));
    for (; i < count; i++)
        dst[i] += one[i];
}

/* Scale count floats, leaving all-zero stretches untouched (a skipped
 * silent stem's pages are never written, so they stay unallocated). */
static void scale_floats(float *x, size_t count, float g)
{
    v4f gv = {g, g, g, g};
    for (size_t c0 = 0; c0 < count; c0 += 1024) {
        size_t c1 = c0 + 1024 < count ? c0 + 1024 : count, i = c0;
        if (block_silent(x + c0, c1 - c0))
            continue;
        for (; i + 4 <= c1; i += 4)
            v4_store(x + i, v4_load(x + i) * gv);
        for (; i < c1; i++)
            x[i] *= g;
    }
}

/* Scale a whole buffer by g, in memory or through the spool a block at a
 * time (buf: BLOCK stereo frames). */
static int scale(cz_audio *a, float g, float *buf)
{
    if (a->samples) {
        scale_floats(a->samples, (size_t)a->frames * a->channels, g);
        return 0;
    }
    for (uint64_t pos = 0; pos < a->frames; pos += BLOCK) {
        uint64_t n = a->frames - pos < BLOCK ? a->frames - pos : BLOCK;
        size_t count = (size_t)n * a->channels;
        int rc = cz_audio_read(a, pos, n, buf);
        if (rc)
            return rc;
        if (block_silent(buf, count))
            continue;
        scale_floats(buf, count, g);
        if ((rc = cz_audio_write(a, pos, n, buf)))
            return rc;
    }
    return 0;
}

static int sidechain_setup(job_state *j, const cz_score *score, double bpm,
                           const genre_preset *gp, uint64_t frames,
                           uint32_t rate, size_t *n_kicks)
{
    *n_kicks = 0;
    int any = 0;
    for (uint32_t i = 0; i < j->n; i++)
        any |= j->strips[i].duck > 0;
    if (!any)
        return 0;
    int rc = 0, from_score = 0;
    for (uint32_t t = 0; score && t < score->n_tracks; t++)
        from_score |= score->tracks[t].role == CZ_ROLE_DRUMS;
    if (from_score) {
        rc = sc_kicks_from_score(score, rate, frames, &j->kicks, n_kicks);
    } else {
        for (uint32_t i = 0; i < j->n; i++)
            if (j->strips[i].role == CZ_ROLE_DRUMS) {
                /* the onset finder walks the whole stem: bring it in */
                rc = cz_audio_load((cz_audio *)j->strips[i].in);
                if (!rc)
                    rc = sc_kicks_from_audio(j->strips[i].in, &j->kicks, n_kicks);
                break;
            }
    }
    if (rc || !*n_kicks)
        return rc;
    size_t periods = (size_t)((frames + CTL - 1) / CTL);
    j->duck = malloc((periods + 1) * sizeof *j->duck);
    if (!j->duck)
        return CZ_ENOMEM;
    sc_envelope(j->kicks, *n_kicks, rate, gp->duck_db,
                (float)(gp->duck_beats * 60.0 / bpm), j->duck, periods);
    return 0;
}

static int console_run(void *instance, cz_job *job, cz_error *err)
{
    console *c = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_audio *in = NULL;
    const cz_score *score = NULL;
    const json_t *spec = NULL;
    /* Mixing is normally the stems' last reader: take them and work in
     * place (the kernel hands over its reference, or a copy is made when a
     * later stage or a checkpoint still needs the originals). */
    cz_audio *taken = NULL;
    const json_t *levels = given_levels(bus);
    int rc = cz_job_take_audio(job, "production.stems", &taken, NULL);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, MOD ": production.stems is missing from the bus "
                      "(a production stage must run before mixing)");
    if (rc)
        return cz_err(err, rc, MOD ": production.stems holds a %s, expected audio",
                      cz_type_name(cz_bus_type(bus, "production.stems")));
    if (cz_audio_make_writable(&taken)) {
        cz_audio_unref(taken);
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory copying production.stems");
    }
    in = taken;
    job_state j = {0};
    if (!in->rate || in->channels < 1 || in->channels > 2) {
        rc = cz_err(err, CZ_EINVAL, MOD ": production.stems: %u channels at "
                    "%u Hz; expected mono or stereo", in->channels, in->rate);
        goto fail;
    }
    rc = cz_bus_get_score(bus, "arrangement.score", &score);
    if (rc && rc != CZ_ENOTFOUND) {
        cz_err(err, rc, MOD ": arrangement.score holds a %s, expected a score",
               cz_type_name(cz_bus_type(bus, "arrangement.score")));
        goto fail;
    }
    rc = cz_bus_get_json(bus, "ideation.spec", &spec);
    if (rc && rc != CZ_ENOTFOUND) {
        cz_err(err, rc, MOD ": ideation.spec holds a %s, expected json",
               cz_type_name(cz_bus_type(bus, "ideation.spec")));
        goto fail;
    }
    for (uint32_t i = 0; i < in->n_stems; i++) {
        const cz_audio *st = in->stems[i].audio;
        if (!st || st->rate != in->rate || st->channels < 1 || st->channels > 2) {
            rc = cz_err(err, CZ_EINVAL, MOD ": production.stems: stem '%s' "
                        "is not mono or stereo at %u Hz", in->stems[i].name, in->rate);
            goto fail;
        }
    }

    const char *genre;
    const genre_preset *gp = pick_preset(c, spec, &genre);
    double bpm = pick_bpm(score, spec);
    int sidechain = c->sidechain == 1 || (c->sidechain == -1 && gp->sidechain);
    uint32_t rate = in->rate;
    uint64_t frames = in->frames;

    j.n = in->n_stems ? in->n_stems : 1;
    j.strips = calloc(j.n, sizeof *j.strips);
    if (!j.strips) {
        rc = cz_err(err, CZ_ENOMEM, MOD ": out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < j.n; i++) {
        const cz_audio *a = in->n_stems ? in->stems[i].audio : in;
        const char *name = in->n_stems ? in->stems[i].name : "main";
        if ((rc = strip_setup(c, &j.strips[i], a, name, score, gp, sidechain, 1, levels, err)))
            goto fail;
    }
    /* The strips hold their stems now. The container's summed main buffer
     * becomes the mix bus (the mix stays in memory: mastering works on it
     * whole): memory production already touched, zeroed, costs a fraction
     * of fresh pages. */
    const float *donor = taken->samples;
    j.mix = cz_audio_recycle(taken, rate, 2, frames);
    taken = NULL;
    in = NULL;
    if (j.mix && j.mix->samples != donor)
        cz_audio_prefault(j.mix); /* fresh pages: map them in one call */
    size_t n_kicks = 0;
    if ((rc = sidechain_setup(&j, score, bpm, gp, frames, rate, &n_kicks))) {
        cz_err(err, rc, MOD ": cannot set up the sidechain: %s",
               rc == CZ_EIO ? "the drum stem's scratch file cannot be read" : "out of memory");
        goto fail;
    }
    int want_rv = 0, want_dl = 0;
    for (uint32_t i = 0; i < j.n; i++) {
        want_rv |= j.strips[i].send_rv > 0;
        want_dl |= j.strips[i].send_dl > 0;
    }
    /* the returns are kept like the stems */
    const cz_audio *like = j.strips[0].out;
    j.y = malloc(3 * 2 * (size_t)BLOCK * sizeof *j.y);
    if (!j.mix || !j.y) {
        rc = cz_err(err, CZ_ENOMEM, MOD ": out of memory for the mix bus");
        goto fail;
    }
    j.rvb = j.y + 2 * BLOCK;
    j.dlb = j.rvb + 2 * BLOCK;
    if (want_rv) {
        j.rv = reverb_new(rate, gp->reverb_t60, gp->reverb_hf,
                          gp->reverb_predelay_ms, gp->reverb_size);
        cz_error e2 = {0};
        if (!j.rv || (rc = new_bus(like, frames, &j.rv_out, &e2))) {
            rc = cz_err(err, j.rv ? rc : CZ_ENOMEM, MOD ": no room for the reverb return: %s",
                        j.rv ? e2.msg : "out of memory");
            goto fail;
        }
    }
    if (want_dl) {
        j.dl = delay_new(rate, gp->delay_beats * 60.0 / bpm, gp->delay_feedback);
        cz_error e2 = {0};
        if (!j.dl || (rc = new_bus(like, frames, &j.dl_out, &e2))) {
            rc = cz_err(err, j.dl ? rc : CZ_ENOMEM, MOD ": no room for the delay return: %s",
                        j.dl ? e2.msg : "out of memory");
            goto fail;
        }
    }

    float peak = 0;
    for (uint64_t pos = 0; pos < frames; pos += BLOCK) {
        uint32_t n = frames - pos < BLOCK ? (uint32_t)(frames - pos) : BLOCK;
        float *mix = j.mix->samples + 2 * pos;
        float *rv = j.rv_out ? j.rvb : NULL, *dl = j.dl_out ? j.dlb : NULL;
        const float *duck = j.duck ? j.duck + pos / CTL : NULL;
        if (rv)
            memset(rv, 0, 2 * (size_t)n * sizeof *rv);
        if (dl)
            memset(dl, 0, 2 * (size_t)n * sizeof *dl);
        for (uint32_t i = 0; i < j.n; i++) {
            strip *s = &j.strips[i];
            float *y = j.y;
            if ((rc = strip_load(s, y, pos, n))) {
                cz_err(err, rc, MOD ": cannot read stem '%s' at %.2f s", s->name,
                       (double)pos / rate);
                goto fail;
            }
            /* A stem silent for a while (past its EQ's ring-down) is
             * skipped: its output is left as it is, silent (never-written
             * spool or zero pages: no time, no memory). */
            if (block_silent(y, 2 * (size_t)n)) {
                if (++s->quiet > QUIET_BLOCKS) {
                    strip_rest(s);
                    continue;
                }
            } else {
                s->quiet = 0;
            }
            cz_error e2 = {0};
            if (s->eq && (rc = cz_dsp_process(s->eq, y, n, 2, rate, &e2))) {
                cz_err(err, rc, MOD ": eq '%s' failed on stem '%s': %s",
                       c->eq, s->name, e2.msg);
                goto fail;
            }
            strip_dynamics(s, y, n, duck, mix, rv, dl);
            if ((rc = cz_audio_write(s->out, pos, n, y))) {
                cz_err(err, rc, MOD ": cannot write stem '%s' (" CZ_SPOOL_HINT ")",
                       s->name);
                goto fail;
            }
        }
        if (rv) {
            reverb_process(j.rv, rv, n);
            rc = cz_audio_write(j.rv_out, pos, n, rv);
        }
        if (dl && !rc) {
            delay_process(j.dl, dl, n);
            rc = cz_audio_write(j.dl_out, pos, n, dl);
        }
        add_returns(mix, rv, dl, 2 * (size_t)n);
        if (rc) {
            cz_err(err, rc, MOD ": cannot write an effect return (" CZ_SPOOL_HINT ")");
            goto fail;
        }
        float p = block_peak(mix, 2 * (size_t)n);
        if (isnan(p)) {
            rc = cz_err(err, CZ_EINVAL, MOD ": the mix has NaN/Inf samples near "
                        "%.2f s (non-finite input in production.stems?)",
                        (double)pos / rate);
            goto fail;
        }
        peak = p > peak ? p : peak;
        if ((pos / BLOCK) % 64 == 63 && cz_job_cancelled(job)) {
            rc = cz_err(err, CZ_ECANCELED, MOD ": cancelled");
            goto fail;
        }
    }

    float trim = 1;
    if (peak > c->ceiling) {
        trim = c->ceiling / peak;
        for (uint32_t i = 0; i < j.n && !rc; i++)
            rc = scale(j.strips[i].out, trim, j.y);
        if (j.rv_out && !rc)
            rc = scale(j.rv_out, trim, j.y);
        if (j.dl_out && !rc)
            rc = scale(j.dl_out, trim, j.y);
        if (!rc)
            rc = scale(j.mix, trim, j.y);
        if (rc) {
            cz_err(err, rc, MOD ": cannot trim the stems for headroom (" CZ_SPOOL_HINT ")");
            goto fail;
        }
    }

    for (uint32_t i = 0; i < j.n; i++) {
        strip *s = &j.strips[i];
        cz_dsp_close(s->eq);
        s->eq = NULL;
        rc = cz_audio_add_stem(j.mix, s->name, s->out);
        s->out = NULL;
        if (rc) {
            cz_err(err, rc, MOD ": cannot attach stem '%s' to the mix", s->name);
            goto fail;
        }
    }
    struct { cz_audio **a; const char *name, *alt; } ret[2] = {
        {&j.rv_out, "reverb", "reverb_return"}, {&j.dl_out, "delay", "delay_return"}};
    for (int r = 0; r < 2; r++) {
        if (!*ret[r].a)
            continue;
        const char *name = cz_audio_stem(j.mix, ret[r].name) ? ret[r].alt : ret[r].name;
        rc = cz_audio_add_stem(j.mix, name, *ret[r].a);
        *ret[r].a = NULL;
        if (rc) {
            cz_err(err, rc, MOD ": cannot attach the %s return to the mix", name);
            goto fail;
        }
    }
    cz_job_log(job, CZ_LOG_INFO, "preset %s%s%s%s, eq %s, sidechain %s "
               "(%zu kicks), %u stems, peak %.1f dBFS%s",
               gp->id, genre ? " (genre '" : "", genre ? genre : "",
               genre ? "')" : "", c->eq, sidechain ? "on" : "off", n_kicks,
               j.n, 20 * log10(peak * trim + 1e-12),
               trim < 1 ? " after a headroom trim" : "");
    cz_job_status(job, "%s preset, %u stems%s", gp->id, j.n,
                  sidechain && n_kicks ? ", sidechain" : "");
    cz_audio *mix = j.mix;
    j.mix = NULL;
    job_free(&j);
    rc = cz_bus_put_audio(bus, "mix.audio", mix);
    if (rc)
        return cz_err(err, rc, MOD ": cannot put mix.audio on the bus");
    return 0;
fail:
    job_free(&j);
    if (taken)
        cz_audio_unref(taken);
    return rc;
}

CZ_MODULE(.name = "mixing.console", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Mixes stems: gain staging, EQ (dsp), compression, "
                     "sidechain, pan, reverb and delay sends, genre presets",
          .reads = reads, .writes = writes, .options = options,
          .init = console_init, .run = console_run, .fini = console_fini);
