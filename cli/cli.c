/*
 * cli/cli.c - the `cadenza` command line.
 *
 *   cadenza run PIPELINE [--prompt T] [--seed N] [--key K] [--set T.O=V]... [--out DIR]
 *   cadenza validate PIPELINE... [--set T.O=V]...
 *   cadenza modules [--json]          cadenza inspect NAME [--json]
 *   cadenza registry build [DIR...]   cadenza analyze FILE... [--json]
 *
 * Exit codes are part of the interface (docs/cli.md): 0 ok, 1 a stage
 * failed, 2 usage, 3 invalid pipeline, 4 module/registry, 5 files.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct cli {
    const char *registry;
    const char *pipeline;
    const char *prompt;
    const char *key;
    const char *out;
    const char *save_bus;
    uint64_t seed;
    int has_seed, json, quiet;
    const char **sets;
    size_t n_sets;
    const char **args;
    size_t n_args;
} cli;

static const char *const usage_main =
    "usage: cadenza COMMAND [ARGS]\n"
    "\n"
    "Turns a text prompt into a finished song through a pipeline of modules.\n"
    "\n"
    "commands:\n"
    "  run PIPELINE       run one job (a prompt in, files out)\n"
    "  validate PIPELINE  check pipelines without running them; prints every problem\n"
    "  modules            list the modules in the registry\n"
    "  inspect NAME       a module's ports and options, with defaults and docs\n"
    "  registry build     scan module folders and write the registry index\n"
    "  analyze FILE...    loudness, peaks and length of audio files\n"
    "  conform MODULE.so  check modules against the module contract\n"
    "\n"
    "global options (before or after the command):\n"
    "  --registry PATH    the module index (default $CADENZA_REGISTRY, else\n"
    "                     registry/index.json in the build tree, or\n"
    "                     share/cadenza/registry/index.json when installed)\n"
    "  --log-level L      error, warn (default), info or debug\n"
    "  --log-json         log as JSON lines\n"
    "  --help, -h         help (also `cadenza COMMAND --help`)\n"
    "  --version          print the version and ABI\n"
    "\n"
    "exit codes: 0 ok, 1 a stage failed, 2 usage error, 3 invalid pipeline,\n"
    "            4 module or registry problem, 5 file or folder problem\n";

static const char *const usage_run =
    "usage: cadenza run PIPELINE [options]\n"
    "\n"
    "Run one job. PIPELINE is a YAML file, or the name of a shipped pipeline\n"
    "(default, midi, ...). Progress goes to stderr; the written files to stdout.\n"
    "\n"
    "  --prompt TEXT      what the song should be (default: empty)\n"
    "  --seed N           the seed (default: the pipeline's seed:); same prompt,\n"
    "                     seed and modules give identical files\n"
    "  --key KEY          the A/B assignment key (default: from prompt and seed)\n"
    "  --set T.O=V        override option O of stage T (or router, storage,\n"
    "                     providers.NAME) with the YAML value V; repeatable\n"
    "  --out DIR          write the job's files here (created; nothing is written\n"
    "                     unless the whole job succeeds)\n"
    "  --save-bus DIR     also save the final bus (JSON + audio) to DIR\n"
    "  --quiet, -q        no progress lines\n";

static const char *const usage_validate =
    "usage: cadenza validate PIPELINE... [--set T.O=V]...\n"
    "\n"
    "Check pipelines without running them: YAML shape, module names and kinds,\n"
    "every option against its module's schema, and that every stage's required\n"
    "reads are written by an earlier stage with the same type. Prints every\n"
    "problem as FILE:LINE:COL: message and exits 3 if there was any.\n";

static const char *const usage_modules =
    "usage: cadenza modules [--json]\n\nList the modules in the registry index.\n";
static const char *const usage_inspect =
    "usage: cadenza inspect NAME [--json]\n\n"
    "Print a module's kind, version, ports (bus keys it reads and writes) and\n"
    "options with types, defaults, ranges and docs.\n";
static const char *const usage_registry =
    "usage: cadenza registry build [DIR...]\n\n"
    "Scan module folders (default: the modules folder beside the binary), each\n"
    "module in a separate process so one that crashes cannot stop the scan, and\n"
    "write the index (see --registry). Problems are reported and skipped.\n";
static const char *const usage_conform =
    "usage: cadenza conform MODULE.so...\n\n"
    "Hold modules to the contract: descriptor and option schema, init/fini\n"
    "cycles with two instances alive, a run on an empty bus and on wrongly\n"
    "typed inputs (an error, never a crash), finite audio, dsp blocks on\n"
    "noise. Checks that run module code run in a child process. Exits 1 if\n"
    "any check failed.\n";
static const char *const usage_analyze =
    "usage: cadenza analyze FILE... [--json]\n\n"
    "Measure audio files (WAV, FLAC, ...): duration, sample rate, integrated\n"
    "loudness (LUFS), loudness range (LU), true peak (dBTP), sample peak and\n"
    "clipped samples, per EBU R128 / ITU-R BS.1770-4.\n";

static int usage(const char *text, FILE *f, int code)
{
    fputs(text, f);
    return code;
}

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cadenza: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* Parse options shared by all commands; positional args collected. */
static int parse(cli *c, int argc, char **argv, const char *help, int *done)
{
    *done = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE                                                              \
    if (!val)                                                                    \
        return fail(CZ_EXIT_USAGE, "option %s needs a value (see --help)", a); \
    i++
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *done = 1;
            return usage(help, stdout, CZ_EXIT_OK);
        } else if (!strcmp(a, "--registry")) {
            NEEDS_VALUE;
            c->registry = val;
        } else if (!strcmp(a, "--prompt")) {
            NEEDS_VALUE;
            c->prompt = val;
        } else if (!strcmp(a, "--key")) {
            NEEDS_VALUE;
            c->key = val;
        } else if (!strcmp(a, "--out")) {
            NEEDS_VALUE;
            c->out = val;
        } else if (!strcmp(a, "--save-bus")) {
            NEEDS_VALUE;
            c->save_bus = val;
        } else if (!strcmp(a, "--seed")) {
            NEEDS_VALUE;
            char *end;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 10);
            if (!*val || *end || errno || val[0] == '-')
                return fail(CZ_EXIT_USAGE, "--seed: '%s' is not a whole number from 0 to %llu", val,
                            (unsigned long long)UINT64_MAX);
            c->seed = s;
            c->has_seed = 1;
        } else if (!strcmp(a, "--set")) {
            NEEDS_VALUE;
            c->sets[c->n_sets++] = val;
        } else if (!strcmp(a, "--json")) {
            c->json = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            c->quiet = 1;
        } else if (!strcmp(a, "--log-json")) {
            cz_log_configure(CZ_LOG_WARN, CZ_LOGFMT_JSON, NULL);
        } else if (!strcmp(a, "--log-level")) {
            NEEDS_VALUE;
            static const char *const lv[] = {"error", "warn", "info", "debug"};
            int l;
            for (l = 0; l < 4 && strcmp(lv[l], val); l++)
                ;
            if (l == 4)
                return fail(CZ_EXIT_USAGE, "--log-level: '%s' is not error, warn, info or debug", val);
            cz_log_configure((cz_log_level)l, CZ_LOGFMT_TEXT, NULL);
        } else if (a[0] == '-' && a[1]) {
            return fail(CZ_EXIT_USAGE, "unknown option '%s' (see --help)", a);
        } else {
            c->args[c->n_args++] = a;
        }
