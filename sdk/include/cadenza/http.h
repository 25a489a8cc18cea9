/*
 * cadenza/http.h - the host's HTTP client, for provider modules.
 *
 * Every HTTP provider needs the same things: keep-alive connections,
 * timeouts, Server-Sent Events, Retry-After, an honest classification of
 * failures into what a router may retry and what it must not, and secrets
 * that never reach a log line or an error message. They are written once,
 * here (the host implements them with libcurl in runtime/http.c), so a
 * provider module is only its wire format.
 *
 *     cz_http *c = cz_http_new("openai");            // in init
 *     cz_http_request rq = {.size = sizeof rq, .method = "POST", .url = url,
 *                           .headers = hdrs, .body = text, .body_len = n,
 *                           .auth_env = "OPENAI_API_KEY",
 *                           .auth_prefix = "Authorization: Bearer ",
 *                           .timeout_ms = 60000, .job = job};
 *     cz_http_response rs;
 *     int rc = cz_http_send(c, &rq, &rs, err);       // in call
 *     ... rs.status, rs.body ...
 *     cz_http_response_clear(&rs);
 *     cz_http_free(c);                               // in fini
 *
 * Secrets. A key is named by an environment variable (the provider's
 * `api_key_env` option) and read by the host at the moment of the request
 * (auth_env): the module never holds it, and it is never logged, put in a
 * message or returned. Header lines whose name is Authorization,
 * Proxy-Authorization, X-Api-Key, Api-Key or Cookie are treated the same
 * way, and `redact` names one more value to keep out of every message.
 * URLs in messages are shown without their query string.
 *
 * Thread-safety: one client serves any number of threads at once (it keeps
 * a small pool of connections; a request borrows one and gives it back,
 * so consecutive requests from one thread reuse the open connection).
 */
#ifndef CADENZA_HTTP_H
#define CADENZA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "module.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cz_job cz_job;
typedef struct cz_http cz_http;

/* ---- Server-Sent Events ---------------------------------------------- */

/* One dispatched event (text/event-stream, WHATWG rules: `event:`, `data:`
 * and `id:` fields, `:` comments, data lines joined with "\n", dispatch on
 * a blank line, CR, LF or CRLF line ends). Strings are borrowed for the
 * duration of the callback. */
typedef struct cz_sse_event {
    const char *event; /* "message" when the stream named none */
    const char *data;  /* NUL-terminated */
    size_t data_len;
    const char *id;    /* the last id seen, "" if none */
} cz_sse_event;

/* Return 0 to go on, or a negative CZ_E* code to stop the stream: the
 * transfer is aborted and cz_http_send() / cz_sse_feed() return that code. */
typedef int (*cz_sse_fn)(void *user, const cz_sse_event *ev);

/* A push parser, for tests and for providers that stream by other means.
 * feed() any chunking of the bytes; finish() says how the stream ended:
 * 0, or CZ_ERETRY when it stopped in the middle of an event (a line or a
 * field without the blank line that dispatches it). */
typedef struct cz_sse cz_sse;
cz_sse *cz_sse_new(cz_sse_fn fn, void *user);
int cz_sse_feed(cz_sse *p, const char *data, size_t n);
int cz_sse_finish(cz_sse *p);
void cz_sse_free(cz_sse *p);

/* ---- requests ----------------------------------------------------------- */

typedef struct cz_http_request {
    uint32_t size;               /* sizeof(cz_http_request) */
    const char *method;          /* "GET", "POST", ...; NULL: POST with a
                                    body, GET without */
    const char *url;             /* http:// or https:// */
    const char *const *headers;  /* "Name: value" lines, NULL-terminated,
                                    or NULL */
    const void *body;            /* NULL for none */
    size_t body_len;
    long timeout_ms;             /* the whole request, streaming included;
                                    0: none */
    long connect_timeout_ms;     /* 0: 10000 */
    uint64_t max_bytes;          /* response body cap; 0: 256 MiB */
    /* Authentication header built by the host: auth_prefix followed by the
     * value of the environment variable auth_env, read now. Both NULL or
     * auth_env "" : no header. An unset variable fails with CZ_EPERM and a
     * message naming the variable. */
    const char *auth_env;
    const char *auth_prefix;     /* "Authorization: Bearer ", "x-api-key: " */
    const char *redact;          /* one more secret to keep out of messages */
    /* Stream mode: when set and the status is 2xx, the body is parsed as
     * Server-Sent Events and delivered here instead of being kept. */
    cz_sse_fn on_event;
    void *user;
    cz_job *job;                 /* when set, cancelling the job aborts the
                                    transfer (CZ_ECANCELED) */
} cz_http_request;

typedef struct cz_http_response {
    int status;            /* HTTP status, 0 when no response arrived */
    char *body;            /* owned, NUL-terminated ("" when empty); in
                              stream mode only a non-2xx body is kept */
    size_t body_len;
    int retry_after_ms;    /* Retry-After (seconds or HTTP-date), -1 none */
    char content_type[96];
    uint64_t bytes;        /* body bytes received (streamed ones too) */
    double elapsed_ms;
    uint32_t events;       /* SSE events dispatched */
} cz_http_response;

/* A client for one provider instance; `who` names it in log lines. NULL
 * when out of memory. */
cz_http *cz_http_new(const char *who);
void cz_http_free(cz_http *c);

