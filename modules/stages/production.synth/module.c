/*
 * module.c - production.synth: the built-in synthesizer, the offline
 * default production stage. Renders arrangement.score into stereo stems,
 * one per track, and their sum (production.stems).
 *
 * This file is the stage's face: options, the bus, stem names, logs. The
 * render itself is render.c. Instance data is the option values and the
 * wavetables (read-only after init), so concurrent runs for different
 * jobs share it safely.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define SY_MAX_SECONDS (4.0 * 3600.0)

typedef struct synth {
    uint32_t rate;
    double tail_s;
    int polyphony;
    int spool;
    char score_key[128];
    char genre[32];
    sy_shared sh;
} synth;

static const cz_port reads[] = {
    CZ_READ("arrangement.score", CZ_TYPE_SCORE,
            "the song to render (the key is the score_key option)"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON,
                     "genre and mood pick the drum kit and colour the presets"),
    CZ_PORTS_END,
};

static const cz_port writes[] = {
    CZ_WRITE("production.stems", CZ_TYPE_AUDIO,
             "stereo mix of all tracks with one stem per track, named after the track"),
    CZ_WRITE("production.levels", CZ_TYPE_JSON,
             "each stem's gated level in dBFS (audio.h cz_level), measured as it was written"),
    CZ_PORTS_END,
};

static const cz_option options[] = {
    CZ_OPTION_INT("rate", "48000", 44100, 96000,
                  "output sample rate in Hz: 44100, 48000 or 96000"),
    CZ_OPTION_FLOAT("tail_s", "2.0", 0, 30,
                    "seconds rendered after the song end so releases and cymbals ring out"),
    CZ_OPTION_INT("polyphony", "32", 1, 256,
                  "voices sounding at once per track; a note beyond it fades out the quietest "
                  "released (else the oldest) voice in 4 ms"),
    CZ_OPTION_STRING("score_key", "arrangement.score", "bus key of the score to render"),
    CZ_OPTION_BOOL("spool", "true",
                   "keep the stems in scratch files (69 MB per 3-minute stem that the process "
                   "does not hold; see CADENZA_SPOOL_DIR) rather than in memory"),
    CZ_OPTION_STRING("genre", NULL,
                     "sound style (drum kit, brightness) when set; empty: the genre of ideation.spec"),
    CZ_OPTIONS_END,
};

static int synth_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    int64_t rate = cz_opt_int(o, "rate");
    if (rate != 44100 && rate != 48000 && rate != 96000)
        return cz_err(err, CZ_EINVAL,
                      "production.synth: option 'rate' must be 44100, 48000 or 96000 Hz (got %lld)",
                      (long long)rate);
    double tail = cz_opt_float(o, "tail_s");
    if (!(tail >= 0.0 && tail <= 30.0))
        return cz_err(err, CZ_EINVAL, "production.synth: option 'tail_s' must be 0 to 30 seconds (got %g)",
                      tail);
    int64_t poly = cz_opt_int(o, "polyphony");
    if (poly < 1 || poly > 256)
        return cz_err(err, CZ_EINVAL, "production.synth: option 'polyphony' must be 1 to 256 (got %lld)",
                      (long long)poly);
    const char *key = cz_opt_str(o, "score_key");
    if (!*key || strlen(key) >= sizeof(((synth *)0)->score_key))
        return cz_err(err, CZ_EINVAL, "production.synth: option 'score_key' must be a bus key of 1 to %zu characters",
                      sizeof(((synth *)0)->score_key) - 1);
    const char *genre = cz_opt_str(o, "genre");
    if (strlen(genre) >= sizeof(((synth *)0)->genre))
        return cz_err(err, CZ_EINVAL, "production.synth: option 'genre' is longer than %zu characters",
                      sizeof(((synth *)0)->genre) - 1);

    synth *s = calloc(1, sizeof *s);
    if (!s)
        return cz_err(err, CZ_ENOMEM, "production.synth: out of memory");
    s->rate = (uint32_t)rate;
    s->tail_s = tail;
    s->polyphony = (int)poly;
    s->spool = cz_opt_bool(o, "spool");
    snprintf(s->score_key, sizeof s->score_key, "%s", key);
    snprintf(s->genre, sizeof s->genre, "%s", genre);
    if (sy_shared_init(&s->sh)) {
        free(s);
        return cz_err(err, CZ_ENOMEM, "production.synth: out of memory for the wavetables");
    }
    s->sh.isa = sy_isa_detect();
    *instance = s;
    return 0;
}

static void synth_fini(void *instance)
{
    synth *s = instance;
    if (!s)
        return;
    sy_shared_free(&s->sh);
    free(s);
}

/* Stem names must be unique: a repeated (or empty) track name gets the
 * role name and "-2", "-3" ... names[i] is filled for every track. */
static void stem_names(const cz_score *sc, char (*names)[32])
{
    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        const char *base = sc->tracks[i].name[0] ? sc->tracks[i].name
                                                 : cz_role_name(sc->tracks[i].role);
        snprintf(names[i], 32, "%s", base);
        for (int k = 2;; k++) {
            int taken = 0;
            for (uint32_t j = 0; j < i && !taken; j++)
                taken = !strcmp(names[j], names[i]);
            if (!taken)
                break;
            char suffix[12];
            int sl = snprintf(suffix, sizeof suffix, "-%d", k);
            size_t keep = strlen(base);
            if (keep + (size_t)sl > 31)
                keep = 31 - (size_t)sl;
            snprintf(names[i], 32, "%.*s%s", (int)keep, base, suffix);
        }
    }
}

