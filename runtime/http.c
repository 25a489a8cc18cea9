/*
 * runtime/http.c - the SDK's HTTP client (http.h), on libcurl.
 *
 * One cz_http per provider instance. It keeps a small pool of curl easy
 * handles: a request borrows one (each handle keeps its own live
 * connections, so consecutive requests from a thread reuse the socket:
 * keep-alive), and gives it back afterwards. The pool is the only shared
 * state and is guarded by one mutex, held only to push or pop a handle.
 *
 * Failures are classified here, once, for every provider: what a router
 * may retry (connect failures, 408/425/429/5xx, cut streams, timeouts)
 * and what it must not (401/403, other 4xx). Messages name the method and
 * the URL without its query string, and every secret the request carried
 * (the auth value, secret-named headers, `redact`) is replaced by "***" in
 * them, so a server echoing a key back cannot leak it either.
 *
 * The SSE parser follows the WHATWG event-stream rules and is a push
 * parser, so chunk boundaries (even inside a CRLF) do not matter. A stream
 * that stops inside an event (a partial line, or fields without the blank
 * line that dispatches them) is reported as CZ_ERETRY: the peer was cut
 * off, and the answer is incomplete.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <strings.h>
#include <time.h>

#include <math.h>

#include "runtime.h"

#define POOL_MAX 8
#define DEFAULT_MAX_BYTES (256ull << 20)
#define DEFAULT_CONNECT_MS 10000L
#define MAX_SECRETS 8

struct cz_http {
    pthread_mutex_t lock;
    CURL *idle[POOL_MAX];
    int n_idle;
    char who[64];
};

/* ---- time ---------------------------------------------------------------- */

double cz_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cz_sleep_ms(cz_job *job, double ms)
{
    double end = cz_clock_ms() + ms;
    for (;;) {
        if (job && cz_job_cancelled(job))
            return CZ_ECANCELED;
        double left = end - cz_clock_ms();
        if (left <= 0)
            return 0;
        if (left > 20)
            left = 20; /* wake often enough to notice a cancel */
        struct timespec ts = {(time_t)(left / 1000), (long)(fmod(left, 1000.0) * 1e6)};
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
    }
}

/* ---- Server-Sent Events ---------------------------------------------------- */

struct cz_sse {
    cz_sse_fn fn;
    void *user;
    char *line, *data;
    size_t line_len, line_cap, data_len, data_cap;
    char event[128];
    char id[256];
    int in_event; /* a field line since the last dispatch */
    int last_cr;  /* the previous byte was CR: a following LF ends nothing */
    int stopped;  /* the callback's code once it stopped the stream */
    uint32_t events;
};

cz_sse *cz_sse_new(cz_sse_fn fn, void *user)
{
    cz_sse *p = calloc(1, sizeof *p);
    if (p) {
        p->fn = fn;
        p->user = user;
    }
    return p;
}

void cz_sse_free(cz_sse *p)
{
    if (!p)
        return;
    free(p->line);
    free(p->data);
    free(p);
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (nc < *len + n + 1)
            nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return CZ_ENOMEM;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = 0;
    return 0;
}

static int sse_dispatch(cz_sse *p)
{
    int rc = 0;
    if (p->data_len) {
        p->data[--p->data_len] = 0; /* the last data line's "\n" */
        cz_sse_event ev = {p->event[0] ? p->event : "message", p->data, p->data_len, p->id};
        p->events++;
        rc = p->fn ? p->fn(p->user, &ev) : 0;
    }
    p->data_len = 0;
    if (p->data)
        p->data[0] = 0;
    p->event[0] = 0;
    p->in_event = 0;
    return rc;
}

static int sse_line(cz_sse *p, const char *s, size_t n)
{
    if (!n)
        return sse_dispatch(p);
    if (s[0] == ':')
        return 0; /* a comment (keep-alive pings) */
    p->in_event = 1;
    const char *colon = memchr(s, ':', n);
    size_t fl = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vl = (size_t)(s + n - v);
    if (vl && *v == ' ') {
        v++;
        vl--;
    }
    if (fl == 4 && !memcmp(s, "data", 4)) {
        int rc = append(&p->data, &p->data_len, &p->data_cap, v, vl);
        return rc ? rc : append(&p->data, &p->data_len, &p->data_cap, "\n", 1);
    }
    if (fl == 5 && !memcmp(s, "event", 5)) {
        size_t k = vl < sizeof p->event - 1 ? vl : sizeof p->event - 1;
        memcpy(p->event, v, k);
        p->event[k] = 0;
    } else if (fl == 2 && !memcmp(s, "id", 2) && !memchr(v, 0, vl)) {
        size_t k = vl < sizeof p->id - 1 ? vl : sizeof p->id - 1;
        memcpy(p->id, v, k);
        p->id[k] = 0;
    }
    /* "retry" and unknown fields are ignored, as the standard says */
    return 0;
}