/* Send one request and wait for the whole response (or the end of the
 * stream). *resp is always initialised; clear it with
 * cz_http_response_clear() whatever the result. Returns:
 *   0            a 2xx response arrived whole (a stream ended cleanly)
 *   CZ_ERETRY    connection refused/reset, 408/425/429/5xx, a stream cut
 *                off mid-event or a body cut short
 *   CZ_ETIMEOUT  timeout_ms or connect_timeout_ms passed
 *   CZ_EPERM     401/403, or auth_env is not set
 *   CZ_EINVAL    any other 4xx, or a malformed request/URL
 *   CZ_EPROTO    a 1xx/3xx final status, or a body over max_bytes
 *   CZ_ECANCELED the job was cancelled
 *   the SSE callback's code when it stopped the stream
 *   CZ_EIO       any other transport failure
 * err says what, where (method and URL without its query) and, for an
 * error status, the server's own message when it sent one. */
int cz_http_send(cz_http *c, const cz_http_request *req,
                 cz_http_response *resp, cz_error *err);

void cz_http_response_clear(cz_http_response *r);

/* The class of an HTTP status: 0 for 2xx, else as cz_http_send returns. */
int cz_http_status_class(int status);

/* Retry-After as milliseconds from now (now_s: Unix seconds): "120" or an
 * HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"); a date in the past is 0;
 * -1 when the value is neither. */
int cz_http_retry_after_ms(const char *value, int64_t now_s);

/* The server's own error message from a JSON error body ({"error":
 * {"message"}}, {"error": "..."}, {"detail": ...}, {"message": ...}), else
 * the start of the body, printable characters only, at most n-1 bytes.
 * "" for an empty body. */
void cz_http_error_text(const char *body, size_t len, char *out, size_t n);

/* base + "/" + path with exactly one slash between them (path may start
 * with one). CZ_EINVAL when it does not fit. */
int cz_http_url(char *buf, size_t size, const char *base, const char *path);

/* Non-zero when URLs a and b have the same scheme, host and port: send a
 * key only to the origin it belongs to (a download link may point at a
 * CDN that must not see it). */
int cz_http_same_origin(const char *a, const char *b);

/* Percent-encode s for a URL query value (unreserved characters kept). */
int cz_http_escape(char *buf, size_t size, const char *s);

/* Replace every occurrence of secret (when 4 characters or longer) in the
 * NUL-terminated text s by "***", in place. */
void cz_redact(char *s, const char *secret);

/* ---- time, for deadlines and polling ----------------------------------- */

/* Monotonic milliseconds. For deadlines, back-off and latency only: never
 * let it reach an output (same seed, same song). */
double cz_clock_ms(void);

/* Sleep ms, waking early with CZ_ECANCELED when job (may be NULL) is
 * cancelled. 0 otherwise. */
int cz_sleep_ms(cz_job *job, double ms);

/* ---- the options every HTTP provider shares ------------------------------ */

/* Put in a provider's option table (its own defaults given):
 *   CZ_HTTP_OPTIONS("https://api.openai.com/v1", "OPENAI_API_KEY", "60000", "2"),
 * base_url (CZ_OPT_URL: validate refuses anything but http(s)),
 * api_key_env (CZ_OPT_ENV: validate refuses a variable that is not set;
 * "" for servers without auth), timeout_ms, connect_timeout_ms and
 * max_retries (read by the router toolkit, provider.h). */
#define CZ_HTTP_OPTIONS(url_, env_, timeout_, retries_) \
    {.name = "base_url", .type = CZ_OPT_STRING, .def = (url_), .flags = CZ_OPT_URL, \
     .doc = "server address (http:// or https://)"}, \
    {.name = "api_key_env", .type = CZ_OPT_STRING, .def = (env_), .flags = CZ_OPT_ENV, \
     .doc = "environment variable holding the API key, read at request time; \"\" for none"}, \
    CZ_OPTION_INT("timeout_ms", (timeout_), 1, 86400000, \
                  "deadline of one call, whole (streaming and polling included)"), \
    CZ_OPTION_INT("connect_timeout_ms", "10000", 1, 600000, "deadline to connect"), \
    CZ_OPTION_INT("max_retries", (retries_), 0, 20, \
                  "retries of a retryable failure (when the router says -1)")

/* The shared options, read from a provider's validated option object.
 * Strings are borrowed from it (valid until fini). */
typedef struct cz_http_config {
    const char *base_url;
    const char *api_key_env;
    long timeout_ms;
    long connect_timeout_ms;
} cz_http_config;

static inline void cz_http_config_read(const json_t *options, cz_http_config *c)
{
    c->base_url = cz_opt_str(options, "base_url");
    c->api_key_env = cz_opt_str(options, "api_key_env");
    c->timeout_ms = (long)cz_opt_int(options, "timeout_ms");
    c->connect_timeout_ms = (long)cz_opt_int(options, "connect_timeout_ms");
}

/* A growing text buffer, for answers that arrive in pieces (streamed
 * chat deltas). Zero-initialise; s is NUL-terminated (or NULL while empty). */
typedef struct cz_text {
    char *s;
    size_t len, cap;
} cz_text;

/* Append a string; CZ_ENOMEM on failure (the text so far is kept). */
int cz_text_append(cz_text *t, const char *piece);
/* Release the buffer and reset t to empty. */
void cz_text_free(cz_text *t);

#ifdef __cplusplus
}
#endif
#endif
