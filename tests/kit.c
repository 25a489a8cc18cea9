/*
 * tests/kit.c - helpers for the kernel's unit tests (see kit.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../kernel/kernel.h"
#include "harness.h"
#include "kit.h"

char *kit_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    char *p = cz_strfmt("%s/cz-test-XXXXXX", t && *t ? t : "/tmp");
    if (!p || !mkdtemp(p))
        abort();
    chmod(p, 0755);
    return p;
}

void kit_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        abort();
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *data = czh_slurp(from, &n);
    FILE *f = fopen(to, "wb");
    if (!data || !f || fwrite(data, 1, n, f) != n || fclose(f))
        abort();
    free(data);
    chmod(to, 0755);
}

char *kit_registry(const char *const *names)
{
    char *dir = kit_tmpdir();
    for (size_t i = 0; names[i]; i++) {
        char *to = cz_strfmt("%s/%s.so", dir, names[i]);
        copy_file(czh_test_module_path(names[i]), to);
        free(to);
    }
    char *index = cz_strfmt("%s/index.json", dir);
    FILE *devnull = fopen("/dev/null", "w");
    cz_error err = {0};
    char *dirs[] = {dir};
    if (cz_registry_build(index, dirs, 1, devnull, &err) < 0)
        abort();
    fclose(devnull);
    free(dir);
    return index;
}

cz_registry *kit_open_registry(const char *const *names, char **index_path)
{
    *index_path = kit_registry(names);
    cz_registry *reg;
    cz_error err = {0};
    if (cz_registry_open(*index_path, &reg, &err))
        abort();
    return reg;
}

void kit_close_registry(cz_registry *reg, char *index_path)
{
    cz_registry_free(reg);
    char *slash = strrchr(index_path, '/');
    if (slash)
        *slash = 0;
    kit_rm(index_path);
    free(index_path);
}

void kit_rm(const char *path)
{
    cz_rmtree(path);
}
