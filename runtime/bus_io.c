/*
 * runtime/bus_io.c - write a bus out and read it back.
 *
 * Checkpoints (after every stage, through a storage module), reruns and
 * debugging all need a job's bus on disk. The format is one JSON file
 * describing every entry in put order, with its lineage, plus one raw
 * little-endian float32 file per audio buffer and one file per blob:
 * JSON stays readable, audio stays fast and exact. bus.json is written
 * last and renamed into place, so a folder without it is an incomplete
 * save and is refused on load.
 *
 * Loading treats the folder as untrusted input: every field is checked.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "runtime.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "audio files are little-endian float32");

/* ---- audio files -------------------------------------------------------------- */

/* The frames of a (in memory or spooled) into f, a slice at a time. */
static int write_frames(const cz_audio *a, FILE *f)
{
    if (a->samples) {
        size_t n = (size_t)(a->frames * a->channels);
        return fwrite(a->samples, sizeof(float), n, f) == n ? 0 : CZ_EIO;
    }
    enum { SLICE = 1 << 14 };
    float *buf = malloc((size_t)SLICE * a->channels * sizeof *buf);
    int rc = buf ? 0 : CZ_ENOMEM;
    for (uint64_t at = 0; !rc && at < a->frames; at += SLICE) {
        uint64_t n = a->frames - at < SLICE ? a->frames - at : SLICE;
        if (!(rc = cz_audio_read(a, at, n, buf)) &&
            fwrite(buf, sizeof(float) * a->channels, n, f) != n)
            rc = CZ_EIO;
    }
    free(buf);
    return rc;
}

static json_t *audio_save(const cz_audio *a, const char *dir, int *counter, cz_error *err)
{
    char rel[64];
    snprintf(rel, sizeof rel, "blobs/%d.f32", (*counter)++);
    char *path = cz_strfmt("%s/%s", dir, rel);
    FILE *f = path ? fopen(path, "wb") : NULL;
    int bad = !f || write_frames(a, f) != 0;
    if (f && fclose(f))
        bad = 1;
    if (bad) {
        cz_err(err, CZ_EIO, "cannot write '%s': %s", path ? path : rel, strerror(errno));
        free(path);
        return NULL;
    }
    free(path);
    json_t *stems = json_array();
    for (uint32_t i = 0; i < a->n_stems; i++) {
        json_t *sj = audio_save(a->stems[i].audio, dir, counter, err);
        if (!sj) {
            json_decref(stems);
            return NULL;
        }
        json_object_set_new(sj, "name", json_string(a->stems[i].name));
        json_array_append_new(stems, sj);
    }
    return json_pack("{s:i,s:i,s:I,s:s,s:o}", "rate", (int)a->rate, "channels", (int)a->channels,
                     "frames", (json_int_t)a->frames, "file", rel, "stems", stems);
}

static int safe_blob_name(const char *rel)
{
    return rel && !strncmp(rel, "blobs/", 6) && !strstr(rel, "..") && strlen(rel) < 64;
}

