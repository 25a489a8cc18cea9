/*
 * analyze.c - analysis.loudness: the engine behind `cadenza analyze FILE...`.
 *
 * Reads the list of files on analyze.files, measures each (measure.c) and
 * writes analyze.report (a JSON list, one object per file, in order) and
 * analyze.text (that list as text for people, or with analyze.json the JSON
 * itself), which the CLI prints. Every file is opened before any is
 * measured, so a typo in the last name fails at once, naming the file.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

static const cz_port reads[] = {
    CZ_READ("analyze.files", CZ_TYPE_JSON, "list of audio file paths to measure"),
    CZ_READ_OPTIONAL("analyze.json", CZ_TYPE_BOOL,
                     "true: analyze.text is the JSON report instead of text"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("analyze.report", CZ_TYPE_JSON,
             "per file: format, duration, rate, channels, loudness, LRA, peaks, clipping"),
    CZ_WRITE("analyze.text", CZ_TYPE_STRING, "the report for stdout"),
    CZ_PORTS_END};

static int az_run(void *instance, cz_job *job, cz_error *err)
{
    cz_bus *bus = cz_job_bus(job);
    const json_t *files = NULL;
    int rc = cz_bus_get_json(bus, "analyze.files", &files);
    if (rc)
        return cz_err(err, rc, "analysis.loudness: %s analyze.files (a JSON list of paths)",
                      rc == CZ_ENOTFOUND ? "no" : "wrong type for");
    if (!json_is_array(files) || json_array_size(files) == 0)
        return cz_err(err, CZ_EINVAL, "analysis.loudness: analyze.files must be a non-empty list of paths");
    size_t n = json_array_size(files);
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_array_get(files, i));
        if (!p || !*p)
            return cz_err(err, CZ_EINVAL, "analysis.loudness: analyze.files[%zu] is not a path", i);
        if ((rc = az_probe_file(p, err)))
            return rc;
    }
    int as_json = 0;
    if (cz_bus_type(bus, "analyze.json") != CZ_TYPE_NONE &&
        cz_bus_get_bool(bus, "analyze.json", &as_json))
        return cz_err(err, CZ_ETYPE, "analysis.loudness: analyze.json must be a bool");

    json_t *report = json_array();
    char *text = NULL;
    size_t len = 0;
    if (!report)
        return cz_err(err, CZ_ENOMEM, "analysis.loudness: out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_array_get(files, i));
        az_result r;
        cz_job_status(job, "%zu/%zu %s", i + 1, n, p);
        if ((rc = az_measure_file(p, &r, err)))
            goto fail;
        json_t *o = az_result_json(p, &r);
        if (!o || json_array_append_new(report, o) ||
            (!as_json && ((i && az_text_sep(&text, &len)) || az_result_text(p, &r, &text, &len)))) {
            rc = cz_err(err, CZ_ENOMEM, "analysis.loudness: out of memory");
            goto fail;
        }
        if (cz_job_cancelled(job)) {
            rc = cz_err(err, CZ_ECANCELED, "analysis.loudness: cancelled");
            goto fail;
        }
    }
    if (as_json) {
        char *s = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        size_t sl = s ? strlen(s) : 0;
        text = s ? realloc(s, sl + 2) : NULL;
        if (!text) {
            free(s);
            rc = cz_err(err, CZ_ENOMEM, "analysis.loudness: out of memory");
            goto fail;
        }
        memcpy(text + sl, "\n", 2);
    }
    rc = cz_bus_put_json(bus, "analyze.report", report);
    report = NULL;
    if (!rc)
        rc = cz_bus_put_string(bus, "analyze.text", text ? text : "");
    free(text);
    if (rc)
        return cz_err(err, rc, "analysis.loudness: cannot write the report to the bus");
    return 0;

fail:
    json_decref(report);
    free(text);
    return rc;
}

CZ_MODULE(.name = "analysis.loudness", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Measures audio files: EBU R 128 loudness, loudness range, "
                     "true and sample peak, clipping, length",
          .reads = reads, .writes = writes, .run = az_run);