#undef NEEDS_VALUE
    }
    return 0;
}

static const char *exe_dir(void)
{
    static char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return ".";
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = 0;
    return buf;
}

/* A pipeline argument: a file, or the name of a shipped pipeline. */
static char *find_pipeline(const char *arg)
{
    if (strchr(arg, '/') || access(arg, F_OK) == 0)
        return cz_strdup(arg);
    const char *const where[] = {"%s/../config/pipelines/%s.yaml", "%s/../share/cadenza/pipelines/%s.yaml"};
    for (size_t i = 0; i < 2; i++) {
        char *p = cz_strfmt(where[i], exe_dir(), arg);
        if (p && access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return cz_strdup(arg);
}

static int open_registry(const cli *c, cz_registry **r)
{
    cz_error err = {0};
    if (cz_registry_open(c->registry ? c->registry : cz_registry_default_path(), r, &err))
        return fail(CZ_EXIT_MODULE, "%s", err.msg);
    return 0;
}

/* Load + build; prints every problem. */
static int load_graph(const cli *c, const char *file, cz_registry *reg, int inst,
                      const cz_bus *inputs, cz_graph **out)
{
    cz_diags d = {0};
    char *path = find_pipeline(file);
    cz_pipeline *p = cz_pipeline_load(path, &d);
    free(path);
    for (size_t i = 0; p && i < c->n_sets; i++)
        cz_pipeline_set(p, c->sets[i], &d);
    /* Shape problems do not stop the check: module and port problems are
     * reported in the same round, so a user fixes the file once. */
    size_t shape_problems = d.n;
    *out = p ? cz_graph_build(p, reg, inst && !shape_problems, inputs, &d) : NULL;
    if (*out && shape_problems) {
        cz_graph_free(*out);
        *out = NULL;
    }
    cz_diag_print(&d, stderr);
    int module_problem = 0;
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.msgs[i], "init failed") || strstr(d.msgs[i], "stale registry") ||
            strstr(d.msgs[i], "cannot load"))
            module_problem = 1;
    cz_diag_free(&d);
    return *out ? 0 : module_problem ? CZ_EXIT_MODULE : CZ_EXIT_INVALID;
}

