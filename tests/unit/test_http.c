/*
 * The SDK's HTTP client (http.h, runtime/http.c) against the loopback
 * fake server: SSE parsing under every chunking, failure classes a router
 * relies on (retry or not), Retry-After, timeouts, keep-alive, cut
 * streams, and keys that never reach a message or a log line.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../kernel/kernel.h"
#include "fakeserver.h"

#define KEY "sk-test-SECRET-1234567890"

/* ---- SSE ----------------------------------------------------------------- */

typedef struct seen {
    char text[4096];
    int n;
    int stop_at; /* stop with CZ_EPROTO at this event (1-based), 0 never */
} seen;

static int collect(void *user, const cz_sse_event *ev)
{
    seen *s = user;
    s->n++;
    size_t l = strlen(s->text);
    snprintf(s->text + l, sizeof s->text - l, "[%s|%s|%s]", ev->event, ev->data, ev->id);
    return s->n == s->stop_at ? CZ_EPROTO : 0;
}

static const char sample[] = ": a comment, ignored\r\n"
                             "data: one\r\n\r\n"
                             "event: delta\n"
                             "data: line 1\n"
                             "data:line 2\n"
                             "id: 7\n\n"
                             "retry: 100\r"
                             "data: cr only\r\r"
                             "event: ping\n\n" /* no data: not dispatched */
                             "data\n\n"        /* a field without colon: empty data */
                             "data: {\"x\": 1}\n\n";
static const char expect[] = "[message|one|][delta|line 1\nline 2|7][message|cr only|7][message||7]"
                             "[message|{\"x\": 1}|7]";

START_TEST(sse_parses_every_field_whatever_the_chunking)
{
    size_t n = strlen(sample);
    /* every split point into two chunks, and byte by byte */
    for (size_t cut = 0; cut <= n; cut++) {
        seen s = {0};
        cz_sse *p = cz_sse_new(collect, &s);
        ck_assert_int_eq(cz_sse_feed(p, sample, cut), 0);
        ck_assert_int_eq(cz_sse_feed(p, sample + cut, n - cut), 0);
        ck_assert_int_eq(cz_sse_finish(p), 0);
        ck_assert_msg(!strcmp(s.text, expect), "split at %zu: got %s", cut, s.text);
        cz_sse_free(p);
    }
    seen s = {0};
    cz_sse *p = cz_sse_new(collect, &s);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(cz_sse_feed(p, sample + i, 1), 0);
    ck_assert_int_eq(cz_sse_finish(p), 0);
    ck_assert_str_eq(s.text, expect);
    cz_sse_free(p);
}
END_TEST

START_TEST(sse_reports_a_stream_cut_mid_event)
{
    static const char *const cut[] = {"data: {\"par", "data: whole line\n", "event: x\n", "data: a\n\ndata: b\n",
                                      NULL};
    for (int i = 0; cut[i]; i++) {
        seen s = {0};
        cz_sse *p = cz_sse_new(collect, &s);
        ck_assert_int_eq(cz_sse_feed(p, cut[i], strlen(cut[i])), 0);
        ck_assert_msg(cz_sse_finish(p) == CZ_ERETRY, "'%s' should count as cut", cut[i]);
        cz_sse_free(p);
    }
    seen s = {0};
    cz_sse *p = cz_sse_new(collect, &s);
    const char *clean = "data: a\n\n: trailing comment\n";
    ck_assert_int_eq(cz_sse_feed(p, clean, strlen(clean)), 0);
    ck_assert_int_eq(cz_sse_finish(p), 0);
    cz_sse_free(p);
}
END_TEST

START_TEST(sse_callback_can_stop_the_stream)
{
    seen s = {.stop_at = 2};
    cz_sse *p = cz_sse_new(collect, &s);
    ck_assert_int_eq(cz_sse_feed(p, "data: 1\n\ndata: 2\n\ndata: 3\n\n", 27), CZ_EPROTO);
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(cz_sse_feed(p, "data: 4\n\n", 9), CZ_EPROTO);
    ck_assert_int_eq(cz_sse_finish(p), CZ_EPROTO);
    cz_sse_free(p);
}
END_TEST

/* ---- helpers --------------------------------------------------------------- */