static cz_audio *audio_load(const json_t *j, const char *dir, int depth, cz_error *err)
{
    uint64_t rate, ch, frames;
    const char *rel = json_string_value(json_object_get(j, "file"));
    if (depth > 2 || cz_json_uint(j, "rate", 1000000, &rate) || !rate || cz_json_uint(j, "channels", 64, &ch) || !ch ||
        cz_json_uint(j, "frames", UINT64_C(1) << 36, &frames) || !safe_blob_name(rel)) {
        cz_err(err, CZ_EINVAL, "audio entry is malformed");
        return NULL;
    }
    char *path = cz_strfmt("%s/%s", dir, rel);
    FILE *f = path ? fopen(path, "rb") : NULL;
    free(path);
    if (!f) {
        cz_err(err, CZ_EIO, "cannot open audio file '%s'", rel);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    cz_audio *a = NULL;
    if (size < 0 || (uint64_t)size != frames * ch * sizeof(float)) {
        cz_err(err, CZ_EINVAL, "audio file '%s' has %ld bytes, expected %llu", rel, size,
               (unsigned long long)(frames * ch * sizeof(float)));
    } else if (!(a = cz_audio_new((uint32_t)rate, (uint32_t)ch, frames))) {
        cz_err(err, CZ_ENOMEM, "out of memory for audio '%s'", rel);
    } else if (fread(a->samples, sizeof(float), frames * ch, f) != frames * ch) {
        cz_err(err, CZ_EIO, "short read on '%s'", rel);
        cz_audio_unref(a);
        a = NULL;
    }
    fclose(f);
    size_t i;
    json_t *sj;
    json_array_foreach(json_object_get(j, "stems"), i, sj) {
        if (!a)
            break;
        cz_audio *st = audio_load(sj, dir, depth + 1, err);
        if (!st || cz_audio_add_stem(a, json_string_value(json_object_get(sj, "name")), st)) {
            if (st)
                cz_err(err, CZ_EINVAL, "stem %zu of '%s' is invalid", i, rel);
            cz_audio_unref(a);
            a = NULL;
        }
    }
    return a;
}

/* ---- the bus ------------------------------------------------------------------- */

int cz_bus_save(const cz_bus *b, const char *dir, cz_error *err)
{
    char *blobs = cz_strfmt("%s/blobs", dir);
    int rc = blobs ? cz_mkdirs(blobs, err) : CZ_ENOMEM;
    free(blobs);
    if (rc)
        return rc;
    json_t *entries = json_array();
    int counter = 0;
    for (size_t i = 0; i < cz_bus_count(b) && !rc; i++) {
        const char *key = cz_bus_key_at(b, i);
        cz_type t = cz_bus_type(b, key);
        cz_lineage l;
        cz_bus_lineage(b, key, &l);
        json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "key", key, "type", cz_type_name(t), "stage",
                              l.stage, "module", l.module, "version", l.version, "seq", (json_int_t)l.seq);
        json_t *v = NULL;
        switch (t) {
        case CZ_TYPE_INT: { int64_t x; cz_bus_get_int(b, key, &x); v = json_integer(x); break; }
        case CZ_TYPE_BOOL: { int x; cz_bus_get_bool(b, key, &x); v = json_boolean(x); break; }
        case CZ_TYPE_STRING: { const char *x; cz_bus_get_string(b, key, &x); v = json_string(x); break; }
        case CZ_TYPE_JSON: { const json_t *x; cz_bus_get_json(b, key, &x); v = json_deep_copy(x); break; }
        case CZ_TYPE_SCORE: { const cz_score *x; cz_bus_get_score(b, key, &x); v = cz_score_to_json(x); break; }
        case CZ_TYPE_FLOAT: {
            double x;
            cz_bus_get_float(b, key, &x);
            v = isfinite(x) ? json_real(x) : json_string(isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
            break;
        }
        case CZ_TYPE_AUDIO: {
            const cz_audio *x;
            cz_bus_get_audio(b, key, &x);
            v = audio_save(x, dir, &counter, err);
            if (!v)
                rc = CZ_EIO;
            break;
        }
        case CZ_TYPE_BLOB: {
            const void *data;
            size_t n;
            const char *mime;
            cz_bus_get_blob(b, key, &data, &n, &mime);
            char rel[64];
            snprintf(rel, sizeof rel, "blobs/%d.bin", counter++);
            char *path = cz_strfmt("%s/%s", dir, rel);
            FILE *f = path ? fopen(path, "wb") : NULL;
            int bad = !f || (n && fwrite(data, 1, n, f) != n);
            if (f && fclose(f))
                bad = 1;
            free(path);
            if (bad)
                rc = cz_err(err, CZ_EIO, "cannot write blob '%s'", key);
            else
                v = json_pack("{s:s,s:s,s:I}", "file", rel, "mime", mime, "size", (json_int_t)n);
            break;
        }
        default: break;
        }
        if (v)
            json_object_set_new(e, "value", v);
        json_array_append_new(entries, e);
    }
    char *tmp = cz_strfmt("%s/bus.json.tmp", dir), *final = cz_strfmt("%s/bus.json", dir);
    json_t *doc = json_pack("{s:i,s:o}", "format", 1, "entries", entries);
    if (!rc && (!tmp || !final || json_dump_file(doc, tmp, JSON_INDENT(1)) || rename(tmp, final)))
        rc = cz_err(err, CZ_EIO, "cannot write '%s/bus.json': %s", dir, strerror(errno));
    json_decref(doc);
    free(tmp);
    free(final);
    return rc;
}

int cz_bus_load(const char *dir, cz_bus **out, cz_error *err)
{
    *out = NULL;
    char *path = cz_strfmt("%s/bus.json", dir);
    json_error_t je;
    json_t *doc = path ? json_load_file(path, 0, &je) : NULL;
    if (!doc) {
        int rc = cz_err(err, CZ_EIO, "%s:%d:%d: %s", path ? path : dir, je.line, je.column, je.text);
        free(path);
        return rc;
    }
    free(path);
    json_t *entries = json_object_get(doc, "entries");
    if (json_integer_value(json_object_get(doc, "format")) != 1 || !json_is_array(entries)) {
        json_decref(doc);
        return cz_err(err, CZ_EINVAL, "%s/bus.json: not a saved bus (format 1)", dir);
    }
    cz_bus *b = cz_bus_new();
    int rc = b ? 0 : CZ_ENOMEM;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        if (rc)
            break;
        const char *key = json_string_value(json_object_get(e, "key"));
        cz_type t = cz_type_parse(json_string_value(json_object_get(e, "type")));
        json_t *v = json_object_get(e, "value");
        json_int_t seq = json_integer_value(json_object_get(e, "seq"));
        if (!key || !*key || t == CZ_TYPE_NONE || !v || seq < 0) {
            rc = cz_err(err, CZ_EINVAL, "%s/bus.json: entry %zu is malformed", dir, i);
            break;
        }
        cz_bus_set_writer(b, json_string_value(json_object_get(e, "stage")),
                          json_string_value(json_object_get(e, "module")),
                          json_string_value(json_object_get(e, "version")));
        cz_error sub = {0};
        switch (t) {
        case CZ_TYPE_INT: rc = json_is_integer(v) ? cz_bus_put_int(b, key, json_integer_value(v)) : CZ_EINVAL; break;
        case CZ_TYPE_BOOL: rc = json_is_boolean(v) ? cz_bus_put_bool(b, key, json_is_true(v)) : CZ_EINVAL; break;
        case CZ_TYPE_STRING: rc = json_is_string(v) ? cz_bus_put_string(b, key, json_string_value(v)) : CZ_EINVAL; break;
        case CZ_TYPE_JSON: rc = cz_bus_put_json(b, key, json_incref(v)); break;
        case CZ_TYPE_FLOAT:
            if (json_is_number(v))
                rc = cz_bus_put_float(b, key, json_number_value(v));
            else if (json_is_string(v))
                rc = cz_bus_put_float(b, key, strtod(json_string_value(v), NULL));
            else
                rc = CZ_EINVAL;
            break;
        case CZ_TYPE_SCORE: {
            cz_score *s = cz_score_from_json(v, &sub);
            rc = s ? cz_bus_put_score(b, key, s) : CZ_EINVAL;
            break;
        }
        case CZ_TYPE_AUDIO: {
            cz_audio *a = audio_load(v, dir, 0, &sub);
            rc = a ? cz_bus_put_audio(b, key, a) : CZ_EINVAL;
            break;
        }
        case CZ_TYPE_BLOB: {
            const char *rel = json_string_value(json_object_get(v, "file"));
            char *bp = safe_blob_name(rel) ? cz_strfmt("%s/%s", dir, rel) : NULL;
            FILE *f = bp ? fopen(bp, "rb") : NULL;
            free(bp);
            rc = CZ_EINVAL;
            if (f) {
                json_int_t n = json_integer_value(json_object_get(v, "size"));
                char *data = n >= 0 && n < (1 << 30) ? malloc((size_t)n + 1) : NULL;
                if (data && fread(data, 1, (size_t)n, f) == (size_t)n)
                    rc = cz_bus_put_blob(b, key, data, (size_t)n, json_string_value(json_object_get(v, "mime")));
                free(data);
                fclose(f);
            }
            break;
        }
        default: rc = CZ_EINVAL; break;
        }
        if (rc) {
            rc = cz_err(err, rc, "%s/bus.json: entry '%s' (%s): %s", dir, key, cz_type_name(t),
                        sub.msg[0] ? sub.msg : "invalid value");
            break;
        }
        cz_bus_force_seq(b, key, (uint64_t)seq);
    }
    json_decref(doc);
    if (rc) {
        cz_bus_free(b);
        return rc;
    }
    *out = b;
    return 0;
}
