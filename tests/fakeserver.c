/*
 * tests/fakeserver.c - loopback HTTP/1.1 server speaking the providers'
 * wire formats, plus the router test kit (see fakeserver.h).
 *
 * Written from the public API documentation of each service (OpenAI chat
 * completions, Anthropic messages, ACE-Step 1.5 API.md, Replicate
 * predictions); shapes are the documented ones, values are made up.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kernel/job_impl.h"
#include "fakeserver.h"
#include "harness.h"
#include "kit.h"

#define MAX_FAULTS 64

typedef struct fault_item {
    char prefix[128];
    fs_fault f;
    int arg;
} fault_item;

struct fs_server {
    int fd, port;
    char url[64];
    pthread_t acceptor;
    pthread_mutex_t lock;
    volatile int stopping;
    pthread_t *conns;
    size_t n_conns, cap_conns;
    fs_req **reqs;
    size_t n_reqs, cap_reqs;
    fault_item faults[MAX_FAULTS];
    size_t n_faults;
    fs_fault always;
    int always_arg;
    char key[128];
    int delay_ms;
    char *chat;
    int output_list;
    char file_base[64];
    int wav_rate, wav_channels;
    double wav_seconds;
    int polls;
    int next_task;
    char polled[64][32]; /* task ids polled so far, with counts */
    int poll_count[64];
    size_t n_polled;
};

typedef struct conn {
    fs_server *s;
    int fd;
} conn;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- WAV ------------------------------------------------------------------------ */

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, unsigned v)
{
    le16(p, v & 0xffff);
    le16(p + 2, v >> 16);
}

unsigned char *fs_make_wav(int rate, int channels, double seconds, size_t *len)
{
    size_t frames = (size_t)(rate * seconds);
    size_t data = frames * (size_t)channels * 2;
    unsigned char *w = calloc(1, 44 + data);
    if (!w)
        abort();
    memcpy(w, "RIFF", 4);
    le32(w + 4, (unsigned)(36 + data));
    memcpy(w + 8, "WAVEfmt ", 8);
    le32(w + 16, 16);
    le16(w + 20, 1);
    le16(w + 22, (unsigned)channels);
    le32(w + 24, (unsigned)rate);
    le32(w + 28, (unsigned)(rate * channels * 2));
    le16(w + 32, (unsigned)(channels * 2));
    le16(w + 34, 16);
    memcpy(w + 36, "data", 4);
    le32(w + 40, (unsigned)data);
    for (size_t i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++) {
            double v = 0.5 * sin(2 * M_PI * (440.0 + 110.0 * c) * (double)i / rate);
            le16(w + 44 + (i * (size_t)channels + (size_t)c) * 2, (unsigned)(int16_t)lrint(v * 32767));
        }
    *len = 44 + data;
    return w;
}

/* ---- sockets ---------------------------------------------------------------------- */

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sendf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    int rc = n < 0 ? -1 : send_all(fd, s, (size_t)n);
    free(s);
    return rc;
}

/* Wait for input; 1 readable, 0 stopping, -1 error. */
static int wait_in(fs_server *s, int fd)
{
    for (;;) {
        if (s->stopping)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 50);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

static void nap(fs_server *s, int ms)
{
    double end = now_ms() + ms;
    while (!s->stopping && now_ms() < end) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void respond(int fd, int status, const char *reason, const char *type, const char *extra,
                    const void *body, size_t n)
{
    sendf(fd, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n", status, reason, type, n,
          extra ? extra : "");
    if (n)
        send_all(fd, body, n);
}

/* A JSON answer that stops halfway, then the connection closes. */
static void respond_cut(int fd, json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT);
    size_t n = strlen(t);
    sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n", n);
    send_all(fd, t, n / 2);
    free(t);
    json_decref(j);
}

static void respond_json(int fd, int status, const char *reason, json_t *j)
{
    char *t = json_dumps(j, JSON_COMPACT);
    respond(fd, status, reason, "application/json", NULL, t, strlen(t));
    free(t);
    json_decref(j);
}

/* 200 with j, or half of it when the fault says cut. */
static void answer(int fd, json_t *j, fault_item f, int *close_after)
{
    if (f.f == FS_CUT) {
        respond_cut(fd, j);
        *close_after = 1;
    } else {
        respond_json(fd, 200, "OK", j);
    }
}

static void chunk(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void chunk(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n > 0) {
        sendf(fd, "%x\r\n", n);
        send_all(fd, s, (size_t)n);
        send_all(fd, "\r\n", 2);
    }
    free(s);
}

static void sse_start(int fd)
{
    sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
              "Transfer-Encoding: chunked\r\n\r\n");
}