int cz_sse_feed(cz_sse *p, const char *data, size_t n)
{
    if (p->stopped)
        return p->stopped;
    size_t i = 0;
    while (i < n) {
        if (p->last_cr && data[i] == '\n') { /* the LF of a CRLF split across chunks */
            p->last_cr = 0;
            i++;
            continue;
        }
        p->last_cr = 0;
        size_t j = i;
        while (j < n && data[j] != '\n' && data[j] != '\r')
            j++;
        int rc = 0;
        if (j > i)
            rc = append(&p->line, &p->line_len, &p->line_cap, data + i, j - i);
        if (rc)
            return p->stopped = rc;
        if (j == n)
            break; /* the line continues in the next chunk */
        p->last_cr = data[j] == '\r';
        if (j + 1 < n && data[j] == '\r' && data[j + 1] == '\n') {
            j++;
            p->last_cr = 0;
        }
        rc = sse_line(p, p->line ? p->line : "", p->line_len);
        p->line_len = 0;
        if (rc)
            return p->stopped = rc;
        i = j + 1;
    }
    return 0;
}

int cz_sse_finish(cz_sse *p)
{
    if (p->stopped)
        return p->stopped;
    return p->line_len || p->in_event ? CZ_ERETRY : 0;
}

/* ---- small helpers ----------------------------------------------------------- */

int cz_http_status_class(int status)
{
    if (status >= 200 && status < 300)
        return 0;
    if (status == 401 || status == 403)
        return CZ_EPERM;
    if (status == 408 || status == 425 || status == 429)
        return CZ_ERETRY;
    if (status == 501 || status == 505)
        return CZ_EINVAL; /* the server will never do this */
    if (status >= 500 && status < 600)
        return CZ_ERETRY;
    if (status >= 400 && status < 500)
        return CZ_EINVAL;
    return CZ_EPROTO;
}

int cz_http_retry_after_ms(const char *value, int64_t now_s)
{
    if (!value)
        return -1;
    while (isspace((unsigned char)*value))
        value++;
    if (!*value)
        return -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        errno = 0;
        long long s = strtoll(value, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || errno)
            return -1;
        return s > INT_MAX / 1000 ? INT_MAX : (int)(s * 1000);
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t - now_s;
    if (d <= 0)
        return 0;
    return d > INT_MAX / 1000 ? INT_MAX : (int)(d * 1000);
}

static void printable(const char *s, size_t len, char *out, size_t n)
{
    size_t k = 0;
    int space = 1;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f) { /* runs of blanks and controls: one space */
            if (!space)
                out[k++] = ' ';
            space = 1;
            continue;
        }
        out[k++] = (char)c;
        space = 0;
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = 0;
}

void cz_http_error_text(const char *body, size_t len, char *out, size_t n)
{
    if (!n)
        return;
    out[0] = 0;
    if (!body || !len)
        return;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *msg = NULL;
    if (json_is_object(j)) {
        json_t *e = json_object_get(j, "error");
        if (json_is_object(e))
            msg = json_string_value(json_object_get(e, "message"));
        else if (json_is_string(e))
            msg = json_string_value(e);
        json_t *d = json_object_get(j, "detail");
        if (!msg && json_is_string(d))
            msg = json_string_value(d);
        if (!msg && json_is_array(d))
            msg = json_string_value(json_object_get(json_array_get(d, 0), "msg"));
        if (!msg)
            msg = json_string_value(json_object_get(j, "message"));
    }
    if (msg)
        printable(msg, strlen(msg), out, n);
    else
        printable(body, len, out, n > 161 ? 161 : n);
    json_decref(j);
}

int cz_http_url(char *buf, size_t size, const char *base, const char *path)
{
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    while (*path == '/')
        path++;
    int n = snprintf(buf, size, "%.*s/%s", (int)bl, base, path);
    return n < 0 || (size_t)n >= size ? CZ_EINVAL : 0;
}