START_TEST(status_classes_and_retry_after)
{
    ck_assert_int_eq(cz_http_status_class(200), 0);
    ck_assert_int_eq(cz_http_status_class(204), 0);
    ck_assert_int_eq(cz_http_status_class(429), CZ_ERETRY);
    ck_assert_int_eq(cz_http_status_class(408), CZ_ERETRY);
    ck_assert_int_eq(cz_http_status_class(500), CZ_ERETRY);
    ck_assert_int_eq(cz_http_status_class(503), CZ_ERETRY);
    ck_assert_int_eq(cz_http_status_class(401), CZ_EPERM);
    ck_assert_int_eq(cz_http_status_class(403), CZ_EPERM);
    ck_assert_int_eq(cz_http_status_class(400), CZ_EINVAL);
    ck_assert_int_eq(cz_http_status_class(404), CZ_EINVAL);
    ck_assert_int_eq(cz_http_status_class(422), CZ_EINVAL);
    ck_assert_int_eq(cz_http_status_class(301), CZ_EPROTO);

    ck_assert_int_eq(cz_http_retry_after_ms("120", 0), 120000);
    ck_assert_int_eq(cz_http_retry_after_ms(" 0 ", 0), 0);
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
    ck_assert_int_eq(cz_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30), 30000);
    ck_assert_int_eq(cz_http_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0);
    ck_assert_int_eq(cz_http_retry_after_ms("soon", 0), -1);
    ck_assert_int_eq(cz_http_retry_after_ms("12abc", 0), -1);
    ck_assert_int_eq(cz_http_retry_after_ms("", 0), -1);
}
END_TEST

START_TEST(error_text_urls_and_redaction)
{
    char t[128];
    cz_http_error_text("{\"error\":{\"message\":\"bad key\"}}", 31, t, sizeof t);
    ck_assert_str_eq(t, "bad key");
    cz_http_error_text("{\"detail\":\"Not Found\"}", 22, t, sizeof t);
    ck_assert_str_eq(t, "Not Found");
    cz_http_error_text("{\"error\":\"overloaded\"}", 22, t, sizeof t);
    ck_assert_str_eq(t, "overloaded");
    cz_http_error_text("<html>\n\n oops</html>", 20, t, sizeof t);
    ck_assert_str_eq(t, "<html> oops</html>");

    char u[128];
    ck_assert_int_eq(cz_http_url(u, sizeof u, "http://h:1/v1/", "/chat/completions"), 0);
    ck_assert_str_eq(u, "http://h:1/v1/chat/completions");
    ck_assert_int_eq(cz_http_url(u, sizeof u, "http://h:1", "release_task"), 0);
    ck_assert_str_eq(u, "http://h:1/release_task");
    ck_assert_int_eq(cz_http_url(u, 8, "http://h:1", "release_task"), CZ_EINVAL);
    ck_assert_int_eq(cz_http_escape(u, sizeof u, "/tmp/a b.wav"), 0);
    ck_assert_str_eq(u, "%2Ftmp%2Fa%20b.wav");

    char m[128] = "key " KEY " and again " KEY ".";
    cz_redact(m, KEY);
    ck_assert_str_eq(m, "key *** and again ***.");
}
END_TEST

/* ---- against the fake server --------------------------------------------------- */

static int send_chat(cz_http *c, const fs_server *s, int stream, cz_sse_fn fn, void *user,
                     cz_http_response *rs, cz_error *err, long timeout_ms)
{
    char url[256];
    cz_http_url(url, sizeof url, fs_url(s), "/v1/chat/completions");
    const char *body = stream ? "{\"model\":\"m\",\"stream\":true,\"messages\":[]}"
                              : "{\"model\":\"m\",\"messages\":[]}";
    static const char *const hdrs[] = {"Accept: application/json", NULL};
    cz_http_request rq = {.size = sizeof rq, .url = url, .headers = hdrs, .body = body,
                          .body_len = strlen(body), .timeout_ms = timeout_ms, .connect_timeout_ms = 2000,
                          .auth_env = "FS_TEST_KEY", .auth_prefix = "Authorization: Bearer ",
                          .on_event = fn, .user = user};
    return cz_http_send(c, &rq, rs, err);
}

START_TEST(posts_with_headers_and_reuses_the_connection)
{
    setenv("FS_TEST_KEY", KEY, 1);
    fs_server *s = fs_start();
    fs_set_key(s, KEY);
    cz_http *c = cz_http_new("test");
    for (int i = 0; i < 5; i++) {
        cz_http_response rs;
        cz_error err = {0};
        ck_assert_msg(send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000) == 0, "%s", err.msg);
        ck_assert_int_eq(rs.status, 200);
        ck_assert_ptr_nonnull(strstr(rs.body, "chat.completion"));
        ck_assert_uint_eq(rs.bytes, rs.body_len);
        cz_http_response_clear(&rs);
    }
    const fs_req *r = fs_last(s, "/v1/chat");
    char v[256];
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(fs_header(r, "Authorization", v, sizeof v), "Bearer " KEY);
    ck_assert_str_eq(fs_header(r, "Content-Type", v, sizeof v), "application/json");
    ck_assert_str_eq(fs_header(r, "Accept", v, sizeof v), "application/json");
    ck_assert_ptr_null(fs_header(r, "Expect", v, sizeof v));
    ck_assert_str_eq(r->body, "{\"model\":\"m\",\"messages\":[]}");
    ck_assert_uint_eq(fs_count(s, NULL), 5);
    ck_assert_uint_eq(fs_connections(s), 1); /* keep-alive */
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