static void sse_end(int fd)
{
    send_all(fd, "0\r\n\r\n", 5);
}

/* ---- request bookkeeping -------------------------------------------------------------- */

const char *fs_header(const fs_req *r, const char *name, char *buf, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, n, "%.*s", (int)(p + ll - v), v);
            return buf;
        }
        p += ll + (eol ? 2 : 0);
    }
    return NULL;
}

static fault_item take_fault(fs_server *s, const char *path)
{
    fault_item f = {.f = s->always, .arg = s->always_arg};
    for (size_t i = 0; i < s->n_faults; i++) {
        if (strncmp(path, s->faults[i].prefix, strlen(s->faults[i].prefix)))
            continue;
        f = s->faults[i];
        memmove(&s->faults[i], &s->faults[i + 1], (s->n_faults - i - 1) * sizeof *s->faults);
        s->n_faults--;
        break;
    }
    return f;
}

/* ---- the services ---------------------------------------------------------------------- */

static int authorised(fs_server *s, const fs_req *r)
{
    if (!s->key[0])
        return 1;
    char buf[256], want[200];
    snprintf(want, sizeof want, "Bearer %s", s->key);
    if (fs_header(r, "Authorization", buf, sizeof buf) && !strcmp(buf, want))
        return 1;
    return fs_header(r, "x-api-key", buf, sizeof buf) && !strcmp(buf, s->key);
}

/* The chat text in three pieces, for streams. */
static void pieces(const char *text, char out[3][512])
{
    size_t n = strlen(text), a = n / 3, b = 2 * n / 3;
    snprintf(out[0], 512, "%.*s", (int)a, text);
    snprintf(out[1], 512, "%.*s", (int)(b - a), text + a);
    snprintf(out[2], 512, "%s", text + b);
}

static char *jstr(const char *s)
{
    json_t *j = json_string(s);
    char *t = json_dumps(j, JSON_ENCODE_ANY);
    json_decref(j);
    return t;
}

static void openai(fs_server *s, int fd, const fs_req *r, const json_t *body, fault_item f, int *close_after)
{
    const char *text = f.f == FS_PROSE ? "Sure! Here is a lovely idea for your song." : s->chat;
    const char *model = json_string_value(json_object_get(body, "model"));
    if (!json_is_true(json_object_get(body, "stream"))) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:[{s:i,s:{s:s,s:s},s:s}],s:{s:i,s:i,s:i}}", "id", "chatcmpl-1",
                               "object", "chat.completion", "model", model ? model : "fake", "choices", "index",
                               0, "message", "role", "assistant", "content", text, "finish_reason", "stop",
                               "usage", "prompt_tokens", 12, "completion_tokens", 8, "total_tokens", 20);
        answer(fd, j, f, close_after);
        return;
    }
    char p[3][512];
    pieces(text, p);
    sse_start(fd);
    chunk(fd, ": keep-alive\n\n");
    chunk(fd, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
    for (int i = 0; i < 3; i++) {
        if (f.f == FS_CUT && i == 1) {
            chunk(fd, "data: {\"id\":\"c1\",\"choices\":[{\"ind");
            *close_after = 1;
            return;
        }
        if (f.f == FS_STREAM_ERROR && i == 1) {
            chunk(fd, "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}\n\n");
            sse_end(fd);
            return;
        }
        char *q = jstr(p[i]);
        /* The second piece comes as two data lines of one event, which the
         * standard joins with a newline: JSON does not mind. */
        if (i == 1)
            chunk(fd, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\r\ndata: \"choices\":[{\"index\":0,\"delta\":{\"content\":%s}}]}\r\n\r\n", q);
        else
            chunk(fd, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%s}}]}\n\n", q);
        free(q);
    }
    chunk(fd, "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    chunk(fd, "data: [DONE]\n\n");
    sse_end(fd);
}