int cz_http_escape(char *buf, size_t size, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            if (k + 1 >= size)
                return CZ_EINVAL;
            buf[k++] = (char)c;
        } else {
            if (k + 3 >= size)
                return CZ_EINVAL;
            buf[k++] = '%';
            buf[k++] = hex[c >> 4];
            buf[k++] = hex[c & 15];
        }
    }
    if (k >= size)
        return CZ_EINVAL;
    buf[k] = 0;
    return 0;
}

/* Length of "scheme://host:port" in url, with the default port spelt out
 * in *port; 0 when url has no scheme. */
static size_t origin_len(const char *url, int *port)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    const char *host = p + 3;
    size_t n = (size_t)(host - url) + strcspn(host, "/?#");
    const char *at = memchr(host, '@', n - (size_t)(host - url));
    const char *colon = memchr(at ? at : host, ':', n - (size_t)((at ? at : host) - url));
    *port = colon ? atoi(colon + 1) : !strncasecmp(url, "https", 5) ? 443 : 80;
    return colon ? (size_t)(colon - url) : n;
}

int cz_http_same_origin(const char *a, const char *b)
{
    int pa, pb;
    size_t la = origin_len(a, &pa), lb = origin_len(b, &pb);
    return la && la == lb && pa == pb && !strncasecmp(a, b, la);
}

/* The URL for messages: no user:password@, no query, no fragment. */
static void url_for_humans(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    size_t k = 0;
    if (p) {
        size_t scheme = (size_t)(p - url) + 3;
        const char *host = url + scheme;
        const char *slash = host + strcspn(host, "/?#");
        const char *at = memchr(host, '@', (size_t)(slash - host));
        k = (size_t)snprintf(out, n, "%.*s", (int)scheme, url);
        if (at)
            host = at + 1;
        url = host;
    }
    if (k < n)
        snprintf(out + k, n - k, "%.*s", (int)strcspn(url, "?#"), url);
}

void cz_redact(char *s, const char *secret)
{
    size_t sl = secret ? strlen(secret) : 0;
    if (!s || sl < 4)
        return; /* too short to be a key; masking it would mangle text */
    char *hit;
    while ((hit = strstr(s, secret))) {
        memcpy(hit, "***", 3);
        memmove(hit + 3, hit + sl, strlen(hit + sl) + 1);
    }
}

static void redact(char *s, const char *const *secrets, int n)
{
    for (int i = 0; i < n; i++)
        cz_redact(s, secrets[i]);
}

static int secret_header(const char *line, size_t name_len)
{
    static const char *const names[] = {"authorization", "proxy-authorization", "x-api-key",
                                        "api-key", "cookie", "x-goog-api-key", NULL};
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == name_len && !strncasecmp(line, names[i], name_len))
            return 1;
    return 0;
}

static int header_ok(const char *s)
{
    return !strpbrk(s, "\r\n");
}

/* ---- the client ------------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void curl_start(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

cz_http *cz_http_new(const char *who)
{
    pthread_once(&curl_once, curl_start);
    if (!curl_ready)
        return NULL;
    cz_http *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    snprintf(c->who, sizeof c->who, "%s", who && *who ? who : "http");
    return c;
}

void cz_http_free(cz_http *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_idle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static CURL *borrow(cz_http *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->n_idle)
        h = c->idle[--c->n_idle];
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_reset(h); /* options go, live connections stay */
    else
        h = curl_easy_init();
    return h;
}

