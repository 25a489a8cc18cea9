/*
 * Pipelines: YAML errors at exact file:line:col, option validation against
 * module schemas, --set overrides, and the static port check. Every
 * expected message is what a user would read in their terminal.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

static char *index_path;
static cz_registry *reg;
static char *dir;

static void setup(void)
{
    static const char *const mods[] = {"writer", "reader", "string_reader", "variant_a", "variant_b",
                                       "variant_odd", "noop", "fail", NULL};
    reg = kit_open_registry(mods, &index_path);
    dir = kit_tmpdir();
}

static void teardown(void)
{
    kit_close_registry(reg, index_path);
    kit_rm(dir);
    free(dir);
}

/* Validate YAML text with --set assignments; returns diags (caller frees). */
static cz_diags check_text(const char *yaml, const char *const *sets)
{
    char *path = cz_strfmt("%s/p.yaml", dir);
    kit_write(path, yaml);
    cz_diags d = {0};
    cz_pipeline *p = cz_pipeline_load(path, &d);
    for (size_t i = 0; p && sets && sets[i]; i++)
        cz_pipeline_set(p, sets[i], &d);
    if (p) {
        cz_graph *g = cz_graph_build(p, reg, 0, NULL, &d);
        cz_graph_free(g);
    }
    free(path);
    return d;
}

static int has(const cz_diags *d, const char *where, const char *what)
{
    for (size_t i = 0; i < d->n; i++)
        if ((!where || strstr(d->msgs[i], where)) && strstr(d->msgs[i], what))
            return 1;
    return 0;
}

#define EXPECT(d, where, what) \
    ck_assert_msg(has(&(d), where, what), "expected '%s' ... '%s' in:\n%s", where ? where : "", what, \
                  (d).n ? (d).msgs[0] : "(no problems reported)")

