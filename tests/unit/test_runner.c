/*
 * Runner: stage states and their order, the failure path, outputs that
 * appear only when a job succeeds, stage promises, and A/B assignment
 * (stable per key, distributed by weight).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

static char *index_path, *dir;
static cz_registry *reg;

static void setup(void)
{
    static const char *const mods[] = {"writer", "reader", "fail", "output", "variant_a", "variant_b",
                                       "liar", "noop", "audio_maker", "audio_taker", NULL};
    reg = kit_open_registry(mods, &index_path);
    dir = kit_tmpdir();
}

static void teardown(void)
{
    kit_close_registry(reg, index_path);
    kit_rm(dir);
    free(dir);
}

static cz_graph *graph(const char *yaml)
{
    char *path = cz_strfmt("%s/p.yaml", dir);
    kit_write(path, yaml);
    cz_diags d = {0};
    cz_pipeline *p = cz_pipeline_load(path, &d);
    cz_graph *g = p ? cz_graph_build(p, reg, 1, NULL, &d) : NULL;
    ck_assert_msg(g != NULL, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
    free(path);
    return g;
}

typedef struct log {
    char lines[32][96];
    int n;
} log_t;

static void record(const cz_stage_event *ev, void *user)
{
    log_t *l = user;
    if (l->n < 32)
        snprintf(l->lines[l->n++], 96, "%s:%s", ev->stage, cz_stage_state_name(ev->state));
}

START_TEST(stages_walk_pending_running_done)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: w, module: test.writer}\n"
                        "  - {stage: r, module: test.reader}\n");
    log_t l = {0};
    cz_job_params p = {.progress = record, .progress_user = &l, .seed = 5, .has_seed = 1};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    ck_assert_int_eq(l.n, 4);
    ck_assert_str_eq(l.lines[0], "w:running");
    ck_assert_str_eq(l.lines[1], "w:done");
    ck_assert_str_eq(l.lines[2], "r:running");
    ck_assert_str_eq(l.lines[3], "r:done");
    int64_t v;
    ck_assert_int_eq(cz_bus_get_int(res.bus, "test.doubled", &v), 0);
    ck_assert_int_eq(v, 14);
    ck_assert_int_eq(cz_bus_get_int(res.bus, "seed", &v), 0);
    ck_assert_int_eq(v, 5);
    /* The record the finalization stage will write into song.json. */
    ck_assert_uint_eq(json_array_size(res.stages), 2);
    json_t *w = json_array_get(res.stages, 0);
    ck_assert_str_eq(json_string_value(json_object_get(w, "state")), "done");
    ck_assert_str_eq(json_string_value(json_object_get(w, "module")), "test.writer");
    ck_assert_str_eq(json_string_value(json_object_get(w, "version")), "1.2.3");
    ck_assert_str_eq(json_string_value(json_object_get(w, "status")), "wrote 7");
    ck_assert(json_number_value(json_object_get(w, "elapsed_ms")) >= 0);
    cz_lineage lin;
    cz_bus_lineage(res.bus, "test.doubled", &lin);
    ck_assert_str_eq(lin.stage, "r");
    ck_assert_str_eq(lin.module, "test.reader");
    cz_job_result_free(&res);
    cz_graph_free(g);
}
END_TEST

START_TEST(a_failing_stage_stops_the_job_and_names_itself)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: w, module: test.writer}\n"
                        "  - {stage: boom, module: test.fail, with: {message: the mixer exploded}}\n"
                        "  - {stage: r, module: test.reader}\n"
                        "  - {stage: o, module: test.output}\n");
    log_t l = {0};
    char *out = cz_strfmt("%s/out", dir);
    cz_job_params p = {.progress = record, .progress_user = &l, .out_dir = out};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &p, &res), CZ_EINVAL);
    ck_assert_uint_eq(res.failed_stage, 1);
    ck_assert_str_eq(res.err.msg, "stage boom (test.fail) failed: the mixer exploded");
    ck_assert_str_eq(l.lines[3], "boom:failed");
    ck_assert_str_eq(l.lines[4], "r:skipped");
    ck_assert_str_eq(l.lines[5], "o:skipped");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(res.stages, 2), "state")), "skipped");
    /* Nothing half-written: the output folder we created is gone again. */
    ck_assert_int_ne(access(out, F_OK), 0);
    cz_job_result_free(&res);
    cz_graph_free(g);
    free(out);
}
END_TEST

