/*
 * test_files.c - finalization.files, run as a black box.
 *
 * Each test puts a master (and optionally a mix with stems, a spec, a
 * score, a mastering report, stage records) on the bus, runs the real
 * module with an output folder through tests/harness.h, and reads back what
 * a user finds there: WAV and FLAC through libsndfile (format, rate,
 * length, samples, tags), song.json through jansson.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define RATE 48000u

static char *new_dir(void)
{
    const char *t = getenv("TMPDIR");
    char *p = malloc(256);
    snprintf(p, 256, "%s/cz-files-XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

static void rm_dir(char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(dir);
}

static const char *in(const char *dir, const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* ---- bus inputs ----------------------------------------------------------- */

static cz_audio *tone(double seconds, double amp, double freq)
{
    uint64_t frames = (uint64_t)(seconds * RATE);
    cz_audio *a = cz_audio_new(RATE, 2, frames);
    for (uint64_t i = 0; i < frames; i++) {
        double t = (double)i / RATE;
        a->samples[2 * i] = (float)(amp * sin(2 * M_PI * freq * t));
        a->samples[2 * i + 1] = (float)(amp * cos(2 * M_PI * freq * 1.5 * t));
    }
    return a;
}

static json_t *spec(void)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:f}", "prompt", "night drive",
                     "title", "Night Drive", "genre", "synthwave", "tempo_bpm", 100, "key", "A",
                     "tonic_pc", 9, "mode", "minor", "energy", 0.7);
}

static cz_score *score(void)
{
    cz_score *s = cz_score_new(480);
    s->bpm = 100;
    s->key_tonic = 9;
    s->mode = CZ_MODE_MINOR;
    s->bars = 8;
    s->total_ticks = 8 * cz_score_ticks_per_bar(s);
    cz_score_add_section(s, "verse", 0, 4, 0.5f);
    cz_score_add_section(s, "chorus", 4, 4, 0.9f);
    cz_track *b = cz_score_add_track(s, "bass", CZ_ROLE_BASS, 38, 1);
    for (int i = 0; i < 16; i++)
        cz_track_add_note(b, (uint32_t)i * 960, 480, 45, 100, 0);
    cz_track *d = cz_score_add_track(s, "drums", CZ_ROLE_DRUMS, 0, CZ_DRUM_CHANNEL);
    for (int i = 0; i < 32; i++)
        cz_track_add_note(d, (uint32_t)i * 480, 120, 36, 110, 0);
    return s;
}

/* The full set of inputs a pipeline would leave. */
static void put_song(cz_bus *bus)
{
    ck_assert_int_eq(cz_bus_put_audio(bus, "master.audio", tone(3, 0.5, 440)), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "ideation.spec", spec()), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "ideation.trace",
                                     json_pack("[{s:i, s:s, s:s, s:i, s:s}]", "step", 1, "field",
                                               "tempo_bpm", "source", "prompt", "value", 100,
                                               "why", "the prompt says 100 bpm")), 0);
    ck_assert_int_eq(cz_bus_put_score(bus, "arrangement.score", score()), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "master.report",
                                     json_pack("{s:f, s:f, s:b}", "target_lufs", -14.0,
                                               "integrated_lufs", -14.02, "reached", 1)), 0);
    ck_assert_int_eq(cz_bus_put_json(bus, "job.stages",
                                     json_pack("[{s:s, s:s, s:s, s:n, s:s, s:i}]", "stage",
                                               "mastering", "module", "mastering.streaming",
                                               "version", "1.0.0", "variant", "state", "done",
                                               "elapsed_ms", 190)), 0);
}

/* The pipeline's name as the host put it on the bus. */
static const char *pipeline_name(czh *h)
{
    const char *p = NULL;
    ck_assert_int_eq(cz_bus_get_string(czh_bus(h), "job.pipeline", &p), 0);
    return p;
}

static czh *load(const char *opts)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("finalization.files"), opts, &err);
    ck_assert_msg(h != NULL, "load: %s", err.msg);
    return h;
}

/* Run with a full song into a new folder; returns the folder. */
static char *run_song(const char *opts, uint64_t seed, czh **out_h)
{
    czh *h = load(opts);
    put_song(czh_bus(h));
    char *dir = new_dir();
    czh_set_out(h, dir);
    cz_error err = {0};
    int rc = czh_run(h, seed, &err);
    ck_assert_msg(rc == 0, "run: %s", err.msg);
    if (out_h)
        *out_h = h;
    else
        czh_free(h);
    return dir;
}

/* ---- reading back ------------------------------------------------------------ */

static float *read_audio(const char *path, SF_INFO *info, SNDFILE **keep)
{
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    ck_assert_msg(sf != NULL, "cannot read %s: %s", path, sf_strerror(NULL));
    float *x = malloc((size_t)info->frames * info->channels * sizeof *x);
    ck_assert_int_eq(sf_readf_float(sf, x, info->frames), info->frames);
    if (keep)
        *keep = sf;
    else
        sf_close(sf);
    return x;
}

