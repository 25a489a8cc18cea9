/* test.writer: writes `test.value` (int) from its option `value`, and counts
 * its runs in its instance, proving instances are separate. */
#include <stdlib.h>
#include <cadenza/cadenza.h>

typedef struct writer {
    int64_t value;
    int64_t runs;
} writer;

static int w_init(const cz_init *a, void **inst, cz_error *err)
{
    writer *w = calloc(1, sizeof *w);
    if (!w)
        return cz_err(err, CZ_ENOMEM, "out of memory");
    w->value = cz_opt_int(a->options, "value");
    *inst = w;
    return 0;
}

static int w_run(void *inst, cz_job *job, cz_error *err)
{
    writer *w = inst;
    w->runs++;
    int rc = cz_bus_put_int(cz_job_bus(job), "test.value", w->value);
    if (!rc)
        rc = cz_bus_put_int(cz_job_bus(job), "test.runs", w->runs);
    if (!rc)
        rc = cz_bus_put_json(cz_job_bus(job), "test.json", json_pack("{s:I}", "value", (json_int_t)w->value));
    cz_job_status(job, "wrote %lld", (long long)w->value);
    return rc ? cz_err(err, rc, "put failed") : 0;
}

static void w_fini(void *inst)
{
    free(inst);
}

static const cz_port writes[] = {CZ_WRITE("test.value", CZ_TYPE_INT, "the value option"),
                                 CZ_WRITE("test.runs", CZ_TYPE_INT, "runs of this instance"),
                                 CZ_WRITE("test.json", CZ_TYPE_JSON, "{value} as JSON"),
                                 CZ_PORTS_END};
static const cz_option options[] = {
    CZ_OPTION_INT("value", "7", -1000, 1000, "what to write"),
    CZ_OPTION_FLOAT("gain", "0.5", 0, 1, "a float option for type checks"),
    CZ_OPTION_BOOL("loud", "false", "a bool option"),
    CZ_OPTION_ENUM("mode", "fast", "an enum option", "fast", "slow"),
    CZ_OPTION_LIST("tags", "[a, b]", "a list option"),
    CZ_OPTION_STRING("label", "x", "a string option"),
    CZ_OPTIONS_END};

CZ_MODULE(.name = "test.writer", .version = "1.2.3", .kind = CZ_KIND_STAGE,
          .summary = "Writes test.value from an option", .writes = writes, .options = options,
          .init = w_init, .run = w_run, .fini = w_fini);