static int run_job(cli *c, const char *file, cz_bus *inputs, const char *print_key)
{
    cz_registry *reg;
    int rc = open_registry(c, &reg);
    if (rc)
        return rc;
    cz_graph *g = NULL;
    rc = load_graph(c, file, reg, 1, inputs, &g);
    if (rc) {
        cz_registry_free(reg);
        return rc;
    }
    cz_job_params jp = {.prompt = c->prompt, .seed = c->seed, .has_seed = c->has_seed, .key = c->key,
                        .out_dir = c->out, .progress = c->quiet ? NULL : cz_progress_print,
                        .bus = inputs, .keep_all = c->save_bus != NULL};
    cz_job_result res;
    int status = cz_job_run(g, &jp, &res);
    cz_bus *bus = inputs ? inputs : res.bus;
    if (status) {
        fail(status == CZ_EIO ? CZ_EXIT_IO : CZ_EXIT_FAILED, "%s", res.err.msg);
        rc = status == CZ_EIO && !strstr(res.err.msg, "stage ") ? CZ_EXIT_IO : CZ_EXIT_FAILED;
    } else {
        size_t i;
        json_t *f;
        json_array_foreach(res.files, i, f)
            printf("%s/%s\n", c->out, json_string_value(f));
        if (print_key) {
            const char *text = NULL;
            if (!cz_bus_get_string(bus, print_key, &text))
                fputs(text, stdout);
        }
    }
    if (c->save_bus) {
        cz_error err = {0};
        if (cz_bus_save(bus, c->save_bus, &err)) {
            fail(CZ_EXIT_IO, "%s", err.msg);
            rc = rc ? rc : CZ_EXIT_IO;
        }
    }
    cz_job_result_free(&res);
    cz_graph_free(g);
    cz_registry_free(reg);
    return rc;
}

static int cmd_run(cli *c)
{
    if (c->n_args != 1)
        return fail(CZ_EXIT_USAGE, "run needs exactly one PIPELINE (see cadenza run --help)");
    /* An empty input bus: pipelines that declare `inputs:` are refused
     * here, by name, since `run` gives none. */
    cz_bus *inputs = cz_bus_new();
    int rc = run_job(c, c->args[0], inputs, NULL);
    cz_bus_free(inputs);
    return rc;
}

static int cmd_validate(cli *c)
{
    if (!c->n_args)
        return fail(CZ_EXIT_USAGE, "validate needs at least one PIPELINE file");
    cz_registry *reg;
    int rc = open_registry(c, &reg);
    if (rc)
        return rc;
    int worst = 0;
    for (size_t i = 0; i < c->n_args; i++) {
        cz_graph *g = NULL;
        int r = load_graph(c, c->args[i], reg, 0, NULL, &g);
        if (!r)
            printf("%s: ok (%zu stages)\n", c->args[i], g->n_stages);
        cz_graph_free(g);
        if (r > worst)
            worst = r;
    }
    cz_registry_free(reg);
    return worst;
}

