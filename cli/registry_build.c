/*
 * cli/registry_build.c - `cadenza registry build`: scan module folders and
 * write the index the kernel resolves names against (kernel/registry.c).
 *
 * Building the index means running foreign code (each module's
 * constructors run at dlopen), so each file is inspected in a forked
 * child, as gst-plugin-scanner does: a module that crashes or hangs while
 * loading is reported and skipped, and the scan goes on.
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

#include "cli.h"

static json_t *ports_json(const cz_port *p)
{
    json_t *a = json_array();
    for (size_t i = 0; p && p[i].key; i++)
        json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:s}", "key", p[i].key, "type",
                                           cz_type_name(p[i].type), "required",
                                           (p[i].flags & CZ_PORT_REQUIRED) != 0, "doc",
                                           p[i].doc ? p[i].doc : ""));
    return a;
}

json_t *cz_desc_to_json(const cz_module_desc *d)
{
    json_t *opts = json_array();
    for (size_t i = 0; d->options && d->options[i].name; i++) {
        const cz_option *o = &d->options[i];
        char why[256];
        json_t *def = cz_option_default(o, why, sizeof why);
        json_t *j = json_pack("{s:s,s:s,s:o,s:s}", "name", o->name, "type", cz_opt_type_name(o->type),
                              "default", def ? def : json_null(), "doc", o->doc ? o->doc : "");
        if (o->flags & CZ_OPT_RANGED) {
            json_object_set_new(j, "min", json_real(o->min));
            json_object_set_new(j, "max", json_real(o->max));
        }
        if (o->type == CZ_OPT_ENUM) {
            json_t *c = json_array();
            for (size_t k = 0; o->choices[k]; k++)
                json_array_append_new(c, json_string(o->choices[k]));
            json_object_set_new(j, "choices", c);
        }
        if (o->flags & CZ_OPT_SECRET)
            json_object_set_new(j, "secret", json_true());
        json_array_append_new(opts, j);
    }
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "name", d->name, "kind",
                          cz_kind_name(d->kind), "version", d->version, "summary",
                          d->summary ? d->summary : "", "abi", abi, "reads", ports_json(d->reads),
                          "writes", ports_json(d->writes), "options", opts);
    if (d->kind == CZ_KIND_PROVIDER) {
        const cz_provider_vtable *vt = d->vtable;
        json_t *caps = json_array();
        for (size_t i = 0; vt->capabilities && vt->capabilities[i]; i++)
            json_array_append_new(caps, json_string(vt->capabilities[i]));
        json_object_set_new(j, "capabilities", caps);
    }
    return j;
}

/* ---- scanning ------------------------------------------------------------- */

/* In the child: load, describe, write JSON (or "!error") to fd. */
static void inspect_child(const char *path, int fd)
{
    alarm(10); /* a module that hangs in a constructor must not hang the scan */
    cz_module *m;
    cz_error err = {0};
    char *text;
    if (cz_module_load(path, &m, &err)) {
        text = cz_strfmt("!%s", err.msg);
    } else {
        json_t *j = cz_desc_to_json(&m->desc);
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
    }
    size_t n = text ? strlen(text) : 0, off = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    _exit(0);
}

static json_t *inspect(const char *path, char *why, size_t why_n)
{
    int fds[2];
    if (pipe(fds)) {
        snprintf(why, why_n, "pipe: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_n, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        close(fds[0]);
        inspect_child(path, fds[1]);
    }
    close(fds[1]);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(fds[0], buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    json_t *out = NULL;
    if (WIFSIGNALED(status)) {
        snprintf(why, why_n, "crashed while loading (signal %d%s)", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? ": hung for 10 s" : "");
    } else if (!buf || !len) {
        /* The child always reports; silence means it died on the way
         * (under a sanitizer a crash becomes an exit status). */
        snprintf(why, why_n, "crashed while loading (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else {
        buf[len] = 0;
        if (buf[0] == '!')
            snprintf(why, why_n, "%s", buf + 1);
        else if (!(out = json_loads(buf, 0, NULL)))
            snprintf(why, why_n, "unreadable description from the inspecting process");
    }
    free(buf);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cz_registry_build(const char *index_path, char *const *dirs, size_t n_dirs,
                      FILE *report, cz_error *err)
{
    json_t *mods = json_array();
    int count = 0;
    for (size_t di = 0; di < n_dirs; di++) {
        DIR *d = opendir(dirs[di]);
        if (!d) {
            json_decref(mods);
            return cz_err(err, CZ_EIO, "cannot read module folder '%s': %s", dirs[di], strerror(errno));
        }
        char **files = NULL;
        size_t nf = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
            size_t l = strlen(de->d_name);
            if (l > 3 && !strcmp(de->d_name + l - 3, ".so")) {
                char **nfl = realloc(files, (nf + 1) * sizeof *files);
                if (!nfl)
                    break;
                files = nfl;
                files[nf++] = cz_strfmt("%s/%s", dirs[di], de->d_name);
            }
        }
        closedir(d);
        qsort(files, nf, sizeof *files, cmp_str);
        for (size_t i = 0; i < nf; i++) {
            char why[CZ_ERROR_MAX + 64] = "";
            char real[PATH_MAX], hex[65];
            if (!realpath(files[i], real))
                snprintf(real, sizeof real, "%s", files[i]);
            json_t *j = inspect(real, why, sizeof why);
            if (!j) {
                fprintf(report, "skipped %s: %s\n", files[i], why);
                continue;
            }
            const char *name = json_string_value(json_object_get(j, "name"));
            int dup = 0;
            size_t k;
            json_t *e;
            json_array_foreach(mods, k, e)
                if (!strcmp(json_string_value(json_object_get(e, "name")), name))
                    dup = 1;
            struct stat st;
            if (dup || stat(real, &st) || cz_sha256_file(real, hex)) {
                fprintf(report, "skipped %s: %s\n", files[i],
                        dup ? "another file already provides this module name" : "cannot read file");
                json_decref(j);
                continue;
            }
            json_object_set_new(j, "path", json_string(real));
            json_object_set_new(j, "sha256", json_string(hex));
            json_object_set_new(j, "size", json_integer(st.st_size));
            json_object_set_new(j, "mtime", json_integer(st.st_mtime));
            json_array_append_new(mods, j);
            count++;
        }
        for (size_t i = 0; i < nf; i++)
            free(files[i]);
        free(files);
    }
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", CZ_ABI_MAJOR, CZ_ABI_MINOR);
    json_t *index = json_pack("{s:i,s:s,s:o}", "format", 1, "kernel_abi", abi, "modules", mods);
    char *tmp = cz_strfmt("%s.tmp", index_path);
    int rc = 0;
    if (!tmp || json_dump_file(index, tmp, JSON_INDENT(1) | JSON_SORT_KEYS) || rename(tmp, index_path))
        rc = cz_err(err, CZ_EIO, "cannot write the registry index '%s': %s", index_path, strerror(errno));
    if (rc && tmp)
        unlink(tmp);
    free(tmp);
    json_decref(index);
    return rc ? rc : count;
}

