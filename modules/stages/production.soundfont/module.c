/*
 * production.soundfont - renders arrangement.score through FluidSynth with
 * a SoundFont, into production.stems: one stereo stem per track, named
 * after the track, and their plain sum. Same ports as production.synth, so
 * a pipeline can A/B the two as variants of the production stage.
 *
 * The SoundFont is loaded once per instance, in init (a missing or invalid
 * file fails there, naming the option and the path). By default FluidSynth
 * loads its sample data on demand (synth.dynamic-sample-loading): the
 * presets a song uses are read when first selected and stay loaded for
 * later jobs, so an instance holds tens of MB instead of the whole 140 MB
 * GM bank; `preload: true` reads every sample in init instead.
 *
 * Determinism: each job renders on a synth of its own, created for the job
 * and lent the instance's loaded SoundFont through a thin proxy font
 * (render.c), so no voice state crosses jobs.
 * (A reused synth is not enough: FluidSynth 2.3 starts a recycled voice's
 * output gain ramp from the previous voice's last gain, so a second job's
 * first notes differ from a fresh run's in the last bits.) Reverb and
 * chorus are off: the mixing stage adds effects. The SoundFont's sample
 * cache is shared, so jobs of one instance render one at a time (the
 * instance mutex); jobs on other threads wait.
 *
 * Logging: FluidSynth's log handlers are process-global, so this module
 * does not install any (another module or a hot-reloaded copy would find a
 * dangling handler). Instead it avoids FluidSynth's warnings: it checks
 * the file and every preset before using them. Trade-off: an unexpected
 * internal FluidSynth error would still reach stderr through its default
 * handler.
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soundfont.h"

#define MOD "production.soundfont"
#define MAX_SECONDS (4.0 * 3600.0)

static const cz_port reads[] = {
    CZ_READ("arrangement.score", CZ_TYPE_SCORE, "the song to render"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON, "genre picks the GM drum kit"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("production.stems", CZ_TYPE_AUDIO,
             "stereo mix of all tracks with one stem per track, named after the track"),
    CZ_WRITE("production.levels", CZ_TYPE_JSON,
             "each stem's gated level in dBFS (audio.h cz_level), for mixing's gain staging"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_STRING("soundfont", "/usr/share/sounds/sf2/FluidR3_GM.sf2",
                     "path of the SoundFont 2 (.sf2) file, loaded once per instance"),
    CZ_OPTION_INT("rate", "48000", 44100, 96000,
                  "output sample rate in Hz: 44100, 48000 or 96000"),
    CZ_OPTION_FLOAT("tail_s", "2.0", 0, 30,
                    "seconds rendered after the song end so releases ring out"),
    CZ_OPTION_INT("polyphony", "256", 16, 4096, "FluidSynth voices sounding at once"),
    CZ_OPTION_FLOAT("gain", "0.5", 0.01, 2, "FluidSynth master gain (synth.gain)"),
    CZ_OPTION_BOOL("spool", "true",
                   "keep the stems in scratch files (audio.h, CADENZA_SPOOL_DIR) rather than in "
                   "memory; the bytes are the same either way"),
    CZ_OPTION_BOOL("preload", "false",
                   "load every sample in init (else the presets a song uses, on first use)"),
    CZ_OPTIONS_END};

fluid_settings_t *sf_settings(const sf_instance *sf)
{
    fluid_settings_t *s = new_fluid_settings();
    if (!s)
        return NULL;
    if (fluid_settings_setnum(s, "synth.sample-rate", (double)sf->rate) != FLUID_OK ||
        fluid_settings_setnum(s, "synth.gain", sf->gain) != FLUID_OK ||
        fluid_settings_setint(s, "synth.polyphony", sf->polyphony) != FLUID_OK ||
        fluid_settings_setint(s, "synth.reverb.active", 0) != FLUID_OK ||
        fluid_settings_setint(s, "synth.chorus.active", 0) != FLUID_OK ||
        fluid_settings_setint(s, "synth.midi-channels", SF_CHANNELS) != FLUID_OK ||
        fluid_settings_setint(s, "synth.audio-channels", SF_CHANNELS) != FLUID_OK ||
        fluid_settings_setint(s, "synth.audio-groups", SF_CHANNELS) != FLUID_OK ||
        fluid_settings_setint(s, "synth.cpu-cores", 1) != FLUID_OK ||
        fluid_settings_setint(s, "synth.lock-memory", 0) != FLUID_OK ||
        fluid_settings_setint(s, "synth.dynamic-sample-loading", sf->preload ? 0 : 1) != FLUID_OK) {
        delete_fluid_settings(s);
        return NULL;
    }
    return s;
}

static void sf_free(sf_instance *sf)
{
    if (sf->owner)
        delete_fluid_synth(sf->owner);
    if (sf->settings)
        delete_fluid_settings(sf->settings);
    pthread_mutex_destroy(&sf->lock);
    free(sf);
}

/* FluidSynth and the libraries under it (glib's type system, libinstpatch,
 * libgomp) keep process-wide state from their first use and do not
 * survive being unloaded and loaded again. The host dlcloses a module it
 * unloads (hot reload, tests), which would unload them too; so the first
 * init marks libfluidsynth resident (RTLD_NODELETE, found from one of its
 * own symbols, so no soname is hard-coded). */