static int cmd_modules(cli *c)
{
    cz_registry *reg;
    int rc = open_registry(c, &reg);
    if (rc)
        return rc;
    json_t *all = json_array();
    for (size_t i = 0; i < cz_registry_count(reg); i++) {
        const json_t *e = cz_registry_entry_at(reg, i);
        if (c->json)
            json_array_append(all, (json_t *)e);
        else
            printf("%-26s %-10s %-8s %s\n", json_string_value(json_object_get(e, "name")),
                   json_string_value(json_object_get(e, "kind")),
                   json_string_value(json_object_get(e, "version")),
                   json_string_value(json_object_get(e, "summary")));
    }
    if (c->json) {
        json_dumpf(all, stdout, JSON_INDENT(2));
        putchar('\n');
    }
    json_decref(all);
    cz_registry_free(reg);
    return 0;
}

static void print_ports(const char *title, const json_t *ports)
{
    printf("\n%s:\n", title);
    if (!json_array_size(ports))
        printf("  (none)\n");
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
        printf("  %-24s %-7s %-9s %s\n", json_string_value(json_object_get(p, "key")),
               json_string_value(json_object_get(p, "type")),
               json_is_true(json_object_get(p, "required")) ? "required" : "",
               json_string_value(json_object_get(p, "doc")));
}

static int cmd_inspect(cli *c)
{
    if (c->n_args != 1)
        return fail(CZ_EXIT_USAGE, "inspect needs one module NAME (see cadenza modules)");
    cz_registry *reg;
    int rc = open_registry(c, &reg);
    if (rc)
        return rc;
    const json_t *e = cz_registry_find(reg, c->args[0]);
    if (!e) {
        cz_registry_free(reg);
        return fail(CZ_EXIT_MODULE, "no module named '%s' in the registry (see cadenza modules)", c->args[0]);
    }
    if (c->json) {
        json_dumpf(e, stdout, JSON_INDENT(2));
        putchar('\n');
        cz_registry_free(reg);
        return 0;
    }
    printf("%s %s (%s module, ABI %s)\n  %s\n  %s\n", json_string_value(json_object_get(e, "name")),
           json_string_value(json_object_get(e, "version")), json_string_value(json_object_get(e, "kind")),
           json_string_value(json_object_get(e, "abi")), json_string_value(json_object_get(e, "summary")),
           json_string_value(json_object_get(e, "path")));
    if (json_object_get(e, "capabilities")) {
        char *caps = json_dumps(json_object_get(e, "capabilities"), JSON_COMPACT);
        printf("  capabilities: %s\n", caps);
        free(caps);
    }
    print_ports("Reads", json_object_get(e, "reads"));
    print_ports("Writes", json_object_get(e, "writes"));
    printf("\nOptions (with: in the pipeline, or --set STAGE.OPTION=VALUE):\n");
    const json_t *opts = json_object_get(e, "options");
    if (!json_array_size(opts))
        printf("  (none)\n");
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o) {
        char *def = json_is_true(json_object_get(o, "secret")) ? cz_strdup("(secret)")
                    : json_dumps(json_object_get(o, "default"), JSON_ENCODE_ANY | JSON_COMPACT);
        printf("  %-20s %-9s default %s", json_string_value(json_object_get(o, "name")),
               json_string_value(json_object_get(o, "type")), def ? def : "null");
        free(def);
        if (json_object_get(o, "min"))
            printf(", range %.15g to %.15g", json_number_value(json_object_get(o, "min")),
                   json_number_value(json_object_get(o, "max")));
        if (json_object_get(o, "choices")) {
            char *ch = json_dumps(json_object_get(o, "choices"), JSON_COMPACT);
            printf(", one of %s", ch);
            free(ch);
        }
        printf("\n      %s\n", json_string_value(json_object_get(o, "doc")));
    }
    cz_registry_free(reg);
    return 0;
}