static void check_audio_file(const char *path, int major, int bits, const cz_audio *master,
                             const char *pipeline)
{
    char want[64];
    snprintf(want, sizeof want, "pipeline %s", pipeline);
    SF_INFO info;
    SNDFILE *sf;
    float *x = read_audio(path, &info, &sf);
    ck_assert_int_eq(info.format & SF_FORMAT_TYPEMASK, major);
    ck_assert_int_eq(info.format & SF_FORMAT_SUBMASK, bits == 24 ? SF_FORMAT_PCM_24 : SF_FORMAT_PCM_16);
    ck_assert_int_eq(info.samplerate, (int)master->rate);
    ck_assert_int_eq(info.channels, (int)master->channels);
    ck_assert_int_eq(info.frames, (sf_count_t)master->frames);
    /* Rounding plus TPDF dither: within 1.5 LSB of the master. */
    double lsb = 1.0 / (1u << (bits - 1)), worst = 0;
    for (size_t i = 0; i < (size_t)master->frames * master->channels; i++) {
        double d = fabs((double)x[i] - master->samples[i]);
        worst = d > worst ? d : worst;
    }
    ck_assert_msg(worst <= 1.5 * lsb, "%s differs from the master by %g LSB", path, worst / lsb);
    const char *title = sf_get_string(sf, SF_STR_TITLE);
    const char *artist = sf_get_string(sf, SF_STR_ARTIST);
    const char *comment = sf_get_string(sf, SF_STR_COMMENT);
    const char *genre = sf_get_string(sf, SF_STR_GENRE);
    ck_assert_msg(title && !strcmp(title, "Night Drive"), "%s title: %s", path, title ? title : "(none)");
    ck_assert(artist && !strcmp(artist, "Cadenza"));
    ck_assert(genre && !strcmp(genre, "synthwave"));
    ck_assert_msg(comment && strstr(comment, "seed 7") && strstr(comment, want) &&
                      strstr(comment, "100 bpm") && strstr(comment, "A minor"),
                  "%s comment: %s", path, comment ? comment : "(none)");
    sf_close(sf);
    free(x);
}

static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    ck_assert_msg(j != NULL, "%s: %s", path, je.text);
    return j;
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_wav_and_flac_read_back)
{
    czh *h;
    char *dir = run_song(NULL, 7, &h);
    const cz_audio *master = NULL;
    cz_bus_get_audio(czh_bus(h), "master.audio", &master);
    check_audio_file(in(dir, "song.wav"), SF_FORMAT_WAV, 24, master, pipeline_name(h));
    check_audio_file(in(dir, "song.flac"), SF_FORMAT_FLAC, 24, master, pipeline_name(h));
    /* FLAC carries tempo and key as Vorbis comments of their own (what
     * taggers and DJ software read), beside the comment */
    size_t n = 0;
    char *flac = czh_slurp(in(dir, "song.flac"), &n);
    ck_assert_ptr_nonnull(flac);
    ck_assert_ptr_nonnull(memmem(flac, n < 65536 ? n : 65536, "BPM=100", 7));
    ck_assert_ptr_nonnull(memmem(flac, n < 65536 ? n : 65536, "KEY=A minor", 11));
    ck_assert_ptr_nonnull(memmem(flac, n < 65536 ? n : 65536, "TITLE=Night Drive", 17));
    free(flac);
    const json_t *files = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "finalization.files", &files), 0);
    ck_assert_uint_eq(json_array_size(files), 3);
    ck_assert_str_eq(json_string_value(json_array_get(files, 0)), "song.wav");
    ck_assert_str_eq(json_string_value(json_array_get(files, 1)), "song.flac");
    ck_assert_str_eq(json_string_value(json_array_get(files, 2)), "song.json");
    ck_assert_int_eq(entries(dir), 3);
    czh_free(h);
    rm_dir(dir);
}
END_TEST

START_TEST(test_16_bit)
{
    czh *h;
    char *dir = run_song("{\"bit_depth\": 16}", 7, &h);
    const cz_audio *master = NULL;
    cz_bus_get_audio(czh_bus(h), "master.audio", &master);
    check_audio_file(in(dir, "song.wav"), SF_FORMAT_WAV, 16, master, pipeline_name(h));
    check_audio_file(in(dir, "song.flac"), SF_FORMAT_FLAC, 16, master, pipeline_name(h));
    czh_free(h);
    rm_dir(dir);
}
END_TEST