static void pin_fluidsynth(void)
{
    Dl_info info;
    if (dladdr((void *)fluid_version_str, &info) && info.dli_fname) {
        void *h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
        if (h)
            dlclose(h); /* the flag stays; the reference count is restored */
    }
}

/* Loading this module already ran those libraries' constructors, so pin
 * them then, not at the first init: a host that only inspects the module
 * (registry scan, `cadenza conform`) unloads it without calling init. This
 * constructor touches no state of ours; it only keeps a library mapped. */
__attribute__((constructor)) static void pin_at_load(void)
{
    pin_fluidsynth();
}

/* A RIFF file of form 'sfbk'. Checked here rather than with
 * fluid_is_soundfont(), which reports a mismatch on stderr. */
static int is_sf2(const char *path)
{
    unsigned char h[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    return n == sizeof h && !memcmp(h, "RIFF", 4) && !memcmp(h + 8, "sfbk", 4);
}

static int sf_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    int64_t rate = cz_opt_int(o, "rate");
    if (rate != 44100 && rate != 48000 && rate != 96000)
        return cz_err(err, CZ_EINVAL, MOD ": option rate must be 44100, 48000 or 96000 Hz (got %lld)",
                      (long long)rate);
    const char *path = cz_opt_str(o, "soundfont");
    if (!*path)
        return cz_err(err, CZ_EINVAL, MOD ": option soundfont is empty; give the path of a .sf2 file");
    if (access(path, R_OK) != 0)
        return cz_err(err, CZ_ENOTFOUND, MOD ": option soundfont: cannot read '%s' (%s); "
                      "install fluid-soundfont-gm or point the option at a .sf2 file",
                      path, strerror(errno));
    if (!is_sf2(path))
        return cz_err(err, CZ_EINVAL, MOD ": option soundfont: '%s' is not a SoundFont 2 file", path);

    sf_instance *sf = calloc(1, sizeof *sf);
    if (!sf || pthread_mutex_init(&sf->lock, NULL)) {
        free(sf);
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    }
    snprintf(sf->path, sizeof sf->path, "%s", path);
    sf->rate = (uint32_t)rate;
    sf->tail_s = cz_opt_float(o, "tail_s");
    sf->gain = cz_opt_float(o, "gain");
    sf->polyphony = (int)cz_opt_int(o, "polyphony");
    sf->preload = cz_opt_bool(o, "preload");
    sf->spool = cz_opt_bool(o, "spool");
    fluid_settings_t *s = sf->settings = sf_settings(sf);
    if (!s) {
        sf_free(sf);
        return cz_err(err, CZ_EINTERNAL, MOD ": this FluidSynth (%s) refuses a needed setting",
                      fluid_version_str());
    }
    sf->owner = new_fluid_synth(s);
    if (!sf->owner) {
        sf_free(sf);
        return cz_err(err, CZ_ENOMEM, MOD ": cannot create the FluidSynth synthesizer");
    }
    int id = fluid_synth_sfload(sf->owner, path, 0);
    sf->sfont = id == FLUID_FAILED ? NULL : fluid_synth_get_sfont_by_id(sf->owner, id);
    if (!sf->sfont) {
        sf_free(sf);
        return cz_err(err, CZ_EIO, MOD ": option soundfont: FluidSynth cannot load '%s'", path);
    }
    *instance = sf;
    return 0;
}

static void sf_fini(void *instance)
{
    if (instance)
        sf_free(instance);
}

/* A stereo buffer of the song's length: a stem spooled or in memory (the
 * option); the main sum always in memory (audio.h: only stems are spooled,
 * and mixing reuses its memory for the mix). */
static int new_stem(const sf_instance *sf, int stem, uint64_t frames, cz_audio **out,
                    cz_error *err)
{
    if (sf->spool && stem)
        return cz_audio_new_spooled(sf->rate, 2, frames, out, err);
    *out = cz_audio_new(sf->rate, 2, frames);
    return *out ? 0 : cz_err(err, CZ_ENOMEM, "out of memory");
}

