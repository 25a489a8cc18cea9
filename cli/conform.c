/*
 * cli/conform.c - `cadenza conform MODULE.so...`: hold a module to the
 * contract, in the spirit of CLAP's clap-validator and GStreamer's state
 * sweeps. Third parties run it before they ship; `make check` runs it over
 * every module in the tree.
 *
 * Each check that runs module code runs in a forked child, so a crash is a
 * reported failure, not the end of the report.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

typedef int (*check_fn)(cz_module *m, cz_registry *reg, char *why, size_t n);

/* Options naming an environment variable (API keys) must find it set;
 * give the child a dummy so the contract is checked without real keys. */
static void satisfy_env(const cz_module *m)
{
    for (const cz_option *o = m->desc.options; o && o->name; o++) {
        if (!(o->flags & CZ_OPT_ENV))
            continue;
        char why[256];
        json_t *def = cz_option_default(o, why, sizeof why);
        const char *var = json_string_value(def);
        if (var && *var && !getenv(var))
            setenv(var, "conform-dummy-value", 0);
        json_decref(def);
    }
}

/* Run fn in a child; 0 = pass, else why says what went wrong. */
static int isolated(check_fn fn, cz_module *m, cz_registry *reg, char *why, size_t n)
{
    int fds[2];
    if (pipe(fds)) {
        snprintf(why, n, "pipe failed");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char msg[600] = "";
        alarm(60);
        satisfy_env(m);
        int rc = fn(m, reg, msg, sizeof msg);
        if (write(fds[1], msg, strlen(msg)) < 0)
            rc = 1;
        _exit(rc ? 1 : 0);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], why, n - 1);
    why[got > 0 ? got : 0] = 0;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
        snprintf(why, n, "crashed (signal %d%s)", WTERMSIG(status), WTERMSIG(status) == SIGALRM ? ": hung for 60 s" : "");
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int lifecycle(cz_module *m, cz_registry *reg, char *why, size_t n)
{
    for (int i = 0; i < 3; i++) {
        cz_error err = {0};
        cz_module_ref(m);
        cz_graph *a = cz_graph_single(m, NULL, reg, &err);
        cz_module_ref(m);
        cz_graph *b = a ? cz_graph_single(m, NULL, reg, &err) : NULL;
        if (!a || !b) {
            snprintf(why, n, "init with default options failed: %s", err.msg);
            cz_graph_free(a);
            return -1;
        }
        cz_graph_free(b);
        cz_graph_free(a);
    }
    return 0;
}

static int audio_finite(const cz_audio *a)
{
    for (uint64_t i = 0; i < a->frames * a->channels; i++)
        if (!isfinite(a->samples[i]))
            return 0;
    for (uint32_t s = 0; s < a->n_stems; s++)
        if (!audio_finite(a->stems[s].audio))
            return 0;
    return 1;
}

static int job_keys(const char *key)
{
    return !strcmp(key, "prompt") || !strcmp(key, "seed") || !strncmp(key, "job.", 4);
}

/* Run once on a bus holding `bad` (NULL: nothing) under every required read. */
static int run_with(cz_module *m, cz_registry *reg, int wrong_types, char *why, size_t n)
{
    cz_error err = {0};
    cz_module_ref(m);
    cz_graph *g = cz_graph_single(m, NULL, reg, &err);
    if (!g) {
        snprintf(why, n, "init failed: %s", err.msg);
        return -1;
    }
    cz_bus *bus = cz_bus_new();
    int needs = 0;
    for (const cz_port *r = m->desc.reads; r && r->key; r++) {
        if (!(r->flags & CZ_PORT_REQUIRED) || job_keys(r->key))
            continue;
        needs = 1;
        if (wrong_types) /* a value of the wrong type: a string, or an int for strings */
            r->type == CZ_TYPE_STRING ? cz_bus_put_int(bus, r->key, 1) : cz_bus_put_string(bus, r->key, "garbage");
    }
    cz_job_params p = {.bus = bus, .keep_all = 1, .prompt = ""};
    cz_job_result res;
    int rc = cz_job_run(g, &p, &res);
    int bad = 0;
    if (needs && !rc) {
        snprintf(why, n, "returned success on %s input", wrong_types ? "wrongly typed" : "missing");
        bad = 1;
    }
    for (size_t i = 0; !rc && i < cz_bus_count(bus); i++) {
        const cz_audio *a;
        if (!cz_bus_get_audio(bus, cz_bus_key_at(bus, i), &a) && !audio_finite(a)) {
            snprintf(why, n, "wrote NaN or infinity into '%s'", cz_bus_key_at(bus, i));
            bad = 1;
        }
    }
    if (rc && !res.err.msg[0]) {
        snprintf(why, n, "failed without a message");
        bad = 1;
    }
    if (rc && strstr(res.err.msg, "declares it writes")) {
        snprintf(why, n, "%s", res.err.msg);
        bad = 1;
    }
    cz_job_result_free(&res);
    cz_bus_free(bus);
    cz_graph_free(g);
    return bad ? -1 : 0;
}