START_TEST(error_statuses_are_classified_and_keys_never_shown)
{
    setenv("FS_TEST_KEY", KEY, 1);
    fs_server *s = fs_start();
    fs_set_key(s, "another-key");
    cz_http *c = cz_http_new("test");
    cz_http_response rs;
    cz_error err = {0};
    ck_assert_int_eq(send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000), CZ_EPERM);
    ck_assert_int_eq(rs.status, 401);
    ck_assert_ptr_nonnull(strstr(err.msg, "HTTP 401"));
    ck_assert_ptr_nonnull(strstr(err.msg, "Incorrect API key"));
    ck_assert_ptr_nonnull(strstr(err.msg, "FS_TEST_KEY"));
    ck_assert_ptr_null(strstr(err.msg, KEY));
    cz_http_response_clear(&rs);

    fs_set_key(s, NULL);
    fs_push_fault(s, NULL, FS_429, 7);
    ck_assert_int_eq(send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000), CZ_ERETRY);
    ck_assert_int_eq(rs.status, 429);
    ck_assert_int_eq(rs.retry_after_ms, 7000);
    ck_assert_ptr_nonnull(strstr(err.msg, "Rate limit reached"));
    cz_http_response_clear(&rs);

    fs_push_fault(s, NULL, FS_500, 0);
    ck_assert_int_eq(send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000), CZ_ERETRY);
    ck_assert_int_eq(rs.retry_after_ms, -1);
    cz_http_response_clear(&rs);

    char url[256];
    cz_http_url(url, sizeof url, fs_url(s), "/nowhere?token=" KEY);
    cz_http_request rq = {.size = sizeof rq, .url = url, .timeout_ms = 5000};
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), CZ_EINVAL);
    ck_assert_int_eq(rs.status, 404);
    ck_assert_ptr_null(strstr(err.msg, KEY)); /* the query is never shown */
    ck_assert_ptr_nonnull(strstr(err.msg, "GET http://127.0.0.1:"));
    cz_http_response_clear(&rs);

    unsetenv("FS_TEST_KEY");
    ck_assert_int_eq(send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000), CZ_EPERM);
    ck_assert_ptr_nonnull(strstr(err.msg, "environment variable FS_TEST_KEY"));
    cz_http_response_clear(&rs);
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

START_TEST(connect_failure_and_timeout_are_retryable)
{
    setenv("FS_TEST_KEY", KEY, 1);
    /* a port bound but not listening refuses connections */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    getsockname(fd, (struct sockaddr *)&a, &al);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
    cz_http *c = cz_http_new("test");
    cz_http_response rs;
    cz_error err = {0};
    cz_http_request rq = {.size = sizeof rq, .url = url, .timeout_ms = 2000};
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), CZ_ERETRY);
    ck_assert_int_eq(rs.status, 0);
    cz_http_response_clear(&rs);
    close(fd);

    fs_server *s = fs_start();
    fs_push_fault(s, NULL, FS_HANG, 0);
    ck_assert_int_eq(send_chat(c, s, 0, NULL, NULL, &rs, &err, 300), CZ_ETIMEOUT);
    ck_assert_ptr_nonnull(strstr(err.msg, "300 ms"));
    ck_assert_double_ge(rs.elapsed_ms, 250);
    cz_http_response_clear(&rs);

    rq.url = "ftp://127.0.0.1/x";
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), CZ_EINVAL);
    cz_http_response_clear(&rs);
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

