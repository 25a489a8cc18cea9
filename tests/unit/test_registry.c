/*
 * Registry: a crashing module does not stop the scan, entries describe
 * modules fully, names resolve, and a changed file is caught as stale.
 */
#include <check.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

static void copy(const char *name, const char *dir)
{
    size_t n;
    char *data = czh_slurp(czh_test_module_path(name), &n);
    char *to = cz_strfmt("%s/%s.so", dir, name);
    FILE *f = fopen(to, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    chmod(to, 0755);
    free(to);
    free(data);
}

START_TEST(scan_survives_crashes_and_reports_refusals)
{
    char *dir = kit_tmpdir();
    copy("writer", dir);
    copy("crash_on_load", dir);
    copy("bad_major", dir);
    copy("reader", dir);
    char *index = cz_strfmt("%s/index.json", dir);
    char *report_path = cz_strfmt("%s/report.txt", dir);
    FILE *report = fopen(report_path, "w");
    cz_error err = {0};
    char *dirs[] = {dir};
    ck_assert_int_eq(cz_registry_build(index, dirs, 1, report, &err), 2);
    fclose(report);
    char *text = czh_slurp(report_path, NULL);
    ck_assert_msg(strstr(text, "crash_on_load.so: crashed while loading ("), "%s", text);
    ck_assert_msg(strstr(text, "bad_major.so") && strstr(text, "a different major version"), "%s", text);
    free(text);

    cz_registry *r;
    ck_assert_int_eq(cz_registry_open(index, &r, &err), 0);
    ck_assert_uint_eq(cz_registry_count(r), 2);
    const json_t *e = cz_registry_find(r, "test.writer");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(json_string_value(json_object_get(e, "kind")), "stage");
    ck_assert_str_eq(json_string_value(json_object_get(e, "version")), "1.2.3");
    ck_assert_str_eq(json_string_value(json_object_get(e, "abi")), "1.2");
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(e, "sha256"))), 64);
    const json_t *opt = json_array_get(json_object_get(e, "options"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(opt, "name")), "value");
    ck_assert_int_eq(json_integer_value(json_object_get(opt, "default")), 7);
    ck_assert(json_number_value(json_object_get(opt, "max")) == 1000);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(e, "writes"), 0), "key")),
                     "test.value");

    cz_module *m;
    ck_assert_int_eq(cz_registry_load(r, "test.writer", &m, &err), 0);
    cz_module_unref(m);
    ck_assert_int_eq(cz_registry_load(r, "test.nothing", &m, &err), CZ_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "no module named 'test.nothing'"), "%s", err.msg);
    cz_registry_free(r);

    /* Swap the reader's file for other code: the entry is stale. */
    char *victim = cz_strfmt("%s/reader.so", dir);
    size_t n;
    char *other = czh_slurp(czh_test_module_path("noop"), &n);
    unlink(victim); /* replace, never overwrite a .so in place */
    FILE *f = fopen(victim, "wb");
    fwrite(other, 1, n, f);
    fclose(f);
    chmod(victim, 0755);
    free(other);
    ck_assert_int_eq(cz_registry_open(index, &r, &err), 0);
    ck_assert_int_eq(cz_registry_load(r, "test.reader", &m, &err), CZ_EIO);
    ck_assert_msg(strstr(err.msg, "stale registry entry") && strstr(err.msg, "cadenza registry build"), "%s", err.msg);
    cz_registry_free(r);
    /* Touching without changing the content is not stale (hash matches). */
    FILE *devnull = fopen("/dev/null", "w");
    ck_assert_int_eq(cz_registry_build(index, dirs, 1, devnull, &err), 2);
    fclose(devnull);
    char *cmd = cz_strfmt("touch -d '2001-01-01' %s/writer.so", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(cz_registry_open(index, &r, &err), 0);
    ck_assert_msg(cz_registry_load(r, "test.writer", &m, &err) == 0, "%s", err.msg);
    cz_module_unref(m);
    cz_registry_free(r);
    free(cmd);
    free(victim);
    free(index);
    free(report_path);
    kit_rm(dir);
    free(dir);
}
END_TEST

START_TEST(missing_or_corrupt_index_says_what_to_do)
{
    cz_registry *r;
    cz_error err = {0};
    ck_assert_int_eq(cz_registry_open("/nonexistent/index.json", &r, &err), CZ_ENOTFOUND);
    ck_assert_msg(strstr(err.msg, "cadenza registry build"), "%s", err.msg);
    char *dir = kit_tmpdir();
    char *p = cz_strfmt("%s/index.json", dir);
    kit_write(p, "{\"format\": 1, \"modules\": [");
    ck_assert_int_eq(cz_registry_open(p, &r, &err), CZ_EIO);
    ck_assert_msg(strstr(err.msg, "not valid JSON"), "%s", err.msg);
    free(p);
    kit_rm(dir);
    free(dir);
}
END_TEST

START_TEST(sha256_matches_known_vectors)
{
    char *dir = kit_tmpdir();
    char *p = cz_strfmt("%s/f", dir);
    char hex[65];
    kit_write(p, "abc");
    cz_sha256_file(p, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    kit_write(p, "");
    cz_sha256_file(p, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    kit_write(p, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
    cz_sha256_file(p, hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    free(p);
    kit_rm(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, scan_survives_crashes_and_reports_refusals);
    tcase_add_test(tc, missing_or_corrupt_index_says_what_to_do);
    tcase_add_test(tc, sha256_matches_known_vectors);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