static int job_cancelled(void *job)
{
    return cz_job_cancelled(job);
}

static int synth_run(void *instance, cz_job *job, cz_error *err)
{
    synth *s = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_score *sc = NULL;
    int rc = cz_bus_get_score(bus, s->score_key, &sc);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc,
                      "production.synth: no score at bus key '%s' (the arrangement stage writes it; "
                      "option score_key names another key)",
                      s->score_key);
    if (rc == CZ_ETYPE)
        return cz_err(err, rc, "production.synth: bus key '%s' holds a %s, not a score", s->score_key,
                      cz_type_name(cz_bus_type(bus, s->score_key)));
    if (rc)
        return cz_err(err, rc, "production.synth: cannot read bus key '%s'", s->score_key);
    if (!sc->n_tracks)
        return cz_err(err, CZ_EINVAL, "production.synth: the score at '%s' has no tracks: nothing to render",
                      s->score_key);
    if (!(sc->bpm >= 1.0 && sc->bpm <= 1000.0) || !sc->ppq)
        return cz_err(err, CZ_EINVAL,
                      "production.synth: the score at '%s' has an unusable tempo (%g bpm, %u ppq)",
                      s->score_key, sc->bpm, sc->ppq);

    /* style: the option, else the spec's genre; mood from the spec */
    const json_t *spec = NULL, *mood = NULL;
    const char *genre = s->genre;
    if (cz_bus_type(bus, "ideation.spec") == CZ_TYPE_JSON &&
        cz_bus_get_json(bus, "ideation.spec", &spec) == 0 && json_is_object(spec)) {
        if (!*genre && json_is_string(json_object_get(spec, "genre")))
            genre = json_string_value(json_object_get(spec, "genre"));
        mood = json_object_get(spec, "mood");
    } else if (cz_bus_type(bus, "ideation.spec") != CZ_TYPE_NONE) {
        cz_job_log(job, CZ_LOG_WARN, "ideation.spec is not a JSON object; using the default sound");
    }
    sy_style style;
    sy_style_init(&style, genre, mood);

    double song_s = sc->total_ticks * 60.0 / (sc->bpm * sc->ppq);
    if (song_s + s->tail_s > SY_MAX_SECONDS)
        return cz_err(err, CZ_EINVAL, "production.synth: the score at '%s' lasts %.0f s; the limit is %.0f s",
                      s->score_key, song_s, SY_MAX_SECONDS);

    char (*names)[32] = calloc(sc->n_tracks, sizeof *names);
    double *levels = calloc(sc->n_tracks + 1, sizeof *levels);
    if (!names || !levels) {
        free(names);
        free(levels);
        return cz_err(err, CZ_ENOMEM, "production.synth: out of memory");
    }
    stem_names(sc, names);
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        if (strcmp(names[i], sc->tracks[i].name))
            cz_job_log(job, CZ_LOG_WARN, "track %u: stem named '%s' (track name '%s' is empty or taken)",
                       i + 1, names[i], sc->tracks[i].name);

    sy_render_args ra = {.score = sc, .sh = &s->sh, .style = &style, .rate = s->rate,
                         .polyphony = s->polyphony, .tail_s = s->tail_s,
                         .seed = cz_job_seed(job), .isa = s->sh.isa, .spool = s->spool,
                         .levels = levels, .cancelled = job_cancelled, .user = job};
    sy_render_stats st;
    cz_audio *mix = NULL;
    rc = sy_render(&ra, names, &mix, &st, err);
    json_t *lv = rc ? NULL : json_object();
    for (uint32_t i = 0; lv && i < sc->n_tracks; i++)
        json_object_set_new(lv, names[i], json_real(levels[i]));
    free(names);
    free(levels);
    if (rc)
        return rc;
    if (st.hard_steals)
        cz_job_log(job, CZ_LOG_WARN, "%llu notes cut a fading voice: raise the polyphony option",
                   (unsigned long long)st.hard_steals);
    cz_job_log(job, CZ_LOG_INFO,
               "%u stems, %.1f s at %u Hz, %llu notes, %llu voices stolen, %u tracks at half rate, "
               "kit %d, genre '%s'",
               sc->n_tracks, cz_audio_seconds(mix), s->rate, (unsigned long long)st.notes,
               (unsigned long long)st.steals, st.half_rate_tracks, style.kit, style.genre);
    cz_job_status(job, "%u stems, %.1f s", sc->n_tracks, cz_audio_seconds(mix));
    rc = cz_bus_put_audio(bus, "production.stems", mix);
    if (rc) {
        json_decref(lv);
        return cz_err(err, rc, "production.synth: cannot put production.stems on the bus");
    }
    /* after the stems: mixing trusts the figures only from their writer */
    rc = lv ? cz_bus_put_json(bus, "production.levels", lv) : CZ_ENOMEM;
    if (rc)
        rc = cz_err(err, rc, "production.synth: cannot put production.levels on the bus");
    return rc;
}

CZ_MODULE(.name = "production.synth", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Built-in synthesizer: renders the arrangement into stereo stems, one per track",
          .reads = reads, .writes = writes, .options = options, .init = synth_init,
          .run = synth_run, .fini = synth_fini);
