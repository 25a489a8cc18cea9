/*
 * production.provider - the song's audio from whichever provider the
 * pipeline's router reaches (ACE-Step, Replicate, the offline renderer).
 *
 * Reads ideation.spec and arrangement.score and asks the router for
 * capability "audio" with the request documented in provider.h: {caption,
 * bpm, key, mode, meter, duration_s, seed, rate} - the spec's values, the
 * score's where the spec has none, and the arranged length as duration_s
 * (so the audio lines up with the score and a MIDI export of it). Its
 * ports are production.synth's, so the two can be A/B variants of one
 * stage. Whatever comes back (any rate, mono or more
 * channels, longer or shorter than asked) is made what the rest of the
 * pipeline expects on production.stems:
 *
 *   - stereo: mono is copied to both sides; of more channels the first two
 *     are kept (left, right);
 *   - at option `rate`, resampled with a Kaiser-windowed sinc (resample.c);
 *   - exactly duration_s long: longer audio is cut with a `fade_ms` fade
 *     out, shorter audio is padded with silence;
 *   - non-finite samples (a broken download) become silence;
 *   - one stem named "mix", equal to the main buffer.
 *
 * mixing.console then treats "mix" as one stem (role other), so mixing,
 * mastering and finalization run unchanged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#include "pp.h"

#define MOD "production.provider"

/* The same ports as production.synth and production.soundfont, so the
 * three are interchangeable as A/B variants of one stage. */
