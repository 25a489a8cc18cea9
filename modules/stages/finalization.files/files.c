/*
 * files.c - finalization.files: the song as files under --out.
 *
 * Writes <basename>.wav and <basename>.flac (24- or 16-bit PCM, TPDF
 * dither, tags), optionally every stem of mix.audio under stems/, and
 * <basename>.json: the spec, the reasoning trace, a score summary, how
 * each stage ran, the mastering report, the router's attempts, seed,
 * pipeline and the file list. Every path goes through cz_job_output_path,
 * so files land in the job's staging folder and appear in --out only when
 * the whole job succeeds; a failure leaves nothing behind. Puts the list of
 * relative paths on finalization.files.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"

typedef struct fz {
    int wav, flac;      /* formats */
    int bits;           /* 16 or 24 */
    int dither;
    int flac_level;
    int stems;          /* 0 none, 1 wav, 2 flac, 3 float wav */
    int required;
    char base[65];
} fz;

static const cz_port reads[] = {
    CZ_READ("master.audio", CZ_TYPE_AUDIO, "the mastered song"),
    CZ_READ_OPTIONAL("mix.audio", CZ_TYPE_AUDIO, "the mix, for its stems"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON, "title, genre and the rest of the spec"),
    CZ_READ_OPTIONAL("ideation.trace", CZ_TYPE_JSON, "the reasoning behind the spec"),
    CZ_READ_OPTIONAL("arrangement.score", CZ_TYPE_SCORE, "the song's score, summarised"),
    CZ_READ_OPTIONAL("master.report", CZ_TYPE_JSON, "loudness and peaks of the master"),
    CZ_READ_OPTIONAL("job.stages", CZ_TYPE_JSON, "module, version, variant and timing per stage"),
    CZ_READ_OPTIONAL("router.attempts", CZ_TYPE_JSON, "provider attempts"),
    CZ_READ_OPTIONAL("router.cache", CZ_TYPE_JSON, "response cache hits and misses"),
    CZ_READ_OPTIONAL("job.pipeline", CZ_TYPE_STRING, "the pipeline's name"),
    CZ_READ_OPTIONAL("prompt", CZ_TYPE_STRING, "the user's prompt"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("finalization.files", CZ_TYPE_JSON, "relative paths of the files written"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_LIST("formats", "[wav, flac]", "audio files to write: wav, flac"),
    CZ_OPTION_INT("bit_depth", "24", 16, 24, "PCM bits per sample: 16 or 24"),
    CZ_OPTION_BOOL("dither", "true", "TPDF dither when rounding to bit_depth"),
    CZ_OPTION_ENUM("stems_format", "none",
                   "write mix.audio's stems as stems/NAME.wav (bit_depth PCM), .flac, or .wav "
                   "in 32-bit float (wav_float: exact, sums to the mix; none: skip)",
                   "none", "wav", "flac", "wav_float"),
    CZ_OPTION_INT("flac_level", "0", 0, 8,
                  "FLAC compression level (0 fastest, 8 smallest)"),
    CZ_OPTION_STRING("basename", "song", "file name stem: song.wav, song.flac, song.json"),
    CZ_OPTION_BOOL("required", "true",
                   "fail when the job has no output folder (false: write nothing)"),
    CZ_OPTIONS_END};

static int fz_init(const cz_init *args, void **instance, cz_error *err)
{
    const json_t *o = args->options;
    fz *f = calloc(1, sizeof *f);
    if (!f)
        return cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
    const json_t *formats = cz_opt_json(o, "formats");
    size_t i;
    const json_t *v;
    json_array_foreach(formats, i, v) {
        const char *s = json_string_value(v);
        if (s && !strcmp(s, "wav"))
            f->wav = 1;
        else if (s && !strcmp(s, "flac"))
            f->flac = 1;
        else {
            free(f);
            return cz_err(err, CZ_EINVAL,
                          "finalization.files: option formats: unknown format '%s' (wav, flac)",
                          s ? s : "?");
        }
    }
    f->bits = (int)cz_opt_int(o, "bit_depth");
    if (f->bits != 16 && f->bits != 24) {
        free(f);
        return cz_err(err, CZ_EINVAL, "finalization.files: option bit_depth must be 16 or 24, not %d",
                      (int)cz_opt_int(o, "bit_depth"));
    }
    f->dither = cz_opt_bool(o, "dither");
    f->flac_level = (int)cz_opt_int(o, "flac_level");
    const char *st = cz_opt_str(o, "stems_format");
    f->stems = !strcmp(st, "wav") ? 1 : !strcmp(st, "flac") ? 2 : !strcmp(st, "wav_float") ? 3 : 0;
    f->required = cz_opt_bool(o, "required");
    const char *b = cz_opt_str(o, "basename");
    size_t bl = strlen(b);
    int ok = bl > 0 && bl < sizeof f->base && b[0] != '.';
    for (size_t k = 0; ok && k < bl; k++)
        ok = isalnum((unsigned char)b[k]) || b[k] == '-' || b[k] == '_' || b[k] == '.';
    if (!ok) {
        free(f);
        return cz_err(err, CZ_EINVAL,
                      "finalization.files: option basename '%s' must be 1-64 letters, digits, "
                      "'-', '_' or '.', not starting with '.'", b);
    }
    memcpy(f->base, b, bl + 1);
    *instance = f;
    return 0;
}

static void fz_fini(void *instance)
{
    free(instance);
}

/* Optional bus reads: a missing key is fine, a mistyped one is an error. */
static int opt_json(cz_bus *bus, const char *key, const json_t **out, cz_error *err)
{
    *out = NULL;
    int rc = cz_bus_get_json(bus, key, out);
    if (rc == CZ_ENOTFOUND)
        return 0;
    if (rc)
        return cz_err(err, rc, "finalization.files: %s is %s, not json", key,
                      cz_type_name(cz_bus_type(bus, key)));
    return 0;
}

/* A stem name as a file name: letters, digits, '-' and '_'. */
static void safe_name(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (; in[k] && k + 1 < n; k++) {
        unsigned char c = (unsigned char)in[k];
        out[k] = (char)(isalnum(c) || c == '-' || c == '_' ? tolower(c) : '_');
    }
    out[k] = 0;
    if (!k)
        snprintf(out, n, "stem");
}

typedef struct fz_run {
    cz_job *job;
    json_t *files; /* relative paths written */
    cz_error *err;
    int linked, copied; /* float stems delivered by linking or by copying */
} fz_run;

/* Write one signal to the files named rels[0..n) (kinds[i]), quantised
 * once from the dither stream `stream`; the paths join the file list. */
static int write_signal(fz_run *r, const fz *f, const cz_audio *a, const char *stream,
                        const char *const *rels, const fz_kind *kinds, int n,
                        const fz_tags *tags, const char *what)
{
    char paths[2][4096];
    fz_out outs[2];
    for (int i = 0; i < n; i++) {
        int rc = cz_job_output_path(r->job, rels[i], paths[i], sizeof paths[i], r->err);
        if (rc)
            return rc;
        outs[i] = (fz_out){.path = paths[i], .name = rels[i], .kind = kinds[i],
                           .flac_level = f->flac_level};
    }
    fz_quant q;
    fz_quant_init(&q, f->bits, f->dither, cz_job_seed(r->job), stream);
    int rc, linked = 0;
    /* float files are the exact samples: nothing to round, no quantiser */
    if (kinds[0] == FZ_WAV_FLOAT) {
        rc = fz_write_float_wav(a, &outs[0], tags, &linked, r->err);
        r->linked += linked;
        r->copied += !rc && !linked;
    } else {
        rc = fz_write_audio(a, &q, outs, n, tags, r->err);
    }
    if (rc)
        return rc;
    if (q.clipped)
        cz_job_log(r->job, CZ_LOG_WARN, "%s: %llu samples beyond full scale were clamped", what,
                   (unsigned long long)q.clipped);
    for (int i = 0; i < n; i++)
        json_array_append_new(r->files, json_string(rels[i]));
    return 0;
}

static int write_master(fz_run *r, const fz *f, const cz_audio *master, const fz_tags *tags)
{
    char wav[80], flac[80];
    const char *rels[2];
    fz_kind kinds[2];
    int n = 0;
    snprintf(wav, sizeof wav, "%s.wav", f->base);
    snprintf(flac, sizeof flac, "%s.flac", f->base);
    if (f->wav) {
        rels[n] = wav;
        kinds[n++] = FZ_WAV;
    }
    if (f->flac) {
        rels[n] = flac;
        kinds[n++] = FZ_FLAC;
    }
    if (!n)
        return 0;
    return write_signal(r, f, master, "finalization.dither", rels, kinds, n, tags, "master.audio");
}

static int write_stems(fz_run *r, const fz *f, const cz_audio *mix, const fz_tags *tags)
{
    if (!f->stems || !mix)
        return 0;
    for (uint32_t i = 0; i < mix->n_stems; i++) {
        const cz_audio *st = mix->stems[i].audio;
        if (!st || !st->frames)
            continue;
        char name[40], rel[96], stream[80];
        safe_name(mix->stems[i].name, name, sizeof name);
        /* Two stems whose names clean up alike get the index added. */
        for (uint32_t j = 0; j < i; j++) {
            char other[40];
            safe_name(mix->stems[j].name, other, sizeof other);
            if (!strcmp(other, name)) {
                size_t l = strlen(name);
                snprintf(name + (l < 28 ? l : 28), sizeof name - (l < 28 ? l : 28), "_%u", i + 1);
                break;
            }
        }
        snprintf(rel, sizeof rel, "stems/%s.%s", name, f->stems == 2 ? "flac" : "wav");
        snprintf(stream, sizeof stream, "finalization.dither.stem.%s", name);
        fz_tags t = *tags;
        char title[256], what[64];
        snprintf(title, sizeof title, "%s (%s stem)", tags->title, mix->stems[i].name);
        snprintf(what, sizeof what, "stem %s", name);
        t.title = title;
        const char *rels[1] = {rel};
        fz_kind kinds[1] = {f->stems == 2 ? FZ_FLAC : f->stems == 3 ? FZ_WAV_FLOAT : FZ_WAV};
        int rc = write_signal(r, f, st, stream, rels, kinds, 1, &t, what);
        if (rc)
            return rc;
        if (cz_job_cancelled(r->job))
            return cz_err(r->err, CZ_ECANCELED, "finalization.files: cancelled");
    }
    return 0;
}

static json_t *or_default(const json_t *v, json_t *def)
{
    if (v) {
        json_decref(def);
        return json_deep_copy(v);
    }
    return def;
}

static int write_json(fz_run *r, const fz *f, json_t *doc)
{
    char rel[128], path[4096];
    snprintf(rel, sizeof rel, "%s.json", f->base);
    int rc = cz_job_output_path(r->job, rel, path, sizeof path, r->err);
    if (rc)
        return rc;
    json_array_append_new(r->files, json_string(rel));
    json_object_set(doc, "files", r->files);
    if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)))
        return cz_err(r->err, CZ_EIO, "finalization.files: cannot write %s", rel);
    return 0;
}