START_TEST(test_song_json)
{
    czh *h = load(NULL);
    put_song(czh_bus(h));
    json_t *attempts = json_pack("[{s:s, s:s, s:s}]", "provider", "local", "capability", "chat",
                                 "outcome", "ok");
    ck_assert_int_eq(cz_bus_put_json(czh_bus(h), "router.attempts", attempts), 0);
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "prompt", "night drive"), 0);
    char *dir = new_dir();
    czh_set_out(h, dir);
    cz_error err = {0};
    ck_assert_msg(czh_run(h, 42, &err) == 0, "%s", err.msg);

    json_t *j = load_json(in(dir, "song.json"));
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Night Drive");
    ck_assert_str_eq(json_string_value(json_object_get(j, "prompt")), "night drive");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "seed")), 42);
    ck_assert_str_eq(json_string_value(json_object_get(j, "pipeline")), pipeline_name(h));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "spec"), "genre")), "synthwave");
    ck_assert_uint_eq(json_array_size(json_object_get(j, "trace")), 1);
    const json_t *sc = json_object_get(j, "score");
    ck_assert(json_number_value(json_object_get(sc, "tempo_bpm")) == 100);
    ck_assert_str_eq(json_string_value(json_object_get(sc, "key")), "A");
    ck_assert_str_eq(json_string_value(json_object_get(sc, "mode")), "minor");
    ck_assert_str_eq(json_string_value(json_object_get(sc, "meter")), "4/4");
    ck_assert_int_eq(json_integer_value(json_object_get(sc, "bars")), 8);
    ck_assert_uint_eq(json_array_size(json_object_get(sc, "sections")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(sc, "sections"), 1), "name")), "chorus");
    const json_t *tracks = json_object_get(sc, "tracks");
    ck_assert_uint_eq(json_array_size(tracks), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(tracks, 0), "notes")), 16);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(tracks, 1), "notes")), 32);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(tracks, 1), "role")), "drums");
    /* job.stages as the host kept it (it refreshes the key before each
     * stage): this stage's own record, with module, version, variant. */
    const json_t *st = json_array_get(json_object_get(j, "stages"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(st, "module")), "finalization.files");
    ck_assert_str_eq(json_string_value(json_object_get(st, "version")), "1.0.0");
    ck_assert(json_object_get(st, "variant") != NULL);
    ck_assert(json_is_number(json_object_get(st, "elapsed_ms")));
    ck_assert(json_is_true(json_object_get(json_object_get(j, "master"), "reached")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "router"), 0), "provider")), "local");
    const json_t *audio = json_object_get(j, "audio");
    ck_assert_int_eq(json_integer_value(json_object_get(audio, "rate")), RATE);
    ck_assert_int_eq(json_integer_value(json_object_get(audio, "bit_depth")), 24);
    /* The file list: the same as on the bus, every file present. */
    const json_t *files = json_object_get(j, "files"), *bus_files = NULL;
    cz_bus_get_json(czh_bus(h), "finalization.files", &bus_files);
    ck_assert(json_equal(files, bus_files));
    size_t i;
    const json_t *f;
    json_array_foreach(files, i, f) {
        struct stat sb;
        ck_assert_msg(stat(in(dir, json_string_value(f)), &sb) == 0, "%s missing", json_string_value(f));
    }
    json_decref(j);
    czh_free(h);
    rm_dir(dir);
}
END_TEST

/* Absent inputs: router is [] and the rest null or empty; still valid. */
START_TEST(test_song_json_minimal)
{
    czh *h = load(NULL);
    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "master.audio", tone(1, 0.3, 220)), 0);
    char *dir = new_dir();
    czh_set_out(h, dir);
    cz_error err = {0};
    ck_assert_msg(czh_run(h, 1, &err) == 0, "%s", err.msg);
    json_t *j = load_json(in(dir, "song.json"));
    ck_assert(json_is_array(json_object_get(j, "router")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "router")), 0);
    ck_assert(json_is_null(json_object_get(j, "spec")));
    ck_assert(json_is_null(json_object_get(j, "score")));
    ck_assert(json_is_null(json_object_get(j, "master")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "title")), "Untitled");
    json_decref(j);
    czh_free(h);
    rm_dir(dir);
}
END_TEST

START_TEST(test_stems)
{
    const char *fmts[] = {"flac", "wav"};
    for (int k = 0; k < 2; k++) {
        czh *h;
        char opts[64];
        snprintf(opts, sizeof opts, "{\"stems_format\": \"%s\"}", fmts[k]);
        h = load(opts);
        put_song(czh_bus(h));
        cz_audio *mix = tone(3, 0.4, 330);
        ck_assert_int_eq(cz_audio_add_stem(mix, "Bass", tone(3, 0.2, 110)), 0);
        ck_assert_int_eq(cz_audio_add_stem(mix, "drum kit", tone(3, 0.2, 60)), 0);
        ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "mix.audio", mix), 0);
        char *dir = new_dir();
        czh_set_out(h, dir);
        cz_error err = {0};
        ck_assert_msg(czh_run(h, 3, &err) == 0, "%s", err.msg);
        char rel[64];
        snprintf(rel, sizeof rel, "stems/bass.%s", fmts[k]);
        SF_INFO info;
        float *x = read_audio(in(dir, rel), &info, NULL);
        ck_assert_int_eq(info.format & SF_FORMAT_TYPEMASK, k == 0 ? SF_FORMAT_FLAC : SF_FORMAT_WAV);
        ck_assert_int_eq(info.frames, 3 * RATE);
        ck_assert(fabs(x[2 * 1000] - 0.2 * sin(2 * M_PI * 110 * 1000.0 / RATE)) < 1e-5);
        free(x);
        snprintf(rel, sizeof rel, "stems/drum_kit.%s", fmts[k]);
        free(read_audio(in(dir, rel), &info, NULL));
        const json_t *files = NULL;
        cz_bus_get_json(czh_bus(h), "finalization.files", &files);
        ck_assert_uint_eq(json_array_size(files), 5);
        ck_assert_int_eq(entries(in(dir, "stems")), 2);
        czh_free(h);
        rm_dir(dir);
    }
}
END_TEST

/* wav_float stems hold the exact samples (no rounding, no dither): the
 * stem files sum to the mix. A spooled stem (audio.h) becomes its file by
 * linking its scratch file (then its frames are read-only), and has the
 * same bytes as a stem in memory, which is copied out. */