static const cz_port reads[] = {
    CZ_READ("arrangement.score", CZ_TYPE_SCORE, "the arranged song: its length, and tempo/key/meter without a spec"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON, "caption, tempo, key, mode and meter to ask for"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("production.stems", CZ_TYPE_AUDIO, "the rendered song: stereo at `rate`, one stem \"mix\""),
    CZ_WRITE("production.levels", CZ_TYPE_JSON,
             "the stem's gated level in dBFS (audio.h cz_level), for mixing's gain staging"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_INT("rate", "48000", 8000, 192000, "sample rate of production.stems (Hz)"),
    CZ_OPTION_FLOAT("fade_ms", "20", 0, 10000, "fade out where longer audio is cut to the song's length"),
    CZ_OPTION_FLOAT("max_duration_s", "900", 1, 3600, "longest song asked for"),
    CZ_OPTIONS_END};

typedef struct stage {
    uint32_t rate;
    double fade_ms, max_s;
} stage;

static int pp_init(const cz_init *args, void **instance, cz_error *err)
{
    stage *s = calloc(1, sizeof *s);
    if (!s)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    s->rate = (uint32_t)cz_opt_int(args->options, "rate");
    s->fade_ms = cz_opt_float(args->options, "fade_ms");
    s->max_s = cz_opt_float(args->options, "max_duration_s");
    *instance = s;
    return 0;
}

static void pp_fini(void *instance)
{
    free(instance);
}

static const char *str_or(const json_t *spec, const char *k, const char *def)
{
    const char *v = json_string_value(json_object_get(spec, k));
    return v && *v ? v : def;
}

static double num_or(const json_t *spec, const char *k, double def)
{
    const json_t *v = json_object_get(spec, k);
    return json_is_number(v) && isfinite(json_number_value(v)) ? json_number_value(v) : def;
}

/* The request: the spec's words and numbers, the score's where the spec
 * is silent, and the arranged length (so the audio lines up with the
 * score, and with a MIDI export of it). */
static json_t *audio_request(const stage *s, cz_job *job, const json_t *spec, const cz_score *sc,
                             double seconds)
{
    static const char *const names[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
    char meter[16];
    snprintf(meter, sizeof meter, "%u/%u", sc && sc->meter_num ? sc->meter_num : 4u,
             sc && sc->meter_den ? sc->meter_den : 4u);
    const char *caption = str_or(spec, "caption", str_or(spec, "prompt", "instrumental music"));
    return json_pack("{s:s,s:f,s:s,s:s,s:s,s:f,s:I,s:i}", "caption", caption, "bpm",
                     num_or(spec, "tempo_bpm", sc && sc->bpm > 0 ? sc->bpm : 120), "key",
                     str_or(spec, "key", sc ? names[sc->key_tonic % 12] : "C"), "mode",
                     str_or(spec, "mode", sc ? cz_mode_name((cz_mode)sc->mode) : "major"), "meter",
                     str_or(spec, "meter", meter), "duration_s", seconds, "seed",
                     (json_int_t)(cz_job_seed(job) & 0x7fffffffffffffffULL), "rate", (int)s->rate);
}

/* Left and right of the provider's audio, interleaved, at its own rate. */
static float *to_stereo(const cz_audio *a)
{
    float *st = malloc((size_t)a->frames * 2 * sizeof *st);
    if (!st)
        return NULL;
    for (uint64_t i = 0; i < a->frames; i++) {
        const float *f = a->samples + i * a->channels;
        float l = f[0], r = a->channels > 1 ? f[1] : f[0];
        st[2 * i] = isfinite(l) ? l : 0.0f;
        st[2 * i + 1] = isfinite(r) ? r : 0.0f;
    }
    return st;
}

static int pp_run(void *instance, cz_job *job, cz_error *err)
{
    stage *s = instance;
    const json_t *spec = NULL;
    const cz_score *sc = NULL;
    cz_bus_get_json(cz_job_bus(job), "ideation.spec", &spec);
    cz_bus_get_score(cz_job_bus(job), "arrangement.score", &sc);
    if (!json_is_object(spec))
        spec = NULL;
    if (!spec && !sc)
        return cz_err(err, CZ_ENOTFOUND,
                      MOD ": neither arrangement.score nor ideation.spec is on the bus (run ideation, composition and arrangement first)");
    if (!cz_job_has_router(job))
        return cz_err(err, CZ_ENOTFOUND,
                      MOD ": the pipeline has no router, so no provider can render audio (see docs/providers.md)");
    double seconds = sc && sc->total_ticks && sc->ppq && sc->bpm > 0
                         ? (double)sc->total_ticks / sc->ppq * 60.0 / sc->bpm
                         : num_or(spec, "duration_s", 120);
    seconds = seconds < 1 ? 1 : seconds > s->max_s ? s->max_s : seconds;
    json_t *body = audio_request(s, job, spec, sc, seconds);
    if (!body)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    cz_request req = {"audio", body};
    cz_reply reply;
    cz_error sub = {0};
    int rc = cz_job_request(job, &req, &reply, &sub);
    json_decref(body);
    if (rc) {
        cz_reply_clear(&reply);
        return cz_err(err, rc, MOD ": no audio: %s", sub.msg);
    }
    const cz_audio *a = reply.audio;
    if (!a || !a->frames || !a->channels || !a->rate) {
        cz_reply_clear(&reply);
        return cz_err(err, CZ_EPROTO, MOD ": provider %s answered without audio", reply.provider);
    }
    float *st = to_stereo(a);
    uint64_t frames = a->frames;
    if (st && a->rate != s->rate) {
        uint64_t n = 0;
        float *rs = pp_resample(st, frames, 2, a->rate, s->rate, &n);
        free(st);
        st = rs;
        frames = n;
    }
    uint32_t got_rate = a->rate;
    double got_s = cz_audio_seconds(a);
    uint64_t want = (uint64_t)llround(seconds * s->rate);
    cz_audio *out = st ? cz_audio_new(s->rate, 2, want) : NULL;
    if (!out) {
        free(st);
        cz_reply_clear(&reply);
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory for %.0f s of audio", seconds);
    }
    uint64_t keep = frames < want ? frames : want;
    memcpy(out->samples, st, (size_t)keep * 2 * sizeof(float));
    free(st);
    if (frames > want) { /* cut: fade out so the cut does not click */
        uint64_t fade = (uint64_t)(s->fade_ms / 1000.0 * s->rate);
        if (fade > keep)
            fade = keep;
        for (uint64_t i = 0; i < fade; i++) {
            float g = (float)(fade - i) / (float)fade;
            out->samples[2 * (keep - fade + i)] *= g;
            out->samples[2 * (keep - fade + i) + 1] *= g;
        }
    }
    cz_audio *mix = cz_audio_clone(out);
    if (!mix || cz_audio_add_stem(out, "mix", mix)) {
        cz_audio_unref(out);
        cz_reply_clear(&reply);
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    }
    cz_job_status(job, "via %s: %.1f s at %u Hz -> %.1f s at %u Hz", reply.provider, got_s, got_rate, seconds,
                  s->rate);
    cz_reply_clear(&reply);
    double db;
    rc = cz_audio_level_db(mix, &db); /* in memory: cannot fail but for memory */
    json_t *lv = rc ? NULL : json_pack("{s:f}", "mix", db);
    rc = cz_bus_put_audio(cz_job_bus(job), "production.stems", out);
    if (!rc)
        rc = lv ? cz_bus_put_json(cz_job_bus(job), "production.levels", lv) : CZ_ENOMEM;
    else
        json_decref(lv);
    return rc ? cz_err(err, rc, MOD ": cannot put production.stems and .levels on the bus") : 0;
}

CZ_MODULE(.name = "production.provider", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "The song's audio from the router's audio providers (ACE-Step, Replicate, offline)",
          .reads = reads, .writes = writes, .options = options, .init = pp_init, .run = pp_run,
          .fini = pp_fini, .requests = (const char *const[]){"audio", NULL});
