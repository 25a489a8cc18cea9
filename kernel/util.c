/*
 * kernel/util.c - the few helpers the kernel needs and libc lacks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"

char *cz_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *cz_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

double cz_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int cz_mkdirs(const char *path, cz_error *err)
{
    char buf[4096];
    if (!path || !*path || strlen(path) >= sizeof buf)
        return cz_err(err, CZ_EINVAL, "invalid folder path '%s'", path ? path : "");
    strcpy(buf, path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) && errno != EEXIST)
                return cz_err(err, CZ_EIO, "cannot create folder '%s': %s", buf, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(path, &st) || !S_ISDIR(st.st_mode))
        return cz_err(err, CZ_EIO, "'%s' exists and is not a folder", path);
    return 0;
}

int cz_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *sub = cz_strfmt("%s/%s", path, de->d_name);
        if (!sub || cz_rmtree(sub))
            rc = -1;
        free(sub);
    }
    closedir(d);
    return rmdir(path) ? -1 : rc;
}

/* "group.impl": lower-case words joined by dots, at least two of them. */
int cz_valid_module_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    int dots = 0, run = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (!run)
                return 0;
            dots++;
            run = 0;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_') {
            run++;
        } else {
            return 0;
        }
    }
    return dots >= 1 && run > 0;
}
