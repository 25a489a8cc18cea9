/*
 * Loader: what it accepts, what it refuses and that every refusal names the
 * file and the reason. Also pins the descriptor's layout, so an ABI change
 * cannot slip in without a test (and an ABI version bump) noticing.
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

static int load(const char *name, cz_module **m, cz_error *err)
{
    return cz_module_load(czh_test_module_path(name), m, err);
}

#define REFUSED(name, code, needle)                                              \
    do {                                                                         \
        cz_module *m_ = NULL;                                                    \
        cz_error e_ = {0};                                                       \
        ck_assert_int_eq(load(name, &m_, &e_), code);                            \
        ck_assert_ptr_null(m_);                                                  \
        ck_assert_msg(strstr(e_.msg, needle), "message '%s' lacks '%s'", e_.msg, needle); \
        ck_assert_msg(strstr(e_.msg, name ".so"), "message '%s' names no file", e_.msg); \
    } while (0)

START_TEST(accepts_a_good_module)
{
    cz_module *m;
    cz_error err = {0};
    ck_assert_msg(load("writer", &m, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(m->desc.name, "test.writer");
    ck_assert_str_eq(m->desc.version, "1.2.3");
    ck_assert_int_eq(m->desc.kind, CZ_KIND_STAGE);
    ck_assert_int_eq(m->desc.abi_major, CZ_ABI_MAJOR);
    ck_assert_uint_eq(m->desc.size, sizeof(cz_module_desc));
    cz_module_unref(m);
}
END_TEST

START_TEST(refuses_other_abi_major)
{
    REFUSED("bad_major", CZ_EABI, "a different major version");
}
END_TEST

START_TEST(refuses_newer_abi_minor)
{
    REFUSED("bad_minor", CZ_EABI, "newer than this kernel");
}
END_TEST

START_TEST(refuses_missing_entry_symbol)
{
    REFUSED("no_symbol", CZ_EABI, "no 'cadenza_module_v1' symbol");
}
END_TEST

START_TEST(refuses_malformed_descriptors)
{
    REFUSED("bad_name", CZ_EINVAL, "has no name");
    REFUSED("bad_kind", CZ_EINVAL, "unknown kind 42");
    REFUSED("dup_port", CZ_EINVAL, "duplicate read port key 'a.b'");
    REFUSED("bad_default", CZ_EINVAL, "option 'level' default: 11 is out of range");
}
END_TEST

START_TEST(refuses_files_and_folders_writable_by_others)
{
    char *dir = kit_tmpdir();
    char *to = cz_strfmt("%s/writer.so", dir);
    size_t n;
    char *data = czh_slurp(czh_test_module_path("writer"), &n);
    FILE *f = fopen(to, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
    cz_module *m = NULL;
    cz_error err = {0};
    chmod(to, 0757);
    ck_assert_int_eq(cz_module_load(to, &m, &err), CZ_EPERM);
    ck_assert_msg(strstr(err.msg, "writable by others") && strstr(err.msg, to), "%s", err.msg);
    chmod(to, 0755);
    chmod(dir, 0777);
    ck_assert_int_eq(cz_module_load(to, &m, &err), CZ_EPERM);
    ck_assert_msg(strstr(err.msg, "folder"), "%s", err.msg);
    chmod(dir, 0755);
    ck_assert_int_eq(cz_module_load(to, &m, &err), 0);
    cz_module_unref(m);
    ck_assert_int_eq(cz_module_load("/nonexistent/x.so", &m, &err), CZ_ENOTFOUND);
    kit_rm(dir);
    free(dir);
    free(to);
}
END_TEST

START_TEST(two_instances_of_one_module_coexist)
{
    cz_error err = {0};
    czh *a = czh_new(czh_test_module_path("writer"), "{\"value\": 1}", &err);
    czh *b = czh_new(czh_test_module_path("writer"), "{\"value\": 2}", &err);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(czh_run(a, 1, &err), 0);
    ck_assert_int_eq(czh_run(b, 1, &err), 0);
    int64_t v, runs;
    cz_bus_get_int(czh_bus(a), "test.value", &v);
    cz_bus_get_int(czh_bus(a), "test.runs", &runs);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(runs, 3);
    cz_bus_get_int(czh_bus(b), "test.value", &v);
    cz_bus_get_int(czh_bus(b), "test.runs", &runs);
    ck_assert_int_eq(v, 2);
    ck_assert_int_eq(runs, 1);
    czh_free(a);
    czh_free(b);
}
END_TEST

/* The ABI, pinned. Changing any of these is an ABI change: bump
 * CZ_ABI_MAJOR (layout changed) or CZ_ABI_MINOR (fields appended), then
 * update the numbers here on purpose. x86_64 / aarch64 LP64 figures. */