static void give_back(cz_http *c, CURL *h)
{
    pthread_mutex_lock(&c->lock);
    if (c->n_idle < POOL_MAX) {
        c->idle[c->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_cleanup(h);
}

void cz_http_response_clear(cz_http_response *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
    r->retry_after_ms = -1;
}

typedef struct xfer {
    const cz_http_request *rq;
    cz_http_response *rs;
    CURL *h;
    cz_sse *sse;
    int stream;     /* 1: SSE, 0: buffer; -1: not decided yet */
    int stop_rc;    /* the SSE callback's code */
    int too_big, cancelled;
    size_t cap;
    uint64_t max;
} xfer;

static size_t on_header(char *buf, size_t size, size_t n, void *user)
{
    xfer *x = user;
    size_t len = size * n;
    if (len >= 5 && !strncmp(buf, "HTTP/", 5)) { /* a new response (after 100, a redirect) */
        x->rs->retry_after_ms = -1;
        x->rs->content_type[0] = 0;
        return len;
    }
    const char *colon = memchr(buf, ':', len);
    if (!colon)
        return len;
    size_t nl = (size_t)(colon - buf);
    const char *v = colon + 1;
    size_t vl = len - nl - 1;
    while (vl && isspace((unsigned char)*v))
        v++, vl--;
    while (vl && isspace((unsigned char)v[vl - 1]))
        vl--;
    char val[128];
    snprintf(val, sizeof val, "%.*s", (int)vl, v);
    if (nl == 11 && !strncasecmp(buf, "retry-after", 11))
        x->rs->retry_after_ms = cz_http_retry_after_ms(val, (int64_t)time(NULL));
    else if (nl == 12 && !strncasecmp(buf, "content-type", 12))
        snprintf(x->rs->content_type, sizeof x->rs->content_type, "%.*s",
                 (int)sizeof x->rs->content_type - 1, val);
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *user)
{
    xfer *x = user;
    size_t len = size * n;
    x->rs->bytes += len;
    if (x->rs->bytes > x->max) {
        x->too_big = 1;
        return 0;
    }
    if (x->stream < 0) {
        long status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        x->stream = x->rq->on_event && status >= 200 && status < 300 &&
                    strstr(x->rs->content_type, "event-stream");
        if (x->stream && !(x->sse = cz_sse_new(x->rq->on_event, x->rq->user)))
            return 0;
    }
    if (x->stream) {
        int rc = cz_sse_feed(x->sse, buf, len);
        if (rc) {
            x->stop_rc = rc;
            return 0;
        }
        return len;
    }
    if (append(&x->rs->body, &x->rs->body_len, &x->cap, buf, len))
        return 0;
    return len;
}

static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    xfer *x = user;
    if (x->rq->job && cz_job_cancelled(x->rq->job)) {
        x->cancelled = 1;
        return 1;
    }
    return 0;
}

static int curl_class(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return CZ_ETIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return CZ_ERETRY;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return CZ_EINVAL;
    case CURLE_TOO_MANY_REDIRECTS:
        return CZ_EPROTO;
    default:
        return CZ_EIO;
    }
}

static void set_protocols(CURL *h)
{
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}

