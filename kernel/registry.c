/*
 * kernel/registry.c - the module index the kernel resolves names against.
 *
 * Like a package index (or GStreamer's registry cache), it lets the kernel
 * answer "what is provider.openai, where is it, what are its options"
 * without loading every module. Building it (cli/registry_build.c) runs
 * foreign code, so each file is inspected in a forked child.
 *
 * Each entry keeps the file's size, mtime and SHA-256. Resolving a name
 * compares size and mtime (cheap) and only then the hash, so a module
 * rebuilt since the index was written is caught with a message that says
 * to rebuild the index, instead of running code nobody indexed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"

struct cz_registry {
    char *path;
    json_t *index;   /* the parsed file */
    json_t *modules; /* borrowed: index["modules"] */
    struct loaded {
        char *name;
        cz_module *mod;
    } *loaded;
    size_t n_loaded;
};

const char *cz_registry_default_path(void)
{
    /* $CADENZA_REGISTRY; else, for a binary in PREFIX/bin, the installed
     * index (PREFIX/share/cadenza/registry) when PREFIX/lib/cadenza exists;
     * else the build tree's (build/../registry). */
    static char buf[PATH_MAX];
    const char *env = getenv("CADENZA_REGISTRY");
    if (env && *env)
        return env;
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 64);
    if (n <= 0)
        return "registry/index.json";
    buf[n] = 0;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(buf, '/');
        if (slash)
            *slash = 0;
    }
    size_t root = strlen(buf);
    strcat(buf, "/lib/cadenza/modules");
    int installed = access(buf, F_OK) == 0;
    buf[root] = 0;
    strcat(buf, installed ? "/share/cadenza/registry/index.json" : "/registry/index.json");
    return buf;
}

/* ---- resolving ------------------------------------------------------------- */

int cz_registry_open(const char *path, cz_registry **out, cz_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *index = json_load_file(path, 0, &je);
    if (!index) {
        if (access(path, F_OK))
            return cz_err(err, CZ_ENOTFOUND, "no module registry at '%s': run `cadenza registry build DIR` (or `make`), or set CADENZA_REGISTRY", path);
        return cz_err(err, CZ_EIO, "%s:%d:%d: the registry index is not valid JSON (%s); rebuild it with `cadenza registry build`",
                      path, je.line, je.column, je.text);
    }
    json_t *mods = json_object_get(index, "modules");
    if (!json_is_array(mods) || json_integer_value(json_object_get(index, "format")) != 1) {
        json_decref(index);
        return cz_err(err, CZ_EIO, "%s: not a Cadenza registry index (format 1); rebuild it with `cadenza registry build`", path);
    }
    cz_registry *r = calloc(1, sizeof *r);
    if (!r) {
        json_decref(index);
        return cz_err(err, CZ_ENOMEM, "out of memory");
    }
    r->path = cz_strdup(path);
    r->index = index;
    r->modules = mods;
    *out = r;
    return 0;
}

void cz_registry_free(cz_registry *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_loaded; i++) {
        free(r->loaded[i].name);
        cz_module_unref(r->loaded[i].mod);
    }
    free(r->loaded);
    json_decref(r->index);
    free(r->path);
    free(r);
}

size_t cz_registry_count(const cz_registry *r)
{
    return json_array_size(r->modules);
}

const json_t *cz_registry_entry_at(const cz_registry *r, size_t i)
{
    return json_array_get(r->modules, i);
}

const json_t *cz_registry_find(const cz_registry *r, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(r->modules, i, e) {
        const char *n = json_string_value(json_object_get(e, "name"));
        if (n && !strcmp(n, name))
            return e;
    }
    return NULL;
}

int cz_registry_load(cz_registry *r, const char *name, cz_module **out, cz_error *err)
{
    for (size_t i = 0; i < r->n_loaded; i++)
        if (!strcmp(r->loaded[i].name, name)) {
            cz_module_ref(r->loaded[i].mod);
            *out = r->loaded[i].mod;
            return 0;
        }
    const json_t *e = cz_registry_find(r, name);
    if (!e)
        return cz_err(err, CZ_ENOTFOUND, "no module named '%s' in the registry %s (see `cadenza modules`; rebuild with `cadenza registry build` if it is new)",
                      name, r->path);
    const char *path = json_string_value(json_object_get(e, "path"));
    struct stat st;
    if (!path || stat(path, &st))
        return cz_err(err, CZ_ENOTFOUND, "module %s: its file '%s' is gone; rebuild the index with `cadenza registry build`",
                      name, path ? path : "?");
    if (st.st_size != json_integer_value(json_object_get(e, "size")) ||
        st.st_mtime != json_integer_value(json_object_get(e, "mtime"))) {
        char hex[65];
        const char *want = json_string_value(json_object_get(e, "sha256"));
        if (cz_sha256_file(path, hex) || !want || strcmp(hex, want))
            return cz_err(err, CZ_EIO, "module %s: stale registry entry: '%s' changed since the index was built; run `cadenza registry build` (or `make`)",
                          name, path);
    }
    int rc = cz_module_load(path, out, err);
    if (rc)
        return rc;
    if (strcmp((*out)->desc.name, name)) {
        cz_err(err, CZ_EIO, "module %s: stale registry entry: '%s' now holds '%s'; run `cadenza registry build`",
               name, path, (*out)->desc.name);
        cz_module_unref(*out);
        *out = NULL;
        return CZ_EIO;
    }
    struct loaded *nl = realloc(r->loaded, (r->n_loaded + 1) * sizeof *nl);
    if (nl) {
        r->loaded = nl;
        r->loaded[r->n_loaded].name = cz_strdup(name);
        r->loaded[r->n_loaded++].mod = *out;
        cz_module_ref(*out);
    }
    return 0;
}