START_TEST(test_float_stems_exact_and_spooled)
{
    czh *h = load("{\"stems_format\": \"wav_float\"}");
    put_song(czh_bus(h));
    char *dir = new_dir();
    setenv("CADENZA_SPOOL_DIR", dir, 1); /* on the output's file system */
    cz_audio *mix = tone(3, 0.4, 330), *mem = tone(3, 0.2, 110), *src = tone(3, 0.2, 61), *sp = NULL;
    ck_assert_int_eq(cz_audio_new_spooled(src->rate, src->channels, src->frames, &sp, NULL), 0);
    ck_assert_int_eq(cz_audio_write(sp, 0, src->frames, src->samples), 0);
    cz_audio_ref(src);
    ck_assert_int_eq(cz_audio_add_stem(mix, "bass", mem), 0);
    ck_assert_int_eq(cz_audio_add_stem(mix, "kick", sp), 0);
    ck_assert_int_eq(cz_audio_add_stem(mix, "kic2", src), 0); /* same frames, in memory */
    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "mix.audio", mix), 0);
    czh_set_out(h, dir);
    cz_error err = {0};
    ck_assert_msg(czh_run(h, 3, &err) == 0, "%s", err.msg);
    unsetenv("CADENZA_SPOOL_DIR");
    const cz_audio *want[3] = {mem, src, src};
    const char *rel[3] = {"stems/bass.wav", "stems/kick.wav", "stems/kic2.wav"};
    for (int k = 0; k < 3; k++) {
        SF_INFO info;
        SNDFILE *sf;
        float *x = read_audio(in(dir, rel[k]), &info, &sf);
        ck_assert_int_eq(info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
        ck_assert_int_eq(info.frames, (sf_count_t)want[k]->frames);
        ck_assert_msg(!memcmp(x, want[k]->samples, want[k]->frames * 2 * sizeof(float)),
                      "%s: not the exact samples", rel[k]);
        const char *title = sf_get_string(sf, SF_STR_TITLE);
        ck_assert_msg(title && strstr(title, "stem"), "%s title: %s", rel[k], title ? title : "-");
        const char *artist = sf_get_string(sf, SF_STR_ARTIST);
        ck_assert_msg(artist && !strcmp(artist, "Cadenza"), "%s artist", rel[k]);
        sf_close(sf);
        free(x);
    }
    /* linked, not copied: the spooled stem's frames are the file's now */
    float one[2] = {0, 0};
    ck_assert_int_eq(cz_audio_write(sp, 0, 1, one), CZ_EINVAL);
    /* one layout by either route: header and frames byte for byte, the
     * tags differ only in the stem's name */
    size_t n1, n2;
    char *linked = czh_slurp(in(dir, rel[1]), &n1), *copied = czh_slurp(in(dir, rel[2]), &n2);
    ck_assert_uint_eq(n1, n2);
    size_t frames_end = CZ_SPOOL_HEAD + src->frames * 2 * sizeof(float);
    ck_assert(!memcmp(linked, copied, frames_end));
    size_t diff = 0;
    for (size_t i = frames_end; i < n1; i++)
        diff += linked[i] != copied[i];
    ck_assert_uint_eq(diff, 1); /* "kick" against "kic2" */
    free(linked);
    free(copied);
    cz_audio_unref(src);
    czh_free(h);
    rm_dir(dir);
}
END_TEST

/* A failed run leaves the output folder as it was: empty. */
START_TEST(test_failure_leaves_nothing)
{
    czh *h = load("{\"stems_format\": \"wav\"}");
    char *dir = new_dir();
    czh_set_out(h, dir);
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND); /* no master.audio */
    ck_assert_msg(strstr(err.msg, "master.audio") != NULL, "%s", err.msg);
    ck_assert_int_eq(entries(dir), 0);

    put_song(czh_bus(h));
    ck_assert_int_eq(cz_bus_put_string(czh_bus(h), "router.attempts", "oops"), 0);
    err = (cz_error){0};
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert_msg(strstr(err.msg, "router.attempts") != NULL, "%s", err.msg);
    ck_assert_int_eq(entries(dir), 0);

    ck_assert_int_eq(cz_bus_remove(czh_bus(h), "router.attempts"), 0);
    ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "master.audio", cz_audio_new(RATE, 2, 0)), 0);
    ck_assert_int_ne(czh_run(h, 1, &err), 0);
    ck_assert_int_eq(entries(dir), 0);
    czh_free(h);
    rm_dir(dir);
}
END_TEST

static int same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = czh_slurp(a, &la), *y = czh_slurp(b, &lb);
    ck_assert(x && y);
    int same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

