/*
 * kernel/loader.c - load one module file and decide whether to trust it.
 *
 * Order matters: the descriptor's size and ABI version are read before
 * any other field, because a descriptor from another ABI may not even have
 * the other fields where we expect them. The descriptor is then copied into
 * a zeroed kernel-sized struct, so a module built against an older minor
 * (a shorter descriptor) reads as zeros in fields it never knew about.
 *
 * Refusals, each naming the file: writable by others (anyone could swap
 * the code we are about to run), dlopen failure (with dlerror), no entry
 * symbol, another ABI major, a newer ABI minor, a malformed descriptor.
 * RTLD_LOCAL keeps modules' symbols from leaking into each other;
 * RTLD_NOW surfaces missing symbols here, not mid-song.
 */
#include <dlfcn.h>
#include <libgen.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel.h"

static const char *const kind_names[CZ_KIND_COUNT] = {
    "none", "stage", "provider", "router", "storage", "transport", "dsp"};

const char *cz_kind_name(cz_kind k)
{
    return (unsigned)k < CZ_KIND_COUNT ? kind_names[k] : "invalid";
}

cz_kind cz_kind_parse(const char *s)
{
    for (int k = 1; s && k < CZ_KIND_COUNT; k++)
        if (!strcmp(s, kind_names[k]))
            return (cz_kind)k;
    return CZ_KIND_NONE;
}

/* The smallest descriptor ABI 1.0 ever had: up to and including vtable. */
#define DESC_MIN_SIZE (offsetof(cz_module_desc, vtable) + sizeof(void *))

static int semver_ok(const char *v)
{
    int parts = 0;
    while (v && *v) {
        if (*v < '0' || *v > '9')
            return 0;
        while (*v >= '0' && *v <= '9')
            v++;
        parts++;
        if (*v == '.' && parts < 3)
            v++;
        else if (*v == '-' || *v == '+')
            return parts == 3; /* pre-release / build suffix */
        else if (*v)
            return 0;
    }
    return parts == 3;
}

static int check_ports(const cz_module_desc *d, const cz_port *p, const char *which,
                       cz_error *err)
{
    for (size_t i = 0; p && p[i].key; i++) {
        if (!*p[i].key)
            return cz_err(err, CZ_EINVAL, "%s port %zu has an empty key", which, i);
        if (p[i].type <= CZ_TYPE_NONE || p[i].type >= CZ_TYPE_COUNT)
            return cz_err(err, CZ_EINVAL, "%s port '%s' has an unknown type (%d)", which,
                          p[i].key, (int)p[i].type);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p[j].key, p[i].key))
                return cz_err(err, CZ_EINVAL, "duplicate %s port key '%s'", which, p[i].key);
    }
    (void)d;
    return 0;
}

static int check_options(const cz_option *o, cz_error *err)
{
    for (size_t i = 0; o && o[i].name; i++) {
        const char *n = o[i].name;
        if (!*n || strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(n))
            return cz_err(err, CZ_EINVAL, "option name '%s' is not [a-z0-9_]+", n);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(o[j].name, n))
                return cz_err(err, CZ_EINVAL, "duplicate option '%s'", n);
        if (o[i].type <= CZ_OPT_NONE || o[i].type >= CZ_OPT_COUNT)
            return cz_err(err, CZ_EINVAL, "option '%s' has an unknown type (%d)", n, (int)o[i].type);
        if ((o[i].flags & CZ_OPT_RANGED) && !(o[i].min <= o[i].max))
            return cz_err(err, CZ_EINVAL, "option '%s' has min %g above max %g", n, o[i].min, o[i].max);
        if (o[i].type == CZ_OPT_ENUM && (!o[i].choices || !o[i].choices[0]))
            return cz_err(err, CZ_EINVAL, "enum option '%s' lists no choices", n);
        char why[256];
        json_t *def = cz_option_default(&o[i], why, sizeof why);
        if (!def)
            return cz_err(err, CZ_EINVAL, "option '%s' default: %s", n, why);
        json_decref(def);
    }
    return 0;
}