int cz_http_send(cz_http *c, const cz_http_request *rq, cz_http_response *rs, cz_error *err)
{
    memset(rs, 0, sizeof *rs);
    rs->retry_after_ms = -1;
    if (!c || !rq || !rq->url)
        return cz_err(err, CZ_EINVAL, "cz_http_send: no client, request or URL");
    char where[600];
    const char *method = rq->method ? rq->method : rq->body ? "POST" : "GET";
    url_for_humans(rq->url, where, sizeof where);
    if (strncmp(rq->url, "http://", 7) && strncmp(rq->url, "https://", 8))
        return cz_err(err, CZ_EINVAL, "%s %s: not an http:// or https:// URL", method, where);

    /* Secrets and headers. */
    const char *secrets[MAX_SECRETS];
    int n_secrets = 0;
    char *auth = NULL;
    struct curl_slist *hl = NULL;
    int rc = 0, has_type = 0;
    if (rq->redact && *rq->redact)
        secrets[n_secrets++] = rq->redact;
    if (rq->auth_env && *rq->auth_env) {
        const char *key = getenv(rq->auth_env);
        if (!key || !*key)
            return cz_err(err, CZ_EPERM, "%s %s: environment variable %s (the API key) is not set",
                          method, where, rq->auth_env);
        if (!header_ok(key))
            return cz_err(err, CZ_EPERM, "%s %s: environment variable %s holds a line break, so it cannot be sent as a key",
                          method, where, rq->auth_env);
        secrets[n_secrets++] = key;
        auth = malloc(strlen(rq->auth_prefix ? rq->auth_prefix : "") + strlen(key) + 1);
        if (!auth)
            return cz_err(err, CZ_ENOMEM, "out of memory");
        strcpy(auth, rq->auth_prefix ? rq->auth_prefix : "Authorization: Bearer ");
        strcat(auth, key);
        hl = curl_slist_append(hl, auth);
    }
    for (size_t i = 0; rq->headers && rq->headers[i]; i++) {
        const char *line = rq->headers[i];
        const char *colon = strchr(line, ':');
        if (!colon || !header_ok(line)) {
            rc = cz_err(err, CZ_EINVAL, "%s %s: header %zu is not one 'Name: value' line", method, where, i + 1);
            break;
        }
        size_t nl = (size_t)(colon - line);
        if (secret_header(line, nl) && n_secrets < MAX_SECRETS) {
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            secrets[n_secrets++] = v;
            /* "Bearer KEY": the key alone too, in case a server echoes it */
            const char *sp = strrchr(v, ' ');
            if (sp && n_secrets < MAX_SECRETS)
                secrets[n_secrets++] = sp + 1;
        }
        has_type |= nl == 12 && !strncasecmp(line, "content-type", 12);
        hl = curl_slist_append(hl, line);
    }
    if (rq->body && !has_type)
        hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    if (rc) {
        curl_slist_free_all(hl);
        free(auth);
        return rc;
    }

    CURL *h = borrow(c);
    if (!h) {
        curl_slist_free_all(hl);
        free(auth);
        return cz_err(err, CZ_ENOMEM, "%s %s: cannot create a connection handle", method, where);
    }
    xfer x = {.rq = rq, .rs = rs, .h = h, .stream = -1,
              .max = rq->max_bytes ? rq->max_bytes : DEFAULT_MAX_BYTES};
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "cadenza/" CZ_VERSION);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : DEFAULT_CONNECT_MS);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    set_protocols(h);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(method, "POST"))
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
    }

    double t0 = cz_clock_ms();
    CURLcode cc = curl_easy_perform(h);
    rs->elapsed_ms = cz_clock_ms() - t0;
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    rs->status = (int)status;
    if (!rs->body)
        append(&rs->body, &rs->body_len, &x.cap, "", 0);
    if (x.sse)
        rs->events = x.sse->events;

    if (cc != CURLE_OK) {
        if (x.cancelled)
            rc = cz_err(err, CZ_ECANCELED, "%s %s: the job was cancelled", method, where);
        else if (x.too_big)
            rc = cz_err(err, CZ_EPROTO, "%s %s: the response is larger than %llu bytes", method, where,
                        (unsigned long long)x.max);
        else if (x.stop_rc)
            rc = cz_err(err, x.stop_rc, "%s %s: the event stream was stopped (%s)", method, where,
                        cz_strerror(x.stop_rc));
        else if (cc == CURLE_OPERATION_TIMEDOUT)
            rc = cz_err(err, CZ_ETIMEOUT, "%s %s: no complete answer within %ld ms (%s)", method, where,
                        rq->timeout_ms, cerr[0] ? cerr : curl_easy_strerror(cc));
        else
            rc = cz_err(err, curl_class(cc), "%s %s: %s", method, where,
                        cerr[0] ? cerr : curl_easy_strerror(cc));
    } else if ((rc = cz_http_status_class(rs->status))) {
        char text[240];
        cz_http_error_text(rs->body, rs->body_len, text, sizeof text);
        const char *hint = rc == CZ_EPERM && rq->auth_env && *rq->auth_env ? " (check the key in " : "";
        cz_err(err, rc, "%s %s: HTTP %d%s%s%s%s%s", method, where, rs->status, *text ? ": " : "", text,
               hint, *hint ? rq->auth_env : "", *hint ? ")" : "");
    } else if (x.stream == 1 && (rc = cz_sse_finish(x.sse))) {
        cz_err(err, rc, "%s %s: the event stream was cut off in the middle of an event", method, where);
    }
    if (rc && err)
        redact(err->msg, secrets, n_secrets);
    if (cz_log_enabled(CZ_LOG_DEBUG)) {
        char line[CZ_ERROR_MAX + 700];
        snprintf(line, sizeof line, "%s %s -> %d, %llu bytes in %.1f ms%s%s", method, where, rs->status,
                 (unsigned long long)rs->bytes, rs->elapsed_ms, rc ? ": " : "", rc && err ? err->msg : "");
        redact(line, secrets, n_secrets);
        cz_log(CZ_LOG_DEBUG, c->who, "%s", line);
    }
    cz_sse_free(x.sse);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    give_back(c, h);
    curl_slist_free_all(hl);
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    return rc;
}

int cz_text_append(cz_text *t, const char *piece)
{
    size_t n = strlen(piece);
    if (t->len + n + 1 > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 1024;
        while (nc < t->len + n + 1)
            nc *= 2;
        char *grown = realloc(t->s, nc);
        if (!grown)
            return CZ_ENOMEM;
        t->s = grown;
        t->cap = nc;
    }
    memcpy(t->s + t->len, piece, n + 1);
    t->len += n;
    return 0;
}

void cz_text_free(cz_text *t)
{
    free(t->s);
    *t = (cz_text){0};
}