START_TEST(test_deterministic)
{
    char *a = run_song(NULL, 7, NULL), *b = run_song(NULL, 7, NULL), *c = run_song(NULL, 8, NULL);
    const char *names[] = {"song.wav", "song.flac", "song.json"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(same_file(in(a, names[i]), in(b, names[i])), "%s differs", names[i]);
    /* The dither follows the seed. */
    ck_assert(!same_file(in(a, "song.wav"), in(c, "song.wav")));
    rm_dir(a);
    rm_dir(b);
    rm_dir(c);
}
END_TEST

/* A DC level of 0.3 LSB: plain rounding loses it (all zeros); TPDF
 * dither keeps it on average, which is what dither is for. */
START_TEST(test_dither)
{
    for (int dither = 0; dither < 2; dither++) {
        czh *h = load(dither ? "{\"bit_depth\": 16, \"formats\": [\"wav\"]}"
                             : "{\"bit_depth\": 16, \"formats\": [\"wav\"], \"dither\": false}");
        cz_audio *m = cz_audio_new(RATE, 2, RATE);
        for (size_t i = 0; i < 2 * RATE; i++)
            m->samples[i] = 0.3f / 32768.0f;
        ck_assert_int_eq(cz_bus_put_audio(czh_bus(h), "master.audio", m), 0);
        char *dir = new_dir();
        czh_set_out(h, dir);
        cz_error err = {0};
        ck_assert_msg(czh_run(h, 5, &err) == 0, "%s", err.msg);
        SF_INFO info;
        float *x = read_audio(in(dir, "song.wav"), &info, NULL);
        double mean = 0, maxabs = 0;
        for (size_t i = 0; i < 2 * RATE; i++) {
            mean += x[i] * 32768.0;
            maxabs = fmax(maxabs, fabs(x[i] * 32768.0));
        }
        mean /= 2 * RATE;
        if (dither) {
            ck_assert_msg(fabs(mean - 0.3) < 0.02, "dithered mean %.3f LSB", mean);
            ck_assert(maxabs <= 2.0);
        } else {
            ck_assert(maxabs == 0.0);
        }
        free(x);
        ck_assert_int_eq(entries(dir), 2); /* song.wav, song.json */
        czh_free(h);
        rm_dir(dir);
    }
}
END_TEST

START_TEST(test_formats_and_basename)
{
    char *dir = run_song("{\"formats\": [\"flac\"], \"basename\": \"take-1\"}", 7, NULL);
    ck_assert_int_eq(entries(dir), 2);
    ck_assert_int_eq(access(in(dir, "take-1.flac"), R_OK), 0);
    ck_assert_int_eq(access(in(dir, "take-1.json"), R_OK), 0);
    rm_dir(dir);
}
END_TEST

START_TEST(test_no_output_folder)
{
    czh *h = load(NULL);
    put_song(czh_bus(h));
    cz_error err = {0};
    ck_assert_int_eq(czh_run(h, 1, &err), CZ_ENOTFOUND);
    ck_assert(strstr(err.msg, "output folder") != NULL);
    czh_free(h);

    h = load("{\"required\": false}");
    put_song(czh_bus(h));
    ck_assert_int_eq(czh_run(h, 1, &err), 0);
    const json_t *files = NULL;
    ck_assert_int_eq(cz_bus_get_json(czh_bus(h), "finalization.files", &files), 0);
    ck_assert_uint_eq(json_array_size(files), 0);
    czh_free(h);
}
END_TEST

static void refused(const char *opts, const char *name)
{
    cz_error err = {0};
    czh *h = czh_new(czh_module_path("finalization.files"), opts, &err);
    ck_assert_msg(h == NULL, "options %s were accepted", opts);
    ck_assert_msg(strstr(err.msg, name) != NULL, "error does not name %s: %s", name, err.msg);
}

START_TEST(test_bad_options)
{
    refused("{\"formats\": [\"mp3\"]}", "formats");
    refused("{\"bit_depth\": 20}", "bit_depth");
    refused("{\"bit_depth\": 32}", "bit_depth");
    refused("{\"basename\": \"../escape\"}", "basename");
    refused("{\"basename\": \"a/b\"}", "basename");
    refused("{\"stems_format\": \"mp3\"}", "stems_format");
}
END_TEST

/* ---- the quantiser itself (white box) -----------------------------------
 * pcm.c is compiled into this test to check fz_quant_run sample by sample
 * against a plain reference: the documented dither (word k of a call's
 * ceil(n / 2) draws of cz_rng dithers samples 2k, from its high half, and
 * 2k + 1, from its low half; each half is two 16-bit uniforms) added to
 * x * 2^(bits - 1) in double precision with the rounding error of the sum
 * kept (TwoSum), so ties and near-ties round exactly. Then what dither is
 * for: the error's mean and power do not depend on the signal. Also
 * clamping, NaN and infinity, determinism, odd lengths and slices, and
 * the same bytes from every vector build this machine runs (SSE2, AVX2,
 * AVX-512). Make does not know this file depends on pcm.c: rebuild the
 * test after editing it. */
#include <float.h>

#include "../../modules/stages/finalization.files/pcm.c"

#define QSEED 7u

/* An assertion for per-sample loops: Check's ck_assert writes to a pipe
 * on every call, even passing, which millions of samples make slow. */
#define QCHECK(cond, ...)                \
    do {                                 \
        if (!(cond))                     \
            ck_abort_msg(__VA_ARGS__);   \
    } while (0)

/* The dither (in LSB) fz_quant_run adds in one call on n samples. */
static void ref_dither(cz_rng *g, double *d, size_t n)
{
    for (size_t k = 0; 2 * k < n; k++) {
        uint64_t w = cz_rng_next(g);
        d[2 * k] = ((double)(w >> 48) - (double)((w >> 32) & 0xFFFF)) / 65536.0;
        if (2 * k + 1 < n)
            d[2 * k + 1] = ((double)((w >> 16) & 0xFFFF) - (double)(w & 0xFFFF)) / 65536.0;
    }
}

/* x * scale + d rounded to nearest, ties to even, clamped (counted in
 * *clip), left-justified; 0 for NaN and infinity. */
static int32_t ref_sample(float v, double d, int bits, uint64_t *clip)
{
    const double scale = ldexp(1.0, bits - 1);
    if (!isfinite(v))
        return 0;
    double x = (double)v * scale; /* exact */
    double s = x + d, bv = s - x, e = (x - (s - bv)) + (d - bv); /* x + d == s + e */
    double r = nearbyint(s);
    if (fabs(s - r) == 0.5 && e != 0)
        r = e > 0 ? floor(s) + 1 : floor(s);
    if (r > scale - 1) {
        r = scale - 1;
        (*clip)++;
    } else if (r < -scale) {
        r = -scale;
        (*clip)++;
    }
    return (int32_t)((uint32_t)(int32_t)r << (32 - bits));
}

/* The reference of consecutive calls on the pieces len[0..pieces). */
static uint64_t ref_run(const float *x, int32_t *out, const size_t *len, int pieces, int bits,
                        int dither, const char *stream)
{
    cz_rng g;
    cz_rng_init(&g, QSEED, stream);
    uint64_t clip = 0;
    for (int p = 0; p < pieces; p++) {
        double *d = calloc(len[p] + 1, sizeof *d);
        ck_assert_ptr_nonnull(d);
        if (dither)
            ref_dither(&g, d, len[p]);
        for (size_t i = 0; i < len[p]; i++)
            out[i] = ref_sample(x[i], d[i], bits, &clip);
        x += len[p];
        out += len[p];
        free(d);
    }
    return clip;
}

/* fz_quant_run (kernel `isa`, or the one it picks when isa < 0) over the
 * same pieces. */
static uint64_t quant_pieces(const float *x, int32_t *out, const size_t *len, int pieces,
                             int bits, int dither, const char *stream, int isa)
{
    fz_quant q;
    fz_quant_init(&q, bits, dither, QSEED, stream);
    for (int p = 0; p < pieces; p++) {
        if (isa < 0)
            fz_quant_run(&q, x, out, len[p]);
        else
            quant_run_with(&q, x, out, len[p], isa);
        x += len[p];
        out += len[p];
    }
    return q.clipped;
}

/* Samples of every kind: music-like levels, tiny values down to
 * subnormals, exact halves and LSB multiples (ties), values a hair either
 * side of a rounding boundary, values just inside and beyond full scale,
 * NaN and infinities. */
static float *mixed_signal(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    cz_rng g;
    cz_rng_init(&g, seed, "mixed");
    for (size_t i = 0; i < n; i++) {
        double u = cz_rng_range(&g, -1.0, 1.0);
        switch (cz_rng_below(&g, 10)) {
        case 0:
            x[i] = (float)(u * ldexp(1.0, -(int)cz_rng_below(&g, 150))); /* tiny */
            break;
        case 1:
            x[i] = (float)ldexp(floor(u * 65536.0) + 0.5 * cz_rng_below(&g, 2), -15); /* ties */
            break;
        case 2:
            x[i] = (float)(u < 0 ? -1.0 - u * 1e-6 : 1.0 - u * 1e-6); /* near full scale */
            break;
        case 3:
            x[i] = (float)(u * 3.0); /* up to 3x full scale */
            break;
        case 4: {
            static const float special[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e30f, -1e30f,
                                            FLT_MAX, -FLT_MAX, FLT_MIN};
            x[i] = special[cz_rng_below(&g, 10)];
            break;
        }
        case 5: {
            /* a hair either side of a rounding boundary (k + 1/2 LSB) */
            int bits = cz_rng_below(&g, 2) ? 24 : 16;
            float b = (float)ldexp((double)cz_rng_below(&g, 4000) - 2000.0 + 0.5, 1 - bits);
            int side = (int)cz_rng_below(&g, 3);
            x[i] = side == 0 ? b : nextafterf(b, side == 1 ? INFINITY : -INFINITY);
            break;
        }
        default:
            x[i] = (float)(0.7 * u);
        }
    }
    return x;
}

static void assert_same(const int32_t *a, const int32_t *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        QCHECK(a[i] == b[i], "%s: sample %zu is %d, want %d", what, i, (int)a[i], (int)b[i]);
}

/* Every output is the exactly rounded x * scale + d, at 16 and 24 bits,
 * with and without dither; every kernel this machine runs agrees. */
START_TEST(test_quant_exact)
{
    const size_t n = 200003;
    float *x = mixed_signal(n, 1);
    int32_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    ck_assert(want && got);
    const size_t len[] = {n};
    for (int bits = 16; bits <= 24; bits += 8)
        for (int dither = 0; dither < 2; dither++) {
            uint64_t clip = ref_run(x, want, len, 1, bits, dither, "song.wav");
            ck_assert_uint_gt(clip, 0);
            for (int isa = -1; isa <= quant_isa(); isa++) {
                memset(got, 0x5a, n * sizeof *got);
                uint64_t c = quant_pieces(x, got, len, 1, bits, dither, "song.wav", isa);
                char what[64];
                snprintf(what, sizeof what, "%d bits, dither %d, kernel %d", bits, dither, isa);
                assert_same(got, want, n, what);
                ck_assert_msg(c == clip, "%s: clipped %llu, want %llu", what,
                              (unsigned long long)c, (unsigned long long)clip);
            }
        }
    free(x);
    free(want);
    free(got);
}
END_TEST

/* Random finite music: within 1.5 LSB of the input and 1 LSB of its
 * plain rounding; without dither exactly the plain rounding. */
START_TEST(test_quant_error_bounds)
{
    const size_t n = 100000;
    float *x = malloc(n * sizeof *x);
    int32_t *o = malloc(n * sizeof *o);
    ck_assert(x && o);
    cz_rng g;
    cz_rng_init(&g, 3, "bounds");
    for (size_t i = 0; i < n; i++)
        x[i] = (float)cz_rng_range(&g, -0.999, 0.999);
    for (int bits = 16; bits <= 24; bits += 8)
        for (int dither = 0; dither < 2; dither++) {
            const double scale = ldexp(1.0, bits - 1);
            fz_quant q;
            fz_quant_init(&q, bits, dither, 1, "bounds");
            fz_quant_run(&q, x, o, n);
            ck_assert_uint_eq(q.clipped, 0);
            for (size_t i = 0; i < n; i++) {
                double xs = (double)x[i] * scale, r = (double)(o[i] >> (32 - bits));
                QCHECK((o[i] & ((1 << (32 - bits)) - 1)) == 0, "%d not left-justified", (int)o[i]);
                if (dither) {
                    QCHECK(fabs(r - xs) < 1.5, "%.3f -> %.0f", xs, r);
                    QCHECK(fabs(r - nearbyint(xs)) <= 1.0, "%.3f -> %.0f", xs, r);
                } else {
                    QCHECK(r == nearbyint(xs), "%.3f -> %.0f", xs, r);
                }
            }
        }
    free(x);
    free(o);
}
END_TEST

/* TPDF: whatever the level (on an LSB step, between, at a half), the
 * error has mean 0 and power 1/4 LSB^2 (1/6 dither + 1/12 rounding), and
 * consecutive errors are uncorrelated. A constant 0.3 LSB comes out as
 * -1, 0 or 1 LSB averaging 0.3. */
START_TEST(test_quant_dither_statistics)
{
    const size_t n = 1 << 20;
    float *x = malloc(n * sizeof *x);
    int32_t *o = malloc(n * sizeof *o);
    ck_assert(x && o);
    const double levels[] = {0.3, 0.0, 0.5, -0.25, 1234.75};
    for (int bits = 16; bits <= 24; bits += 8)
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            const double scale = ldexp(1.0, bits - 1);
            const float v = (float)(levels[l] / scale);
            const double xs = (double)v * scale;
            for (size_t i = 0; i < n; i++)
                x[i] = v;
            fz_quant q;
            fz_quant_init(&q, bits, 1, 11, "stats");
            fz_quant_run(&q, x, o, n);
            double mean = 0, power = 0, lag1 = 0, prev = 0;
            for (size_t i = 0; i < n; i++) {
                double e = (double)(o[i] >> (32 - bits)) - xs;
                QCHECK(fabs(e) < 1.5, "%g LSB came out %d", xs, (int)(o[i] >> (32 - bits)));
                mean += e;
                power += e * e;
                lag1 += e * prev;
                prev = e;
            }
            mean /= (double)n;
            power /= (double)n;
            lag1 /= (double)n;
            ck_assert_msg(fabs(mean) < 0.01, "%d bits, %g LSB: mean error %.4f", bits, xs, mean);
            ck_assert_msg(fabs(power - 0.25) < 0.01, "%d bits, %g LSB: error power %.4f", bits,
                          xs, power);
            ck_assert_msg(fabs(lag1) < 0.01, "%d bits, %g LSB: lag-1 correlation %.4f", bits, xs,
                          lag1);
        }
    free(x);
    free(o);
}
END_TEST