int cz_desc_check(const cz_module_desc *d, cz_error *err)
{
    if (!d->name || !*d->name)
        return cz_err(err, CZ_EINVAL, "descriptor has no name");
    if (!cz_valid_module_name(d->name))
        return cz_err(err, CZ_EINVAL, "module name '%s' is not of the form group.name ([a-z0-9_] words joined by dots)", d->name);
    if (!semver_ok(d->version))
        return cz_err(err, CZ_EINVAL, "module %s: version '%s' is not MAJOR.MINOR.PATCH", d->name,
                      d->version ? d->version : "(null)");
    if (d->kind <= CZ_KIND_NONE || d->kind >= CZ_KIND_COUNT)
        return cz_err(err, CZ_EINVAL, "module %s: unknown kind %d", d->name, (int)d->kind);
    if (d->kind == CZ_KIND_STAGE && !d->run)
        return cz_err(err, CZ_EINVAL, "module %s: a stage must have run()", d->name);
    if ((d->kind == CZ_KIND_PROVIDER || d->kind == CZ_KIND_ROUTER || d->kind == CZ_KIND_DSP) &&
        (!d->vtable || ((const uint32_t *)d->vtable)[0] < 2 * sizeof(uint32_t) + sizeof(void *)))
        return cz_err(err, CZ_EINVAL, "module %s: a %s module needs its method table (vtable)",
                      d->name, cz_kind_name(d->kind));
    cz_error sub = {0};
    if (check_ports(d, d->reads, "read", &sub) || check_ports(d, d->writes, "write", &sub) ||
        check_options(d->options, &sub))
        return cz_err(err, CZ_EINVAL, "module %s: %s", d->name, sub.msg);
    return 0;
}

static int writable_by_others(const char *path, char *what, size_t n)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
        snprintf(what, n, "file");
        return 1;
    }
    char *copy = cz_strdup(path);
    if (!copy)
        return 0;
    const char *dir = dirname(copy);
    int bad = stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX);
    if (bad)
        snprintf(what, n, "folder '%s'", dir);
    free(copy);
    return bad;
}

int cz_module_load(const char *path, cz_module **out, cz_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st))
        return cz_err(err, CZ_ENOTFOUND, "%s: no such module file", path);
    char what[512];
    if (writable_by_others(path, what, sizeof what))
        return cz_err(err, CZ_EPERM, "%s: refused: its %s is writable by others (chmod o-w)", path, what);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl)
        return cz_err(err, CZ_EIO, "%s: cannot load: %s", path, dlerror());
    const cz_module_desc *d = dlsym(dl, CZ_ENTRY_SYMBOL);
    if (!d) {
        dlclose(dl);
        return cz_err(err, CZ_EABI, "%s: not a Cadenza module: no '%s' symbol (use CZ_MODULE)", path,
                      CZ_ENTRY_SYMBOL);
    }
    /* Size and version first: nothing else is trusted before them. */
    uint32_t size = d->size;
    unsigned major = d->abi_major, minor = d->abi_minor;
    int rc = 0;
    if (major != CZ_ABI_MAJOR)
        rc = cz_err(err, CZ_EABI, "%s: built for ABI %u.%u, this kernel speaks ABI %u.%u: a different major version is incompatible; rebuild the module",
                    path, major, minor, CZ_ABI_MAJOR, CZ_ABI_MINOR);
    else if (minor > CZ_ABI_MINOR)
        rc = cz_err(err, CZ_EABI, "%s: built for ABI %u.%u, newer than this kernel's %u.%u: upgrade cadenza or rebuild the module against these headers",
                    path, major, minor, CZ_ABI_MAJOR, CZ_ABI_MINOR);
    else if (size < DESC_MIN_SIZE || size > (1u << 16))
        rc = cz_err(err, CZ_EABI, "%s: malformed descriptor: size %u (expected at least %zu)", path,
                    size, (size_t)DESC_MIN_SIZE);
    cz_module_desc copy;
    memset(&copy, 0, sizeof copy);
    if (!rc) {
        memcpy(&copy, d, size < sizeof copy ? size : sizeof copy);
        cz_error sub = {0};
        if (cz_desc_check(&copy, &sub))
            rc = cz_err(err, CZ_EINVAL, "%s: malformed descriptor: %s", path, sub.msg);
    }
    cz_module *m = rc ? NULL : calloc(1, sizeof *m);
    if (!rc && (!m || !(m->path = cz_strdup(path))))
        rc = cz_err(err, CZ_ENOMEM, "%s: out of memory", path);
    if (rc) {
        free(m);
        dlclose(dl);
        return rc;
    }
    m->dl = dl;
    m->desc = copy;
    m->refs = 1;
    *out = m;
    return 0;
}

void cz_module_ref(cz_module *m)
{
    if (m)
        __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

void cz_module_unref(cz_module *m)
{
    if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    dlclose(m->dl);
    free(m->path);
    free(m);
}