static void anthropic(fs_server *s, int fd, const fs_req *r, const json_t *body, fault_item f, int *close_after)
{
    char v[64];
    if (!fs_header(r, "anthropic-version", v, sizeof v)) {
        respond_json(fd, 400, "Bad Request", json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type",
                                                       "invalid_request_error", "message",
                                                       "anthropic-version header is required"));
        return;
    }
    if (!json_is_integer(json_object_get(body, "max_tokens"))) {
        respond_json(fd, 400, "Bad Request", json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type",
                                                       "invalid_request_error", "message",
                                                       "max_tokens: Field required"));
        return;
    }
    const char *text = f.f == FS_PROSE ? "Sure! Here is a lovely idea for your song." : s->chat;
    const char *model = json_string_value(json_object_get(body, "model"));
    if (!json_is_true(json_object_get(body, "stream"))) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:s,s:{s:i,s:i}}", "id", "msg_1", "type",
                               "message", "role", "assistant", "model", model ? model : "fake", "content",
                               "type", "text", "text", text, "stop_reason", "end_turn", "usage",
                               "input_tokens", 12, "output_tokens", 8);
        answer(fd, j, f, close_after);
        return;
    }
    char p[3][512];
    pieces(text, p);
    sse_start(fd);
    chunk(fd, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"%s\",\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n",
          model ? model : "fake");
    chunk(fd, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    chunk(fd, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    for (int i = 0; i < 3; i++) {
        if (f.f == FS_CUT && i == 1) {
            chunk(fd, "event: content_block_delta\ndata: {\"type\":\"content_block_del");
            *close_after = 1;
            return;
        }
        if (f.f == FS_STREAM_ERROR && i == 1) {
            chunk(fd, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
            sse_end(fd);
            return;
        }
        char *q = jstr(p[i]);
        chunk(fd, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":%s}}\n\n", q);
        free(q);
    }
    chunk(fd, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
    chunk(fd, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":8}}\n\n");
    chunk(fd, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    sse_end(fd);
}

static json_t *envelope(json_t *data)
{
    return json_pack("{s:o,s:i,s:n,s:I,s:n}", "data", data, "code", 200, "error", "timestamp",
                     (json_int_t)1700000000000LL, "extra");
}

/* How often task id was polled before (and count this poll). */
static int poll_seen(fs_server *s, const char *id)
{
    for (size_t i = 0; i < s->n_polled; i++)
        if (!strcmp(s->polled[i], id))
            return s->poll_count[i]++;
    if (s->n_polled < 64) {
        snprintf(s->polled[s->n_polled], sizeof s->polled[0], "%s", id);
        s->poll_count[s->n_polled++] = 1;
    }
    return 0;
}

static void send_wav(fs_server *s, int fd, fault_item f, int *close_after)
{
    size_t n;
    unsigned char *w = fs_make_wav(s->wav_rate, s->wav_channels, s->wav_seconds, &n);
    if (f.f == FS_CUT) {
        sendf(fd, "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: %zu\r\n\r\n", n);
        send_all(fd, w, n / 2);
        *close_after = 1;
    } else {
        respond(fd, 200, "OK", "audio/wav", NULL, w, n);
    }
    free(w);
}

static void acestep(fs_server *s, int fd, const fs_req *r, const json_t *body, fault_item f, int *close_after)
{
    if (!strcmp(r->path, "/release_task")) {
        char id[32];
        pthread_mutex_lock(&s->lock);
        snprintf(id, sizeof id, "task-%d", ++s->next_task);
        pthread_mutex_unlock(&s->lock);
        respond_json(fd, 200, "OK", envelope(json_pack("{s:s,s:s,s:i}", "task_id", id, "status", "queued",
                                                       "queue_position", 1)));
        return;
    }
    if (!strcmp(r->path, "/query_result")) {
        const char *id = json_string_value(json_array_get(json_object_get(body, "task_id_list"), 0));
        if (!id) {
            respond_json(fd, 400, "Bad Request", json_pack("{s:s}", "detail", "task_id_list is required"));
            return;
        }
        pthread_mutex_lock(&s->lock);
        int seen = poll_seen(s, id);
        pthread_mutex_unlock(&s->lock);
        int status = seen < s->polls ? 0 : f.f == FS_GEN_FAIL ? 2 : 1;
        char file[160];
        snprintf(file, sizeof file, "/v1/audio?path=%%2Ftmp%%2Fapi_audio%%2F%s.wav", id);
        json_t *res = json_pack("[{s:s,s:s,s:i,s:I,s:s,s:s,s:{s:i,s:i,s:s,s:s},s:s}]", "file",
                                status == 1 ? file : "", "wave", "", "status", status, "create_time",
                                (json_int_t)1700000000, "env", "development", "prompt", "x", "metas", "bpm",
                                120, "duration", 30, "keyscale", "C Major", "timesignature", "4", "seed_value",
                                "12345");
        char *rs = json_dumps(res, JSON_COMPACT);
        json_decref(res);
        respond_json(fd, 200, "OK", envelope(json_pack("[{s:s,s:i,s:s}]", "task_id", id, "status", status,
                                                       "result", status == 0 ? "[]" : rs)));
        free(rs);
        return;
    }
    send_wav(s, fd, f, close_after); /* /v1/audio?path=... */
}

static void replicate(fs_server *s, int fd, const fs_req *r, const json_t *body, fault_item f, int *close_after)
{
    char id[32];
    if (!strcmp(r->method, "POST")) {
        if (!json_is_object(json_object_get(body, "input"))) {
            respond_json(fd, 422, "Unprocessable Entity", json_pack("{s:s}", "detail", "input is required"));
            return;
        }
        pthread_mutex_lock(&s->lock);
        snprintf(id, sizeof id, "p%d", ++s->next_task);
        pthread_mutex_unlock(&s->lock);
        char get[200];
        snprintf(get, sizeof get, "%s/v1/predictions/%s", s->url, id);
        respond_json(fd, 201, "Created",
                     json_pack("{s:s,s:O?,s:O,s:s,s:n,s:n,s:{s:s,s:s}}", "id", id, "version",
                               json_object_get(body, "version"), "input", json_object_get(body, "input"),
                               "status", "starting", "output", "error", "urls", "get", get, "cancel", get));
        return;
    }
    const char *slash = strrchr(r->path, '/');
    snprintf(id, sizeof id, "%s", slash + 1);
    pthread_mutex_lock(&s->lock);
    int seen = poll_seen(s, id);
    pthread_mutex_unlock(&s->lock);
    if (seen < s->polls) {
        respond_json(fd, 200, "OK", json_pack("{s:s,s:s,s:n,s:n}", "id", id, "status", "processing", "output",
                                              "error"));
        return;
    }
    if (f.f == FS_GEN_FAIL) {
        respond_json(fd, 200, "OK", json_pack("{s:s,s:s,s:n,s:s}", "id", id, "status", "failed", "output",
                                              "error", "CUDA out of memory"));
        return;
    }
    char out[200];
    snprintf(out, sizeof out, "%s/files/%s.wav", s->file_base[0] ? s->file_base : s->url, id);
    json_t *output = s->output_list ? json_pack("[s]", out) : json_string(out);
    respond_json(fd, 200, "OK", json_pack("{s:s,s:s,s:o,s:n,s:{s:f}}", "id", id, "status", "succeeded",
                                          "output", output, "error", "metrics", "predict_time", 1.5));
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* Answer one request; sets *close_after when the connection must end. */
static void serve(fs_server *s, int fd, const fs_req *r, int *close_after)
{
    pthread_mutex_lock(&s->lock);
    fault_item f = take_fault(s, r->path);
    int delay = s->delay_ms;
    pthread_mutex_unlock(&s->lock);
    if (f.f == FS_HANG) {
        while (wait_in(s, fd) == 1) { /* until the client gives up */
            char b[256];
            if (recv(fd, b, sizeof b, 0) <= 0)
                break;
        }
        *close_after = 1;
        return;
    }
    if (delay)
        nap(s, delay);
    const int is_file = !strncmp(r->path, "/files/", 7) || !strncmp(r->path, "/v1/audio", 9);
    if (!is_file && !authorised(s, r)) {
        char got[256] = "", msg[400];
        if (!fs_header(r, "x-api-key", got, sizeof got) && fs_header(r, "Authorization", got, sizeof got) &&
            !strncmp(got, "Bearer ", 7))
            memmove(got, got + 7, strlen(got + 7) + 1);
        snprintf(msg, sizeof msg, "Incorrect API key provided: %s", got);
        respond_json(fd, 401, "Unauthorized",
                     json_pack("{s:{s:s,s:s}}", "error", "message", msg, "type", "authentication_error"));
        return;
    }
    switch (f.f) {
    case FS_429: {
        char extra[64];
        snprintf(extra, sizeof extra, "Retry-After: %d\r\n", f.arg);
        const char *b = "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_error\"}}";
        respond(fd, 429, "Too Many Requests", "application/json", extra, b, strlen(b));
        return;
    }
    case FS_500:
        respond_json(fd, 500, "Internal Server Error",
                     json_pack("{s:{s:s,s:s}}", "error", "message", "The server had an error", "type", "server_error"));
        return;
    case FS_401:
        respond_json(fd, 401, "Unauthorized",
                     json_pack("{s:{s:s,s:s}}", "error", "message", "Incorrect API key provided", "type",
                               "authentication_error"));
        return;
    case FS_NOT_JSON: {
        const char *b = "<html><body>502 upstream says hello</body></html>";
        respond(fd, 200, "OK", "application/json", NULL, b, strlen(b));
        return;
    }
    default:
        break;
    }
    json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
    if (!strcmp(r->method, "POST") && ends_with(r->path, "/chat/completions"))
        openai(s, fd, r, body, f, close_after);
    else if (!strcmp(r->method, "POST") && ends_with(r->path, "/messages"))
        anthropic(s, fd, r, body, f, close_after);
    else if (!strcmp(r->path, "/release_task") || !strcmp(r->path, "/query_result") ||
             !strncmp(r->path, "/v1/audio?", 10))
        acestep(s, fd, r, body, f, close_after);
    else if (strstr(r->path, "/predictions"))
        replicate(s, fd, r, body, f, close_after);
    else if (!strncmp(r->path, "/files/", 7))
        send_wav(s, fd, f, close_after);
    else
        respond_json(fd, 404, "Not Found", json_pack("{s:s}", "detail", "Not Found"));
    json_decref(body);
}

/* Read one request into a new fs_req; NULL at end of connection. */
static fs_req *read_request(fs_server *s, int fd, char **buf, size_t *len, size_t *cap)
{
    char *end;
    while (!(end = *len ? strstr(*buf, "\r\n\r\n") : NULL)) {
        if (wait_in(s, fd) != 1)
            return NULL;
        if (*len + 4097 > *cap) {
            *cap = (*cap + 4097) * 2;
            *buf = realloc(*buf, *cap);
        }
        ssize_t k = recv(fd, *buf + *len, 4096, 0);
        if (k <= 0)
            return NULL;
        *len += (size_t)k;
        (*buf)[*len] = 0;
    }
    fs_req *r = calloc(1, sizeof *r);
    r->t_ms = now_ms();
    size_t head = (size_t)(end - *buf) + 4;
    sscanf(*buf, "%15s %511s", r->method, r->path);
    const char *h = strstr(*buf, "\r\n");
    r->headers = strndup(h + 2, head - (size_t)(h + 2 - *buf) - 2);
    char v[64];
    size_t want = fs_header(r, "Content-Length", v, sizeof v) ? strtoul(v, NULL, 10) : 0;
    if (fs_header(r, "Expect", v, sizeof v) && !strcasecmp(v, "100-continue"))
        send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    while (*len - head < want) {
        if (wait_in(s, fd) != 1)
            goto fail;
        if (*len + 4097 > *cap) {
            *cap = (*cap + 4097) * 2;
            *buf = realloc(*buf, *cap);
        }
        ssize_t k = recv(fd, *buf + *len, 4096, 0);
        if (k <= 0)
            goto fail;
        *len += (size_t)k;
        (*buf)[*len] = 0;
    }
    r->body = malloc(want + 1);
    memcpy(r->body, *buf + head, want);
    r->body[want] = 0;
    r->body_len = want;
    memmove(*buf, *buf + head + want, *len - head - want + 1);
    *len -= head + want;
    return r;
fail:
    free(r->headers);
    free(r);
    return NULL;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    fs_server *s = c->s;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        fs_req *r = read_request(s, c->fd, &buf, &len, &cap);
        if (!r)
            break;
        pthread_mutex_lock(&s->lock);
        if (s->n_reqs == s->cap_reqs) {
            s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 64;
            s->reqs = realloc(s->reqs, s->cap_reqs * sizeof *s->reqs);
        }
        s->reqs[s->n_reqs++] = r;
        pthread_mutex_unlock(&s->lock);
        char v[32];
        int close_after = fs_header(r, "Connection", v, sizeof v) && !strcasecmp(v, "close");
        serve(s, c->fd, r, &close_after);
        if (close_after)
            break;
    }
    free(buf);
    close(c->fd);
    free(c);
    return NULL;
}

static void *accept_main(void *arg)
{
    fs_server *s = arg;
    while (!s->stopping) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            continue;
        int one = 1; /* answers go out in several writes: no Nagle delay between them */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = malloc(sizeof *c);
        c->s = s;
        c->fd = fd;
        pthread_t t;
        if (pthread_create(&t, NULL, conn_main, c)) {
            close(fd);
            free(c);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        if (s->n_conns == s->cap_conns) {
            s->cap_conns = s->cap_conns ? s->cap_conns * 2 : 16;
            s->conns = realloc(s->conns, s->cap_conns * sizeof *s->conns);
        }
        s->conns[s->n_conns++] = t;
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

/* ---- public ------------------------------------------------------------------------------ */

fs_server *fs_start(void)
{
    /* loopback only: a proxy from the environment must not see the tests */
    static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                          "all_proxy", "ALL_PROXY", NULL};
    for (int i = 0; proxies[i]; i++)
        unsetenv(proxies[i]);
    fs_server *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->chat = strdup("{\"tempo_bpm\": 128, \"mood\": [\"bright\"], \"caption\": \"sunny pop\"}");
    s->wav_rate = 44100;
    s->wav_channels = 2;
    s->wav_seconds = 1.5;
    s->polls = 1;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) || listen(s->fd, 64) ||
        getsockname(s->fd, (struct sockaddr *)&a, &al))
        abort();
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    if (pthread_create(&s->acceptor, NULL, accept_main, s))
        abort();
    return s;
}

void fs_stop(fs_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    pthread_join(s->acceptor, NULL);
    for (size_t i = 0; i < s->n_conns; i++)
        pthread_join(s->conns[i], NULL);
    close(s->fd);
    for (size_t i = 0; i < s->n_reqs; i++) {
        free(s->reqs[i]->headers);
        free(s->reqs[i]->body);
        free(s->reqs[i]);
    }
    free(s->reqs);
    free(s->conns);
    free(s->chat);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int fs_port(const fs_server *s)
{
    return s->port;
}

const char *fs_url(const fs_server *s)
{
    return s->url;
}

void fs_set_key(fs_server *s, const char *key)
{
    pthread_mutex_lock(&s->lock);
    snprintf(s->key, sizeof s->key, "%s", key ? key : "");
    pthread_mutex_unlock(&s->lock);
}

void fs_set_delay_ms(fs_server *s, int ms)
{
    pthread_mutex_lock(&s->lock);
    s->delay_ms = ms;
    pthread_mutex_unlock(&s->lock);
}

void fs_set_chat(fs_server *s, const char *text)
{
    pthread_mutex_lock(&s->lock);
    free(s->chat);
    s->chat = strdup(text);
    pthread_mutex_unlock(&s->lock);
}

void fs_set_output_list(fs_server *s, int on)
{
    s->output_list = on;
}

void fs_set_file_base(fs_server *s, const char *url)
{
    snprintf(s->file_base, sizeof s->file_base, "%s", url ? url : "");
}

void fs_set_wav(fs_server *s, int rate, int channels, double seconds)
{
    s->wav_rate = rate;
    s->wav_channels = channels;
    s->wav_seconds = seconds;
}

void fs_set_polls(fs_server *s, int n)
{
    s->polls = n;
}

void fs_push_fault(fs_server *s, const char *prefix, fs_fault f, int arg)
{
    pthread_mutex_lock(&s->lock);
    if (s->n_faults < MAX_FAULTS) {
        fault_item *it = &s->faults[s->n_faults++];
        snprintf(it->prefix, sizeof it->prefix, "%s", prefix ? prefix : "");
        it->f = f;
        it->arg = arg;
    }
    pthread_mutex_unlock(&s->lock);
}

void fs_set_fault(fs_server *s, fs_fault f, int arg)
{
    pthread_mutex_lock(&s->lock);
    s->always = f;
    s->always_arg = arg;
    pthread_mutex_unlock(&s->lock);
}

size_t fs_count(fs_server *s, const char *prefix)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->n_reqs; i++)
        n += !prefix || !strncmp(s->reqs[i]->path, prefix, strlen(prefix));
    pthread_mutex_unlock(&s->lock);
    return n;
}

const fs_req *fs_request(fs_server *s, size_t i)
{
    pthread_mutex_lock(&s->lock);
    const fs_req *r = i < s->n_reqs ? s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->lock);
    return r;
}

const fs_req *fs_last(fs_server *s, const char *prefix)
{
    const fs_req *r = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = s->n_reqs; i-- > 0 && !r;)
        if (!prefix || !strncmp(s->reqs[i]->path, prefix, strlen(prefix)))
            r = s->reqs[i];
    pthread_mutex_unlock(&s->lock);
    return r;
}