START_TEST(streams_deliver_events_and_cuts_are_retryable)
{
    setenv("FS_TEST_KEY", KEY, 1);
    fs_server *s = fs_start();
    cz_http *c = cz_http_new("test");
    cz_http_response rs;
    cz_error err = {0};
    seen got = {0};
    ck_assert_msg(send_chat(c, s, 1, collect, &got, &rs, &err, 5000) == 0, "%s", err.msg);
    ck_assert_str_eq(rs.content_type, "text/event-stream");
    ck_assert_int_eq(got.n, 6); /* role, 3 pieces, finish, [DONE] */
    ck_assert_uint_eq(rs.events, 6);
    ck_assert_ptr_nonnull(strstr(got.text, "[message|[DONE]|]"));
    ck_assert_uint_eq(rs.body_len, 0);
    cz_http_response_clear(&rs);

    fs_push_fault(s, NULL, FS_CUT, 0);
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(send_chat(c, s, 1, collect, &got, &rs, &err, 5000), CZ_ERETRY);
    ck_assert_int_eq(got.n, 2);
    cz_http_response_clear(&rs);

    /* the callback stops the stream with its own code */
    memset(&got, 0, sizeof got);
    got.stop_at = 1;
    ck_assert_int_eq(send_chat(c, s, 1, collect, &got, &rs, &err, 5000), CZ_EPROTO);
    cz_http_response_clear(&rs);

    /* an error status on a stream request keeps the JSON error body */
    fs_push_fault(s, NULL, FS_500, 0);
    memset(&got, 0, sizeof got);
    ck_assert_int_eq(send_chat(c, s, 1, collect, &got, &rs, &err, 5000), CZ_ERETRY);
    ck_assert_int_eq(got.n, 0);
    ck_assert_ptr_nonnull(strstr(rs.body, "server had an error"));
    cz_http_response_clear(&rs);
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

START_TEST(large_bodies_are_capped_and_cut_bodies_retryable)
{
    fs_server *s = fs_start();
    cz_http *c = cz_http_new("test");
    char url[256];
    cz_http_url(url, sizeof url, fs_url(s), "/files/a.wav");
    cz_http_response rs;
    cz_error err = {0};
    cz_http_request rq = {.size = sizeof rq, .url = url, .timeout_ms = 5000, .max_bytes = 1000};
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), CZ_EPROTO);
    cz_http_response_clear(&rs);
    rq.max_bytes = 0;
    fs_push_fault(s, NULL, FS_CUT, 0);
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), CZ_ERETRY);
    cz_http_response_clear(&rs);
    ck_assert_int_eq(cz_http_send(c, &rq, &rs, &err), 0);
    ck_assert_uint_gt(rs.body_len, 44);
    ck_assert_int_eq(memcmp(rs.body, "RIFF", 4), 0);
    cz_http_response_clear(&rs);
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

typedef struct par {
    cz_http *c;
    fs_server *s;
    int ok;
} par;

static void *hammer(void *arg)
{
    par *p = arg;
    for (int i = 0; i < 20; i++) {
        cz_http_response rs;
        cz_error err = {0};
        p->ok += send_chat(p->c, p->s, i & 1, NULL, NULL, &rs, &err, 5000) == 0;
        cz_http_response_clear(&rs);
    }
    return NULL;
}

START_TEST(one_client_serves_many_threads)
{
    setenv("FS_TEST_KEY", KEY, 1);
    fs_server *s = fs_start();
    cz_http *c = cz_http_new("test");
    pthread_t t[4];
    par p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = (par){c, s, 0};
        pthread_create(&t[i], NULL, hammer, &p[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(p[i].ok, 20);
    }
    ck_assert_uint_eq(fs_count(s, NULL), 80);
    ck_assert_uint_le(fs_connections(s), 8);
    cz_http_free(c);
    fs_stop(s);
}
END_TEST

START_TEST(debug_log_never_shows_a_key)
{
    setenv("FS_TEST_KEY", KEY, 1);
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *lf = open_memstream(&logbuf, &loglen);
    cz_log_configure(CZ_LOG_DEBUG, CZ_LOGFMT_TEXT, lf);
    fs_server *s = fs_start();
    fs_set_key(s, "wrong");
    cz_http *c = cz_http_new("test");
    cz_http_response rs;
    cz_error err = {0};
    send_chat(c, s, 0, NULL, NULL, &rs, &err, 5000);
    cz_http_response_clear(&rs);
    fs_set_key(s, NULL);
    send_chat(c, s, 1, NULL, NULL, &rs, &err, 5000);
    cz_http_response_clear(&rs);
    cz_http_free(c);
    fs_stop(s);
    cz_log_configure(CZ_LOG_WARN, CZ_LOGFMT_TEXT, NULL);
    fclose(lf);
    ck_assert_ptr_nonnull(strstr(logbuf, "-> 401"));
    ck_assert_ptr_nonnull(strstr(logbuf, "-> 200"));
    ck_assert_ptr_null(strstr(logbuf, KEY));
    free(logbuf);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 30);
    tcase_add_test(t, sse_parses_every_field_whatever_the_chunking);
    tcase_add_test(t, sse_reports_a_stream_cut_mid_event);
    tcase_add_test(t, sse_callback_can_stop_the_stream);
    tcase_add_test(t, status_classes_and_retry_after);
    tcase_add_test(t, error_text_urls_and_redaction);
    tcase_add_test(t, posts_with_headers_and_reuses_the_connection);
    tcase_add_test(t, error_statuses_are_classified_and_keys_never_shown);
    tcase_add_test(t, connect_failure_and_timeout_are_retryable);
    tcase_add_test(t, streams_deliver_events_and_cuts_are_retryable);
    tcase_add_test(t, large_bodies_are_capped_and_cut_bodies_retryable);
    tcase_add_test(t, one_client_serves_many_threads);
    tcase_add_test(t, debug_log_never_shows_a_key);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