START_TEST(outputs_appear_only_after_success)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: o, module: test.output, with: {file: a/b.txt, text: hi}}\n");
    char *out = cz_strfmt("%s/out", dir);
    cz_job_params p = {.out_dir = out};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    char *f = cz_strfmt("%s/a/b.txt", out);
    size_t n;
    char *text = czh_slurp(f, &n);
    ck_assert_str_eq(text, "hi");
    ck_assert_str_eq(json_string_value(json_array_get(res.files, 0)), "a/b.txt");
    free(text);
    free(f);
    cz_job_result_free(&res);
    cz_graph_free(g);
    /* No staging folder is left behind. */
    char *cmd = cz_strfmt("test -z \"$(ls -A %s | grep staging)\"", out);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
    free(out);
}
END_TEST

START_TEST(output_paths_cannot_escape)
{
    const char *bad[] = {"../x.txt", "/etc/x", "a/../../x", ".hidden", "a//b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *yaml = cz_strfmt("pipeline: t\nstages:\n  - {stage: o, module: test.output, with: {file: \"%s\"}}\n", bad[i]);
        cz_graph *g = graph(yaml);
        char *out = cz_strfmt("%s/out%zu", dir, i);
        cz_job_params p = {.out_dir = out};
        cz_job_result res;
        ck_assert_int_eq(cz_job_run(g, &p, &res), CZ_EINVAL);
        ck_assert_msg(strstr(res.err.msg, "refused"), "%s", res.err.msg);
        ck_assert_int_ne(access(out, F_OK), 0);
        cz_job_result_free(&res);
        cz_graph_free(g);
        free(out);
        free(yaml);
    }
}
END_TEST

START_TEST(a_stage_must_write_what_it_declares)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: l, module: test.liar}\n");
    cz_job_params p = {0};
    cz_job_result res;
    ck_assert_int_ne(cz_job_run(g, &p, &res), 0);
    ck_assert_msg(strstr(res.err.msg, "declares it writes 'test.promised' but did not write it"), "%s", res.err.msg);
    cz_job_result_free(&res);
    cz_graph_free(g);
}
END_TEST

START_TEST(values_no_later_stage_reads_are_released)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: w, module: test.writer}\n"
                        "  - {stage: n, module: test.noop}\n");
    cz_job_params p = {0};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    /* scalars stay (cheap, and the record of the job) */
    ck_assert_int_eq(cz_bus_type(res.bus, "test.value"), CZ_TYPE_INT);
    ck_assert_int_eq(cz_bus_type(res.bus, "job.stages"), CZ_TYPE_JSON);
    /* a JSON value nobody reads later is gone... */
    ck_assert_int_eq(cz_bus_type(res.bus, "test.json"), CZ_TYPE_NONE);
    cz_job_result_free(&res);
    /* ...unless the caller keeps everything (checkpoints, --save-bus) */
    p.keep_all = 1;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    ck_assert_int_eq(cz_bus_type(res.bus, "test.json"), CZ_TYPE_JSON);
    cz_job_result_free(&res);
    cz_graph_free(g);
}
END_TEST

START_TEST(variant_choice_is_stable_and_follows_weights)
{
    double w[2] = {25, 75};
    int counts[2] = {0, 0};
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "user-%d", i);
        size_t a = cz_variant_pick("pop", "production", key, w, 2, NULL);
        size_t b = cz_variant_pick("pop", "production", key, w, 2, NULL);
        ck_assert_uint_eq(a, b); /* stable for a key */
        counts[a]++;
    }
    /* 25% +- 1.5% over 20,000 keys (binomial sd is 0.3%). */
    double share = counts[0] / 20000.0;
    ck_assert_msg(fabs(share - 0.25) < 0.015, "variant A got %.3f of jobs, expected 0.25", share);
    /* Another stage hashes independently of this one. */
    int same = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "user-%d", i);
        double e[2] = {50, 50};
        same += cz_variant_pick("pop", "mixing", key, e, 2, NULL) ==
                cz_variant_pick("pop", "mastering", key, e, 2, NULL);
    }
    ck_assert_msg(same > 850 && same < 1150, "stages correlated: %d/2000 equal", same);
}
END_TEST

START_TEST(variant_choice_is_recorded_on_the_bus)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - stage: v\n    variants:\n"
                        "      - {module: test.variant_a, weight: 1}\n      - {module: test.variant_b, weight: 1}\n");
    int seen[2] = {0, 0};
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cz_job_params p = {.key = key};
        cz_job_result res;
        ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
        const char *ran;
        const json_t *ab;
        cz_bus_get_string(res.bus, "test.variant", &ran);
        ck_assert_int_eq(cz_bus_get_json(res.bus, "ab.v", &ab), 0);
        const char *mod = json_string_value(json_object_get(ab, "module"));
        ck_assert_str_eq(mod + strlen(mod) - 1, ran);
        int idx = (int)json_integer_value(json_object_get(ab, "index"));
        seen[idx]++;
        ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(res.stages, 0), "variant")), idx);
        cz_job_result_free(&res);
    }
    ck_assert(seen[0] > 5 && seen[1] > 5);
    cz_graph_free(g);
}
END_TEST