START_TEST(descriptor_layout_is_pinned)
{
    ck_assert_int_eq(CZ_ABI_MAJOR, 1);
    ck_assert_int_eq(CZ_ABI_MINOR, 2);
    ck_assert_str_eq(CZ_ENTRY_SYMBOL, "cadenza_module_v1");
    ck_assert_uint_eq(sizeof(cz_module_desc), 104);
    ck_assert_uint_eq(offsetof(cz_module_desc, size), 0);
    ck_assert_uint_eq(offsetof(cz_module_desc, abi_major), 4);
    ck_assert_uint_eq(offsetof(cz_module_desc, abi_minor), 6);
    ck_assert_uint_eq(offsetof(cz_module_desc, name), 8);
    ck_assert_uint_eq(offsetof(cz_module_desc, version), 16);
    ck_assert_uint_eq(offsetof(cz_module_desc, kind), 24);
    ck_assert_uint_eq(offsetof(cz_module_desc, summary), 32);
    ck_assert_uint_eq(offsetof(cz_module_desc, reads), 40);
    ck_assert_uint_eq(offsetof(cz_module_desc, writes), 48);
    ck_assert_uint_eq(offsetof(cz_module_desc, options), 56);
    ck_assert_uint_eq(offsetof(cz_module_desc, init), 64);
    ck_assert_uint_eq(offsetof(cz_module_desc, run), 72);
    ck_assert_uint_eq(offsetof(cz_module_desc, fini), 80);
    ck_assert_uint_eq(offsetof(cz_module_desc, vtable), 88);
    ck_assert_uint_eq(offsetof(cz_module_desc, requests), 96);
    ck_assert_uint_eq(sizeof(cz_port), 24);
    ck_assert_uint_eq(sizeof(cz_option), 64);
    ck_assert_uint_eq(offsetof(cz_option, choices), 56);
    ck_assert_uint_eq(sizeof(cz_init), 32);
    ck_assert_uint_eq(sizeof(cz_error), 516);
    ck_assert_uint_eq(sizeof(cz_note), 12);
    ck_assert_uint_eq(sizeof(cz_track), 64);
    ck_assert_uint_eq(sizeof(cz_section), 36);
    ck_assert_uint_eq(sizeof(cz_chord), 40);
    ck_assert_uint_eq(sizeof(cz_score), 88);
    ck_assert_uint_eq(sizeof(cz_audio), 48);
    ck_assert_uint_eq(offsetof(cz_audio, spool_fd), 44); /* 1.1: in what was padding */
    ck_assert_uint_eq(sizeof(cz_stem), 40);
    ck_assert_uint_eq(sizeof(cz_provider_vtable), 24);
    ck_assert_uint_eq(sizeof(cz_router_vtable), 16);
    ck_assert_uint_eq(sizeof(cz_dsp_vtable), 16);
    ck_assert_uint_eq(sizeof(cz_reply), 72);
    ck_assert_int_eq(CZ_TYPE_BLOB, 8);
    ck_assert_int_eq(CZ_KIND_DSP, 6);
    ck_assert_int_eq(CZ_OPT_JSON, 8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("loader");
    tcase_add_test(tc, accepts_a_good_module);
    tcase_add_test(tc, refuses_other_abi_major);
    tcase_add_test(tc, refuses_newer_abi_minor);
    tcase_add_test(tc, refuses_missing_entry_symbol);
    tcase_add_test(tc, refuses_malformed_descriptors);
    tcase_add_test(tc, refuses_files_and_folders_writable_by_others);
    tcase_add_test(tc, two_instances_of_one_module_coexist);
    tcase_add_test(tc, descriptor_layout_is_pinned);
    suite_add_tcase(s, tc);
    return czh_run_suite(s);
}