/* +-1.5 full scale clamps to the extremes; clipped counts exactly them. */
START_TEST(test_quant_clamp)
{
    float x[1001];
    int32_t o[1001];
    size_t over = 0;
    for (size_t i = 0; i < 1001; i++) {
        x[i] = i % 3 == 0 ? 1.5f : i % 3 == 1 ? -1.5f : 0.25f;
        over += i % 3 != 2;
    }
    for (int bits = 16; bits <= 24; bits += 8)
        for (int dither = 0; dither < 2; dither++) {
            fz_quant q;
            fz_quant_init(&q, bits, dither, 5, "clamp");
            q.clipped = 3; /* counts on across calls */
            fz_quant_run(&q, x, o, 1001);
            ck_assert_uint_eq(q.clipped, 3 + over);
            for (size_t i = 0; i < 1001; i++) {
                int32_t r = o[i] >> (32 - bits), top = (1 << (bits - 1)) - 1;
                if (i % 3 == 0)
                    QCHECK(r == top, "1.5 came out %d", (int)r);
                else if (i % 3 == 1)
                    QCHECK(r == -top - 1, "-1.5 came out %d", (int)r);
                else
                    QCHECK(abs(r - (1 << (bits - 3))) <= 1, "0.25 came out %d", (int)r);
            }
            ck_assert_int_eq(o[0], INT32_MAX - ((1 << (32 - bits)) - 1));
            ck_assert_int_eq(o[1], INT32_MIN);
        }
}
END_TEST