static int sf_run(void *instance, cz_job *job, cz_error *err)
{
    sf_instance *sf = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_score *sc = NULL;
    int rc = cz_bus_get_score(bus, "arrangement.score", &sc);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, MOD ": arrangement.score is missing from the bus "
                      "(the arrangement stage writes it)");
    if (rc)
        return cz_err(err, rc, MOD ": arrangement.score holds a %s, not a score",
                      cz_type_name(cz_bus_type(bus, "arrangement.score")));
    if (!sc->n_tracks)
        return cz_err(err, CZ_EINVAL, MOD ": the score has no tracks: nothing to render");
    if (sc->n_tracks > SF_CHANNELS)
        return cz_err(err, CZ_EINVAL, MOD ": the score has %u tracks; at most %d are rendered",
                      sc->n_tracks, SF_CHANNELS);
    if (!(sc->bpm >= 1.0 && sc->bpm <= 1000.0) || !sc->ppq)
        return cz_err(err, CZ_EINVAL, MOD ": the score has an unusable tempo (%g bpm, %u ppq)",
                      sc->bpm, sc->ppq);
    double song_s = sc->total_ticks * 60.0 / (sc->bpm * sc->ppq);
    if (song_s + sf->tail_s > MAX_SECONDS)
        return cz_err(err, CZ_EINVAL, MOD ": the score lasts %.0f s; the limit is %.0f s",
                      song_s, MAX_SECONDS);
    uint64_t song_frames = (uint64_t)llround(song_s * sf->rate);
    uint64_t frames = song_frames + (uint64_t)llround(sf->tail_s * sf->rate);

    cz_audio *mix = NULL;
    cz_audio **stems = calloc(sc->n_tracks, sizeof *stems);
    cz_error e2 = {0};
    rc = stems ? new_stem(sf, 0, frames, &mix, &e2) : CZ_ENOMEM;
    for (uint32_t i = 0; !rc && i < sc->n_tracks; i++)
        rc = new_stem(sf, 1, frames, &stems[i], &e2);
    if (rc) {
        rc = cz_err(err, rc, MOD ": no room for %u stems of %.1f s: %s", sc->n_tracks,
                    (double)frames / sf->rate, e2.msg[0] ? e2.msg : "out of memory");
        goto out;
    }

    const json_t *spec = NULL;
    const char *genre = NULL;
    if (cz_bus_get_json(bus, "ideation.spec", &spec) == 0)
        genre = json_string_value(json_object_get(spec, "genre"));
    int kit = sf_kit_for_genre(genre);

    pthread_mutex_lock(&sf->lock);
    rc = sf_render(sf, job, sc, song_frames, kit, mix, stems, err);
    pthread_mutex_unlock(&sf->lock);
    if (rc)
        goto out;

    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s", sc->tracks[i].name[0] ? sc->tracks[i].name
                                                               : cz_role_name(sc->tracks[i].role));
        for (int k = 2; cz_audio_stem(mix, name); k++) /* keep names unique */
            snprintf(name, sizeof name, "%.20s-%u", sc->tracks[i].name[0] ? sc->tracks[i].name
                                                    : cz_role_name(sc->tracks[i].role),
                     (unsigned)k % 1000u);
        if (strcmp(name, sc->tracks[i].name))
            cz_job_log(job, CZ_LOG_WARN, "track %u: stem named '%s' (track name '%s' is empty or taken)",
                       i + 1, name, sc->tracks[i].name);
        rc = cz_audio_add_stem(mix, name, stems[i]);
        stems[i] = NULL;
        if (rc) {
            rc = cz_err(err, rc, MOD ": cannot attach the stem of track '%s'", name);
            goto out;
        }
    }
    cz_job_log(job, CZ_LOG_INFO, "%u stems, %.1f s at %u Hz from %s, drum kit %d", sc->n_tracks,
               (double)frames / sf->rate, sf->rate, sf->path, kit);
    cz_job_status(job, "%u stems, %.1f s (SoundFont)", sc->n_tracks, (double)frames / sf->rate);
    /* the stems' levels (audio.h cz_level), measured once here for
     * mixing's gain staging; the stems are faded at the end after they are
     * written, so they are measured finished */
    json_t *lv = json_object();
    for (uint32_t i = 0; lv && !rc && i < mix->n_stems; i++) {
        double db;
        if ((rc = cz_audio_level_db(mix->stems[i].audio, &db)))
            rc = cz_err(err, rc, MOD ": cannot measure the stem '%s' (" CZ_SPOOL_HINT ")",
                        mix->stems[i].name);
        else
            json_object_set_new(lv, mix->stems[i].name, json_real(db));
    }
    if (rc || !lv) {
        json_decref(lv);
        rc = rc ? rc : cz_err(err, CZ_ENOMEM, MOD ": out of memory");
        goto out;
    }
    rc = cz_bus_put_audio(bus, "production.stems", mix);
    mix = NULL;
    if (!rc)
        rc = cz_bus_put_json(bus, "production.levels", lv);
    else
        json_decref(lv);
    if (rc)
        rc = cz_err(err, rc, MOD ": cannot put production.stems on the bus");
out:
    for (uint32_t i = 0; stems && i < sc->n_tracks; i++)
        if (stems[i])
            cz_audio_unref(stems[i]);
    free(stems);
    if (mix)
        cz_audio_unref(mix);
    return rc;
}

CZ_MODULE(.name = "production.soundfont", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Renders the score through FluidSynth with a SoundFont, one stem per track",
          .reads = reads, .writes = writes, .options = options,
          .init = sf_init, .run = sf_run, .fini = sf_fini);