size_t fs_connections(fs_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_conns;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- the router test kit ------------------------------------------------------------------ */

struct fs_pipe {
    char *dir;
    cz_registry *reg;
    cz_graph *g;
    cz_job job;
    int has_job;
};

static const char *build_dir(void)
{
    const char *b = getenv("BUILD");
    return b && *b ? b : "build";
}

fs_pipe *fs_pipe_new(const char *yaml, char *why, size_t n)
{
    fs_pipe *p = calloc(1, sizeof *p);
    const char *reg_path = getenv("CADENZA_REGISTRY");
    char def[600];
    snprintf(def, sizeof def, "%s/registry/index.json", build_dir());
    if (!reg_path || !*reg_path)
        reg_path = !strcmp(build_dir(), "build") ? "registry/index.json" : def;
    cz_error err = {0};
    if (cz_registry_open(reg_path, &p->reg, &err)) {
        snprintf(why, n, "%s", err.msg);
        free(p);
        return NULL;
    }
    p->dir = kit_tmpdir();
    char *path = cz_strfmt("%s/p.yaml", p->dir);
    kit_write(path, yaml);
    cz_diags d = {0};
    cz_pipeline *pl = cz_pipeline_load(path, &d);
    if (pl)
        p->g = cz_graph_build(pl, p->reg, 1, NULL, &d);
    free(path);
    if (!p->g) {
        snprintf(why, n, "%s", d.n ? d.msgs[0] : "the pipeline did not build");
        cz_diag_free(&d);
        fs_pipe_free(p);
        return NULL;
    }
    cz_diag_free(&d);
    return p;
}

static void end_job(fs_pipe *p)
{
    if (!p->has_job)
        return;
    cz_bus_free(p->job.bus);
    json_decref(p->job.attempts);
    free(p->job.key);
    p->has_job = 0;
}

void fs_pipe_job(fs_pipe *p, uint64_t seed)
{
    end_job(p);
    memset(&p->job, 0, sizeof p->job);
    p->job.g = p->g;
    p->job.bus = cz_bus_new();
    p->job.seed = seed;
    p->job.key = cz_strfmt("job-%llu", (unsigned long long)seed);
    p->job.stage = "test";
    p->has_job = 1;
    cz_bus_set_writer(p->job.bus, "test", "test", "0.0.0");
}

static int ask(fs_pipe *p, int direct, const char *name, const char *capability, const char *body_json,
               cz_reply *reply, cz_error *err)
{
    if (!p->has_job)
        fs_pipe_job(p, 1);
    json_t *body = json_loads(body_json ? body_json : "{}", 0, NULL);
    if (!body)
        abort();
    cz_request rq = {capability, body};
    int rc;
    if (direct) {
        int i = cz_job_provider_find(&p->job, name);
        rc = i < 0 ? cz_err(err, CZ_ENOTFOUND, "no provider %s", name)
                   : cz_job_provider_call(&p->job, (uint32_t)i, &rq, reply, err);
    } else {
        rc = cz_job_request(&p->job, &rq, reply, err);
    }
    json_decref(body);
    return rc;
}

int fs_pipe_ask(fs_pipe *p, const char *capability, const char *body_json, cz_reply *reply, cz_error *err)
{
    return ask(p, 0, NULL, capability, body_json, reply, err);
}

int fs_pipe_call(fs_pipe *p, const char *name, const char *capability, const char *body_json,
                 cz_reply *reply, cz_error *err)
{
    return ask(p, 1, name, capability, body_json, reply, err);
}

cz_job *fs_pipe_current(fs_pipe *p)
{
    if (!p->has_job)
        fs_pipe_job(p, 1);
    return &p->job;
}

int fs_pipe_run(fs_pipe *p, const char *prompt, uint64_t seed, const char *out_dir, cz_error *err)
{
    fs_pipe_job(p, seed);
    cz_job_params prm = {.prompt = prompt, .seed = seed, .has_seed = 1, .bus = p->job.bus, .keep_all = 1,
                         .out_dir = out_dir};
    cz_job_result res;
    int rc = cz_job_run(p->g, &prm, &res);
    if (err)
        *err = res.err;
    cz_job_result_free(&res);
    return rc;
}

cz_bus *fs_pipe_bus(fs_pipe *p)
{
    return fs_pipe_current(p)->bus;
}

const json_t *fs_pipe_attempts(fs_pipe *p)
{
    const json_t *a = NULL;
    if (cz_bus_get_json(fs_pipe_bus(p), "router.attempts", &a))
        return p->job.attempts ? p->job.attempts : NULL;
    return a;
}

void fs_pipe_free(fs_pipe *p)
{
    if (!p)
        return;
    end_job(p);
    cz_graph_free(p->g);
    cz_registry_free(p->reg);
    if (p->dir)
        kit_rm(p->dir);
    free(p->dir);
    free(p);
}

int fs_cli(char **out, const char *args)
{
    char *cmd = cz_strfmt("%s/cadenza %s 2>&1", build_dir(), args);
    FILE *f = popen(cmd, "r");
    free(cmd);
    if (!f)
        return -1;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t k;
    while ((k = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += k;
        if (cap - len < 1024)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int st = pclose(f);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

fs_server *fs_start_with_key(const char *key)
{
    setenv("CZ_TEST_KEY", key, 1);
    cz_log_configure(CZ_LOG_ERROR, CZ_LOGFMT_TEXT, NULL);
    return fs_start();
}