/* NaN and infinities write 0, are not counted as clipped, and leave the
 * other samples as they were. */
START_TEST(test_quant_non_finite)
{
    const size_t n = 999;
    float *x = malloc(n * sizeof *x), *z = malloc(n * sizeof *z);
    int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    ck_assert(x && z && a && b);
    for (size_t i = 0; i < n; i++) {
        z[i] = 0.1f * (float)sin((double)i);
        x[i] = i % 5 == 0 ? NAN : i % 5 == 1 ? INFINITY : i % 5 == 2 ? -INFINITY : z[i];
    }
    for (int bits = 16; bits <= 24; bits += 8) {
        fz_quant qa, qb;
        fz_quant_init(&qa, bits, 1, 9, "nan");
        fz_quant_init(&qb, bits, 1, 9, "nan");
        fz_quant_run(&qa, x, a, n);
        fz_quant_run(&qb, z, b, n);
        ck_assert_uint_eq(qa.clipped, 0);
        for (size_t i = 0; i < n; i++)
            QCHECK(a[i] == (i % 5 < 3 ? 0 : b[i]), "sample %zu is %d", i, (int)a[i]);
    }
    free(x);
    free(z);
    free(a);
    free(b);
}
END_TEST

/* The same seed and stream give the same bytes; another stream or seed
 * other dither; no dither does not depend on either. */