static int cmd_registry(cli *c)
{
    if (!c->n_args || strcmp(c->args[0], "build"))
        return fail(CZ_EXIT_USAGE, "usage: cadenza registry build [DIR...]");
    /* the build tree's modules beside the binary, else the installed ones */
    char *def = cz_strfmt("%s/modules", exe_dir());
    if (def && access(def, F_OK)) {
        free(def);
        def = cz_strfmt("%s/../lib/cadenza/modules", exe_dir());
    }
    char *dirs_default[] = {def};
    char **dirs = c->n_args > 1 ? (char **)&c->args[1] : dirs_default;
    size_t n = c->n_args > 1 ? c->n_args - 1 : 1;
    const char *index = c->registry ? c->registry : cz_registry_default_path();
    cz_error err = {0};
    int count = cz_registry_build(index, dirs, n, stderr, &err);
    free(def);
    if (count < 0)
        return fail(CZ_EXIT_IO, "%s", err.msg);
    fprintf(stderr, "cadenza: indexed %d modules into %s\n", count, index);
    return 0;
}

static int cmd_conform(cli *c)
{
    if (!c->n_args)
        return fail(CZ_EXIT_USAGE, "conform needs at least one MODULE.so");
    cz_registry *reg = NULL;
    cz_error err = {0};
    /* dsp modules are opened by name, so a registry helps but is optional */
    cz_registry_open(c->registry ? c->registry : cz_registry_default_path(), &reg, &err);
    int fails = 0;
    for (size_t i = 0; i < c->n_args; i++)
        fails += cz_conform(c->args[i], reg);
    cz_registry_free(reg);
    printf("%d failed check%s\n", fails, fails == 1 ? "" : "s");
    return fails ? CZ_EXIT_FAILED : 0;
}

static int cmd_analyze(cli *c)
{
    if (!c->n_args)
        return fail(CZ_EXIT_USAGE, "analyze needs at least one audio FILE");
    cz_bus *inputs = cz_bus_new();
    json_t *files = json_array();
    for (size_t i = 0; i < c->n_args; i++)
        json_array_append_new(files, json_string(c->args[i]));
    cz_bus_set_writer(inputs, "job", "cadenza", CZ_VERSION);
    cz_bus_put_json(inputs, "analyze.files", files);
    cz_bus_put_bool(inputs, "analyze.json", c->json);
    c->quiet = 1;
    c->out = NULL;
    int rc = run_job(c, "analyze", inputs, "analyze.text");
    cz_bus_free(inputs);
    return rc;
}

int cz_cli_main(int argc, char **argv)
{
    const char *env_log = getenv("CADENZA_LOG");
    if (env_log && !strcmp(env_log, "json"))
        cz_log_configure(CZ_LOG_WARN, CZ_LOGFMT_JSON, NULL);
    if (argc < 2)
        return usage(usage_main, stderr, CZ_EXIT_USAGE);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("cadenza %s (module ABI %u.%u)\n", CZ_VERSION, CZ_ABI_MAJOR, CZ_ABI_MINOR);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
        return usage(usage_main, stdout, CZ_EXIT_OK);
    static const struct {
        const char *name;
        const char *help;
        int (*fn)(cli *);
    } cmds[] = {{"run", NULL, cmd_run},           {"validate", NULL, cmd_validate},
                {"modules", NULL, cmd_modules},   {"inspect", NULL, cmd_inspect},
                {"registry", NULL, cmd_registry}, {"analyze", NULL, cmd_analyze},
                {"conform", NULL, cmd_conform}};
    const char *helps[] = {usage_run, usage_validate, usage_modules, usage_inspect, usage_registry, usage_analyze,
                           usage_conform};
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        if (strcmp(cmd, cmds[i].name))
            continue;
        cli c = {0};
        c.sets = calloc((size_t)argc, sizeof *c.sets);
        c.args = calloc((size_t)argc, sizeof *c.args);
        int done;
        int rc = c.sets && c.args ? parse(&c, argc - 2, argv + 2, helps[i], &done) : CZ_EXIT_IO;
        if (!rc && !done)
            rc = cmds[i].fn(&c);
        free(c.sets);
        free(c.args);
        return rc;
    }
    fprintf(stderr, "cadenza: unknown command '%s'\n\n", cmd);
    return usage(usage_main, stderr, CZ_EXIT_USAGE);
}