static int fz_run_stage(void *instance, cz_job *job, cz_error *err)
{
    const fz *f = instance;
    cz_bus *bus = cz_job_bus(job);
    const cz_audio *master = NULL, *mix = NULL;
    int rc = cz_bus_get_audio(bus, "master.audio", &master);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc, "finalization.files: no master.audio on the bus (run a mastering stage first)");
    if (rc)
        return cz_err(err, rc, "finalization.files: master.audio is %s, not audio",
                      cz_type_name(cz_bus_type(bus, "master.audio")));
    if (!master->frames || !master->samples || !master->channels)
        return cz_err(err, CZ_EINVAL, "finalization.files: master.audio is empty (0 frames)");
    if (cz_bus_type(bus, "mix.audio") != CZ_TYPE_NONE &&
        (rc = cz_bus_get_audio(bus, "mix.audio", &mix)))
        return cz_err(err, rc, "finalization.files: mix.audio is not audio");
    const json_t *spec, *trace, *report, *stages, *attempts, *cache;
    if ((rc = opt_json(bus, "ideation.spec", &spec, err)) ||
        (rc = opt_json(bus, "ideation.trace", &trace, err)) ||
        (rc = opt_json(bus, "master.report", &report, err)) ||
        (rc = opt_json(bus, "job.stages", &stages, err)) ||
        (rc = opt_json(bus, "router.attempts", &attempts, err)) ||
        (rc = opt_json(bus, "router.cache", &cache, err)))
        return rc;
    const cz_score *score = NULL;
    if (cz_bus_type(bus, "arrangement.score") != CZ_TYPE_NONE &&
        (rc = cz_bus_get_score(bus, "arrangement.score", &score)))
        return cz_err(err, rc, "finalization.files: arrangement.score is not a score");
    const char *pipeline = cz_job_pipeline(job), *prompt = NULL;
    cz_bus_get_string(bus, "job.pipeline", &pipeline);
    cz_bus_get_string(bus, "prompt", &prompt);

    if (!cz_job_has_output(job)) {
        if (f->required)
            return cz_err(err, CZ_ENOTFOUND,
                          "finalization.files: the job has no output folder (give --out DIR, "
                          "or set required: false to skip writing)");
        cz_job_log(job, CZ_LOG_INFO, "no output folder: nothing written");
        return cz_bus_put_json(bus, "finalization.files", json_array());
    }

    /* Tags: title, artist, genre, and tempo/key/seed/pipeline in the comment. */
    const char *title = json_string_value(json_object_get(spec, "title"));
    const char *genre = json_string_value(json_object_get(spec, "genre"));
    char key[48] = "", comment[256];
    double bpm = score ? score->bpm : json_number_value(json_object_get(spec, "tempo_bpm"));
    const char *spec_key = json_string_value(json_object_get(spec, "key"));
    const char *key_name = NULL;
    if (score) {
        const json_t *pc = json_object_get(spec, "tonic_pc");
        key_name = spec_key && json_is_integer(pc) && json_integer_value(pc) == score->key_tonic
                       ? spec_key : fz_pitch_name(score->key_tonic);
        snprintf(key, sizeof key, "%s %s", key_name, cz_mode_name((cz_mode)score->mode));
    } else if (spec_key) {
        const char *mode = json_string_value(json_object_get(spec, "mode"));
        snprintf(key, sizeof key, "%s%s%s", spec_key, mode ? " " : "", mode ? mode : "");
    }
    int cl = 0;
    if (bpm > 0)
        cl += snprintf(comment + cl, sizeof comment - (size_t)cl, "%g bpm, ", bpm);
    if (*key)
        cl += snprintf(comment + cl, sizeof comment - (size_t)cl, "%s, ", key);
    snprintf(comment + cl, sizeof comment - (size_t)cl, "seed %llu, pipeline %s",
             (unsigned long long)cz_job_seed(job), pipeline ? pipeline : "?");
    char bpm_s[32] = "";
    if (bpm > 0)
        snprintf(bpm_s, sizeof bpm_s, "%g", bpm);
    fz_tags tags = {.title = title && *title ? title : "Untitled", .artist = "Cadenza",
                    .genre = genre, .comment = comment, .software = "Cadenza finalization.files",
                    .bpm = bpm_s, .key = key};

    fz_run r = {.job = job, .files = json_array(), .err = err};
    json_t *doc = NULL;
    if (!r.files)
        return cz_err(err, CZ_ENOMEM, "finalization.files: out of memory");
    cz_job_status(job, "writing %s", f->base);
    if ((rc = write_master(&r, f, master, &tags)) || (rc = write_stems(&r, f, mix, &tags)))
        goto done;

    doc = json_object();
    json_object_set_new(doc, "title", json_string(tags.title));
    json_object_set_new(doc, "prompt", prompt ? json_string(prompt) : json_null());
    json_object_set_new(doc, "seed", json_integer((json_int_t)cz_job_seed(job)));
    json_object_set_new(doc, "pipeline", pipeline ? json_string(pipeline) : json_null());
    json_object_set_new(doc, "spec", or_default(spec, json_null()));
    json_object_set_new(doc, "trace", or_default(trace, json_array()));
    json_object_set_new(doc, "score", score ? fz_score_summary(score, key_name) : json_null());
    json_object_set_new(doc, "stages", or_default(stages, json_array()));
    json_object_set_new(doc, "master", or_default(report, json_null()));
    json_object_set_new(doc, "router", or_default(attempts, json_array()));
    json_object_set_new(doc, "router_cache", or_default(cache, json_pack("{s:i,s:i}", "hits", 0, "misses", 0)));
    json_object_set_new(doc, "audio",
                        json_pack("{s:I, s:I, s:I, s:f, s:I, s:s, s:I}", "rate",
                                  (json_int_t)master->rate, "channels", (json_int_t)master->channels,
                                  "frames", (json_int_t)master->frames, "duration_s",
                                  cz_audio_seconds(master), "bit_depth", (json_int_t)f->bits,
                                  "dither", f->dither ? "tpdf" : "none", "stems",
                                  (json_int_t)(f->stems && mix ? mix->n_stems : 0)));
    if ((rc = write_json(&r, f, doc)))
        goto done;
    cz_job_log(job, CZ_LOG_INFO, "wrote %zu files", json_array_size(r.files));
    if (r.linked + r.copied)
        cz_job_log(job, CZ_LOG_DEBUG, "float stems: %d linked from their scratch files, %d "
                   "copied (in memory, or the spool folder is on another file system)",
                   r.linked, r.copied);
    rc = cz_bus_put_json(bus, "finalization.files", json_incref(r.files));
    if (rc)
        cz_err(err, rc, "finalization.files: cannot put finalization.files");

done:
    json_decref(doc);
    json_decref(r.files);
    return rc;
}

CZ_MODULE(.name = "finalization.files", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Writes the song as WAV and FLAC (dithered, tagged), stems and song.json",
          .reads = reads, .writes = writes, .options = options,
          .init = fz_init, .run = fz_run_stage, .fini = fz_fini);