START_TEST(a_good_pipeline_validates)
{
    cz_diags d = check_text("pipeline: ok\nseed: 1\nstages:\n"
                            "  - stage: a\n    module: test.writer\n    with: { value: 3, gain: 1 }\n"
                            "  - stage: b\n    module: test.reader\n",
                            NULL);
    ck_assert_msg(d.n == 0, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
}
END_TEST

START_TEST(yaml_syntax_error_has_line_and_column)
{
    cz_diags d = check_text("pipeline: x\nstages:\n  - stage: a\n    module: [unclosed\n", NULL);
    ck_assert_uint_eq(d.n, 1);
    EXPECT(d, "p.yaml:5:1:", "YAML syntax error");
    cz_diag_free(&d);
}
END_TEST

START_TEST(shape_errors_are_all_reported_with_locations)
{
    cz_diags d = check_text("pipeline: x\n"              /* 1 */
                            "colour: blue\n"             /* 2 */
                            "seed: -4\n"                 /* 3 */
                            "stages:\n"                  /* 4 */
                            "  - stage: a\n"             /* 5 */
                            "    module: test.writer\n"  /* 6 */
                            "    modul: oops\n"          /* 7 */
                            "  - stage: a\n"             /* 8 */
                            "    module: test.reader\n"  /* 9 */
                            "  - stage: c\n"             /* 10 */
                            "  - stage: d\n"             /* 11 */
                            "    module: NotAName\n",    /* 12 */
                            NULL);
    EXPECT(d, "p.yaml:2:1:", "unknown key 'colour' in the pipeline");
    EXPECT(d, "p.yaml:3:7:", "'seed' must be a whole number >= 0");
    EXPECT(d, "p.yaml:7:5:", "unknown key 'modul' in stage 1");
    EXPECT(d, "p.yaml:8:5:", "stage 'a' appears twice (first at line 5)");
    EXPECT(d, "p.yaml:10:5:", "stage 3 needs 'module:'");
    EXPECT(d, "p.yaml:12:13:", "'NotAName' is not a module name");
    cz_diag_free(&d);
}
END_TEST

START_TEST(options_are_checked_against_the_schema)
{
    cz_diags d = check_text("pipeline: x\nstages:\n"
                            "  - stage: a\n"
                            "    module: test.writer\n"
                            "    with:\n"
                            "      valeu: 3\n"        /* 6: typo */
                            "      value: 5000\n"     /* 7: range */
                            "      gain: loud\n"      /* 8: type */
                            "      loud: 1\n"         /* 9: bool */
                            "      mode: medium\n"    /* 10: enum */
                            "      tags: [1, x]\n"    /* 11: list item */
                            "      label:\n",         /* 12: empty */
                            NULL);
    EXPECT(d, "p.yaml:6:7:", "unknown option 'valeu' for module test.writer: did you mean 'value'?");
    EXPECT(d, "p.yaml:7:14:", "option 'value' of test.writer: 5000 is out of range: expected -1000 to 1000");
    EXPECT(d, "p.yaml:8:13:", "option 'gain' of test.writer: expected a number, got a string");
    EXPECT(d, "p.yaml:9:13:", "option 'loud' of test.writer: expected true or false, got an integer");
    EXPECT(d, "p.yaml:10:13:", "'medium' is not one of: fast, slow");
    EXPECT(d, "p.yaml:11:13:", "item 1 is an integer, expected a string");
    EXPECT(d, "p.yaml:12:7:", "option 'label' of test.writer has no value");
    ck_assert_uint_eq(d.n, 7);
    cz_diag_free(&d);
}
END_TEST

START_TEST(unknown_and_misplaced_modules)
{
    cz_diags d = check_text("pipeline: x\nstages:\n"
                            "  - stage: a\n    module: test.nothere\n"
                            "router: { module: test.noop }\n",
                            NULL);
    EXPECT(d, "p.yaml:4:13:", "no module named 'test.nothere' in the registry");
    EXPECT(d, "p.yaml:5:19:", "module test.noop is a stage module; 'router' needs a router module");
    cz_diag_free(&d);
}
END_TEST

START_TEST(set_overrides_are_validated_the_same_way)
{
    const char *yaml = "pipeline: x\nstages:\n  - stage: a\n    module: test.writer\n";
    const char *const good[] = {"a.value=9", "a.tags=[x, y]", NULL};
    cz_diags d = check_text(yaml, good);
    ck_assert_msg(d.n == 0, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
    const char *const bad[] = {"a.value=abc", "a.nope=1", "zzz.value=1", "novalue", NULL};
    d = check_text(yaml, bad);
    EXPECT(d, "--set a.value=abc", "expected an integer, got a string");
    EXPECT(d, "--set a.nope=1", "unknown option 'nope' for module test.writer");
    EXPECT(d, "--set zzz.value=1", "no stage, router, storage or provider called 'zzz'");
    EXPECT(d, "--set novalue", "expected TARGET.OPTION=VALUE");
    cz_diag_free(&d);
}
END_TEST

START_TEST(set_value_reaches_the_module)
{
    char *path = cz_strfmt("%s/p.yaml", dir);
    kit_write(path, "pipeline: x\nstages:\n  - stage: a\n    module: test.writer\n    with: {value: 1}\n");
    cz_diags d = {0};
    cz_pipeline *p = cz_pipeline_load(path, &d);
    cz_pipeline_set(p, "a.value=42", &d);
    cz_graph *g = cz_graph_build(p, reg, 1, NULL, &d);
    ck_assert_ptr_nonnull(g);
    cz_job_params jp = {0};
    cz_job_result res;
    ck_assert_int_eq(cz_job_run(g, &jp, &res), 0);
    int64_t v;
    cz_bus_get_int(res.bus, "test.value", &v);
    ck_assert_int_eq(v, 42);
    cz_job_result_free(&res);
    cz_graph_free(g);
    cz_diag_free(&d);
    free(path);
}
END_TEST

START_TEST(static_check_finds_missing_producer)
{
    cz_diags d = check_text("pipeline: x\nstages:\n  - stage: b\n    module: test.reader\n"
                            "  - stage: a\n    module: test.writer\n",
                            NULL);
    EXPECT(d, "p.yaml:4:13:", "stage 'b' (test.reader) reads 'test.value' (int), but no earlier stage writes it");
    cz_diag_free(&d);
}
END_TEST

START_TEST(static_check_finds_type_mismatch)
{
    cz_diags d = check_text("pipeline: x\nstages:\n  - stage: a\n    module: test.writer\n"
                            "  - stage: b\n    module: test.string_reader\n",
                            NULL);
    EXPECT(d, "p.yaml:6:13:", "reads 'test.value' as string, but stage 'a' writes it as int");
    cz_diag_free(&d);
}
END_TEST

START_TEST(static_check_finds_variant_port_mismatch)
{
    cz_diags d = check_text("pipeline: x\nstages:\n  - stage: v\n    variants:\n"
                            "      - { module: test.variant_a, weight: 1 }\n"
                            "      - { module: test.variant_odd, weight: 1 }\n",
                            NULL);
    EXPECT(d, "p.yaml:6:19:", "variant test.variant_odd of stage 'v' does not have the same ports as test.variant_a");
    cz_diag_free(&d);
    d = check_text("pipeline: x\nstages:\n  - stage: v\n    variants:\n"
                   "      - { module: test.variant_a, weight: 1 }\n"
                   "      - { module: test.variant_b, weight: 3 }\n",
                   NULL);
    ck_assert_msg(d.n == 0, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
}
END_TEST

START_TEST(hostile_yaml_is_refused_not_expanded)
{
    /* A billion-laughs alias bomb must be refused quickly. */
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    cz_diags d = check_text(bomb, NULL);
    EXPECT(d, "p.yaml", "alias bomb");
    cz_diag_free(&d);
    d = check_text("", NULL);
    EXPECT(d, "p.yaml:1:1:", "the file is empty");
    cz_diag_free(&d);
    d = check_text("- just\n- a list\n", NULL);
    EXPECT(d, "p.yaml:1:1:", "a pipeline must be a mapping");
    cz_diag_free(&d);
    d = check_text("pipeline: x\npipeline: y\nstages: []\n", NULL);
    EXPECT(d, "p.yaml:2:1:", "duplicate key 'pipeline'");
    cz_diag_free(&d);
}
END_TEST

START_TEST(declared_inputs_come_from_the_caller)
{
    const char *yaml = "pipeline: x\ninputs: {test.value: int}\nstages:\n  - stage: r\n    module: test.reader\n";
    cz_diags d = check_text(yaml, NULL); /* validate: the caller is not known */
    ck_assert_msg(d.n == 0, "%s", cz_diag_first(&d));
    cz_diag_free(&d);
    char *path = cz_strfmt("%s/p.yaml", dir);
    cz_pipeline *p = cz_pipeline_load(path, &d);
    cz_bus *empty = cz_bus_new();
    cz_graph *g = cz_graph_build(p, reg, 0, empty, &d);
    ck_assert_ptr_null(g);
    EXPECT(d, "p.yaml:2:10:", "the pipeline needs input 'test.value' (int) from its caller, which did not give it");
    cz_diag_free(&d);
    cz_bus_put_int(empty, "test.value", 4);
    p = cz_pipeline_load(path, &d);
    g = cz_graph_build(p, reg, 1, empty, &d);
    ck_assert_msg(g != NULL, "%s", cz_diag_first(&d));
    cz_graph_free(g);
    cz_bus_free(empty);
    free(path);
    d = check_text("pipeline: x\ninputs: {a.b: banana}\nstages:\n  - {stage: n, module: test.noop}\n", NULL);
    EXPECT(d, "p.yaml:2:10:", "input 'a.b' needs a type");
    cz_diag_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_good_pipeline_validates);
    tcase_add_test(tc, yaml_syntax_error_has_line_and_column);
    tcase_add_test(tc, shape_errors_are_all_reported_with_locations);
    tcase_add_test(tc, options_are_checked_against_the_schema);
    tcase_add_test(tc, unknown_and_misplaced_modules);
    tcase_add_test(tc, set_overrides_are_validated_the_same_way);
    tcase_add_test(tc, set_value_reaches_the_module);
    tcase_add_test(tc, static_check_finds_missing_producer);
    tcase_add_test(tc, static_check_finds_type_mismatch);
    tcase_add_test(tc, static_check_finds_variant_port_mismatch);
    tcase_add_test(tc, hostile_yaml_is_refused_not_expanded);
    tcase_add_test(tc, declared_inputs_come_from_the_caller);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