START_TEST(same_seed_same_key_default)
{
    cz_graph *g = graph("pipeline: t\nstages:\n  - {stage: n, module: test.noop}\n");
    const char *k1, *k2, *k3;
    cz_job_params p = {.prompt = "a song", .seed = 9, .has_seed = 1};
    cz_job_result r1, r2, r3;
    cz_job_run(g, &p, &r1);
    cz_job_run(g, &p, &r2);
    p.seed = 10;
    cz_job_run(g, &p, &r3);
    cz_bus_get_string(r1.bus, "job.key", &k1);
    cz_bus_get_string(r2.bus, "job.key", &k2);
    cz_bus_get_string(r3.bus, "job.key", &k3);
    ck_assert_str_eq(k1, k2);
    ck_assert_str_ne(k1, k3);
    cz_job_result_free(&r1);
    cz_job_result_free(&r2);
    cz_job_result_free(&r3);
    cz_graph_free(g);
}
END_TEST

START_TEST(the_last_reader_takes_audio_in_place)
{
    const char *yaml = "pipeline: t\nstages:\n  - {stage: m, module: test.audio_maker}\n"
                       "  - {stage: t, module: test.audio_taker}\n";
    cz_graph *g = graph(yaml);
    cz_job_params p = {0};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    int in_place = 0;
    cz_bus_get_bool(res.bus, "test.in_place", &in_place);
    ck_assert_msg(in_place, "the last reader had to copy");
    ck_assert_int_eq(cz_bus_type(res.bus, "test.audio"), CZ_TYPE_NONE); /* moved, not copied */
    double first;
    cz_bus_get_float(res.bus, "test.first", &first);
    ck_assert(first == 0.75);
    cz_job_result_free(&res);
    /* When values are kept (checkpoints, --save-bus) the original survives
     * untouched and the taker works on a copy. */
    p.keep_all = 1;
    ck_assert_int_eq(cz_job_run(g, &p, &res), 0);
    cz_bus_get_bool(res.bus, "test.in_place", &in_place);
    ck_assert(!in_place);
    const cz_audio *orig;
    ck_assert_int_eq(cz_bus_get_audio(res.bus, "test.audio", &orig), 0);
    ck_assert(orig->samples[0] == 0.25f && cz_audio_stem(orig, "x")->samples[0] == 0.125f);
    const cz_audio *d;
    cz_bus_get_audio(res.bus, "test.doubled_audio", &d);
    ck_assert(d->samples[0] == 0.5f && cz_audio_stem(d, "x")->samples[0] == 0.25f);
    cz_job_result_free(&res);
    cz_graph_free(g);
}
END_TEST

/* test.audio_taker says it was built against ABI 1.0 and touches the
 * stems' samples directly: the host brings spooled stems into memory for
 * it, so an old module keeps working with a new producer. */
START_TEST(modules_built_before_spooling_get_audio_in_memory)
{
    const char *yaml = "pipeline: t\nstages:\n"
                       "  - {stage: m, module: test.audio_maker, with: {spooled: true}}\n"
                       "  - {stage: t, module: test.audio_taker}\n";
    cz_graph *g = graph(yaml);
    cz_job_params p = {0};
    cz_job_result res;
    ck_assert_msg(cz_job_run(g, &p, &res) == 0, "%s", res.err.msg);
    double first = 0;
    cz_bus_get_float(res.bus, "test.first", &first);
    ck_assert(first == 0.75); /* 2 x 0.25 + 2 x 0.125, read from the stem itself */
    cz_job_result_free(&res);
    cz_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("runner");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, stages_walk_pending_running_done);
    tcase_add_test(tc, a_failing_stage_stops_the_job_and_names_itself);
    tcase_add_test(tc, outputs_appear_only_after_success);
    tcase_add_test(tc, output_paths_cannot_escape);
    tcase_add_test(tc, a_stage_must_write_what_it_declares);
    tcase_add_test(tc, values_no_later_stage_reads_are_released);
    tcase_add_test(tc, variant_choice_is_stable_and_follows_weights);
    tcase_add_test(tc, variant_choice_is_recorded_on_the_bus);
    tcase_add_test(tc, same_seed_same_key_default);
    tcase_add_test(tc, the_last_reader_takes_audio_in_place);
    tcase_add_test(tc, modules_built_before_spooling_get_audio_in_memory);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