START_TEST(test_quant_deterministic)
{
    const size_t n = 4096;
    float *x = mixed_signal(n, 2);
    int32_t *o[4];
    for (int k = 0; k < 4; k++)
        ck_assert_ptr_nonnull(o[k] = malloc(n * sizeof *o[k]));
    struct {
        uint64_t seed;
        const char *stream;
    } runs[4] = {{1, "song.wav"}, {1, "song.wav"}, {1, "stems/bass.wav"}, {2, "song.wav"}};
    for (int dither = 1; dither >= 0; dither--) {
        for (int k = 0; k < 4; k++) {
            fz_quant q;
            fz_quant_init(&q, 24, dither, runs[k].seed, runs[k].stream);
            fz_quant_run(&q, x, o[k], n);
        }
        ck_assert(memcmp(o[0], o[1], n * sizeof *o[0]) == 0);
        ck_assert(dither == (memcmp(o[0], o[2], n * sizeof *o[0]) != 0));
        ck_assert(dither == (memcmp(o[0], o[3], n * sizeof *o[0]) != 0));
    }
    free(x);
    for (int k = 0; k < 4; k++)
        free(o[k]);
}
END_TEST

/* Odd and short lengths are right; slicing a signal into pieces of even
 * length gives the bytes of one call (each call draws ceil(n / 2) words,
 * so odd pieces give other, equally correct, dither). */
START_TEST(test_quant_lengths_and_slices)
{
    const size_t n = 5000;
    float *x = mixed_signal(n, 4);
    int32_t *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    ck_assert(want && got);
    static const size_t odd[] = {1, 3, 7, 15, 17, 31, 33, 511, 513, 1025, 2363};
    /* pieces adding up to n */
    static const size_t odd_pieces[] = {1, 3, 7, 15, 17, 31, 33, 511, 513, 3869};
    static const size_t even[] = {2, 6, 16, 510, 512, 514, 1024, 2, 916, 1498};
    for (int isa = -1; isa <= quant_isa(); isa++) {
        for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
            uint64_t c0 = ref_run(x, want, odd + k, 1, 24, 1, "odd");
            uint64_t c1 = quant_pieces(x, got, odd + k, 1, 24, 1, "odd", isa);
            assert_same(got, want, odd[k], "odd length");
            ck_assert_uint_eq(c0, c1);
        }
        /* all of it in odd pieces, then in even pieces vs one call */
        uint64_t c0 = ref_run(x, want, odd_pieces, 10, 16, 1, "pieces");
        uint64_t c1 = quant_pieces(x, got, odd_pieces, 10, 16, 1, "pieces", isa);
        assert_same(got, want, n, "odd pieces");
        ck_assert_uint_eq(c0, c1);
        const size_t whole[] = {n};
        c0 = quant_pieces(x, want, whole, 1, 16, 1, "pieces", isa);
        c1 = quant_pieces(x, got, even, 10, 16, 1, "pieces", isa);
        assert_same(got, want, n, "even pieces");
        ck_assert_uint_eq(c0, c1);
    }
    free(x);
    free(want);
    free(got);
}
END_TEST

static Suite *files_suite(void)
{
    Suite *s = suite_create("finalization.files");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_wav_and_flac_read_back);
    tcase_add_test(tc, test_16_bit);
    tcase_add_test(tc, test_song_json);
    tcase_add_test(tc, test_song_json_minimal);
    tcase_add_test(tc, test_stems);
    tcase_add_test(tc, test_float_stems_exact_and_spooled);
    tcase_add_test(tc, test_failure_leaves_nothing);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_dither);
    tcase_add_test(tc, test_formats_and_basename);
    tcase_add_test(tc, test_no_output_folder);
    tcase_add_test(tc, test_bad_options);
    tcase_add_test(tc, test_quant_exact);
    tcase_add_test(tc, test_quant_error_bounds);
    tcase_add_test(tc, test_quant_dither_statistics);
    tcase_add_test(tc, test_quant_clamp);
    tcase_add_test(tc, test_quant_non_finite);
    tcase_add_test(tc, test_quant_deterministic);
    tcase_add_test(tc, test_quant_lengths_and_slices);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return czh_run_suite(files_suite());
}