static int empty_bus(cz_module *m, cz_registry *reg, char *why, size_t n)
{
    return run_with(m, reg, 0, why, n);
}

static int wrong_types(cz_module *m, cz_registry *reg, char *why, size_t n)
{
    return run_with(m, reg, 1, why, n);
}

static int dsp_noise(cz_module *m, cz_registry *reg, char *why, size_t n)
{
    cz_env *env = cz_env_new(reg);
    cz_dsp *dsp;
    cz_error err = {0};
    cz_module_ref(m);
    int rc = cz_dsp_open_module(env, m, NULL, &dsp, &err);
    if (rc) {
        snprintf(why, n, "open with defaults failed: %s", err.msg);
        cz_env_free(env);
        return -1;
    }
    float buf[2 * 4096];
    cz_rng r;
    cz_rng_init(&r, 1, "conform");
    for (size_t i = 0; i < 2 * 4096; i++)
        buf[i] = (float)cz_rng_range(&r, -1, 1);
    rc = cz_dsp_process(dsp, buf, 0, 2, 48000, &err) || cz_dsp_process(dsp, buf, 4096, 2, 48000, &err);
    for (size_t i = 0; !rc && i < 2 * 4096; i++)
        if (!isfinite(buf[i])) {
            snprintf(why, n, "produced NaN or infinity from white noise");
            rc = -1;
        }
    if (rc && !why[0])
        snprintf(why, n, "process failed: %s", err.msg);
    cz_dsp_close(dsp);
    cz_env_free(env);
    return rc ? -1 : 0;
}

static int report(const char *what, int rc, const char *why)
{
    printf("  %s %s%s%s\n", rc ? "FAIL" : "ok  ", what, rc ? ": " : "", rc ? why : "");
    return rc ? 1 : 0;
}

int cz_conform(const char *path, cz_registry *reg)
{
    cz_module *m;
    cz_error err = {0};
    printf("%s\n", path);
    if (cz_module_load(path, &m, &err))
        return report("loads (ABI, descriptor, option defaults)", 1, err.msg);
    int fails = report("loads (ABI, descriptor, option defaults)", 0, "");
    char why[700] = "";
    printf("  (%s %s, %s)\n", m->desc.name, m->desc.version, cz_kind_name(m->desc.kind));
    fails += report("summary present", !(m->desc.summary && *m->desc.summary), "add a one-line .summary");
    for (const cz_option *o = m->desc.options; o && o->name; o++)
        if (!o->doc || !*o->doc) {
            snprintf(why, sizeof why, "option '%s' has no doc line", o->name);
            fails += report("every option documented", 1, why);
        }
    if (m->desc.kind != CZ_KIND_DSP) {
        fails += report("init/fini x3, two instances at once", isolated(lifecycle, m, reg, why, sizeof why), why);
    }
    if (m->desc.kind == CZ_KIND_STAGE) {
        fails += report("run on an empty bus: an error, not a crash", isolated(empty_bus, m, reg, why, sizeof why), why);
        fails += report("run on wrongly typed inputs: an error, not a crash",
                        isolated(wrong_types, m, reg, why, sizeof why), why);
    }
    if (m->desc.kind == CZ_KIND_DSP)
        fails += report("open, process noise and 0 frames, close; finite output",
                        isolated(dsp_noise, m, reg, why, sizeof why), why);
    if (m->desc.kind == CZ_KIND_PROVIDER) {
        const cz_provider_vtable *vt = m->desc.vtable;
        fails += report("declares at least one capability", !(vt->capabilities && vt->capabilities[0]),
                        "capabilities is empty");
    }
    cz_module_unref(m);
    return fails;
}
