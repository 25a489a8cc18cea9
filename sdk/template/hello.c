/*
 * example.hello - a complete Cadenza stage module, as a starting point.
 *
 * Reads the job's `prompt`, writes `example.greeting` (a string) built from
 * the option `greeting`, and leaves a note on the CLI's progress line.
 * Build with the Makefile beside it; register with `cadenza registry build
 * DIR`; use in a pipeline as
 *
 *     - stage: hello
 *       module: example.hello
 *       with: { greeting: "Hi", repeat: 2 }
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

/* Per-instance state: never globals (two instances may run side by side). */
typedef struct hello {
    char greeting[64];
    int repeat;
} hello;

static int hello_init(const cz_init *args, void **instance, cz_error *err)
{
    hello *h = calloc(1, sizeof *h);
    if (!h)
        return cz_err(err, CZ_ENOMEM, "out of memory");
    /* Options arrive validated and complete: no need to check them again. */
    snprintf(h->greeting, sizeof h->greeting, "%s", cz_opt_str(args->options, "greeting"));
    h->repeat = (int)cz_opt_int(args->options, "repeat");
    *instance = h;
    return 0;
}

static int hello_run(void *instance, cz_job *job, cz_error *err)
{
    const hello *h = instance;
    const char *prompt = "";
    int rc = cz_bus_get_string(cz_job_bus(job), "prompt", &prompt);
    if (rc)
        return cz_err(err, rc, "cannot read 'prompt': %s", cz_strerror(rc));
    char out[512] = "";
    for (int i = 0; i < h->repeat; i++) {
        size_t used = strlen(out);
        snprintf(out + used, sizeof out - used, "%s%s", i ? " " : "", h->greeting);
    }
    size_t used = strlen(out);
    snprintf(out + used, sizeof out - used, ", %s", prompt);
    cz_job_status(job, "%zu characters", strlen(out));
    return cz_bus_put_string(cz_job_bus(job), "example.greeting", out);
}

static void hello_fini(void *instance)
{
    free(instance);
}

static const cz_port reads[] = {
    CZ_READ("prompt", CZ_TYPE_STRING, "the user's prompt"),
    CZ_PORTS_END};
static const cz_port writes[] = {
    CZ_WRITE("example.greeting", CZ_TYPE_STRING, "the greeting"),
    CZ_PORTS_END};
static const cz_option options[] = {
    CZ_OPTION_STRING("greeting", "Hello", "the word to greet with"),
    CZ_OPTION_INT("repeat", "1", 1, 10, "how many times to say it"),
    CZ_OPTIONS_END};

CZ_MODULE(.name = "example.hello", .version = "1.0.0", .kind = CZ_KIND_STAGE,
          .summary = "Greets the prompt (the SDK's module template)",
          .reads = reads, .writes = writes, .options = options,
          .init = hello_init, .run = hello_run, .fini = hello_fini);
