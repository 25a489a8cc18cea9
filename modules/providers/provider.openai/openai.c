/*
 * provider.openai - chat through an OpenAI-compatible chat completions API.
 *
 * POST {base_url}/chat/completions with {model, messages: [system, user],
 * max_tokens, temperature, seed, stream, response_format}. The same wire
 * format is served by OpenAI itself and, with `base_url`, by llama.cpp's
 * server (http://127.0.0.1:8080/v1), vLLM (http://127.0.0.1:8000/v1) and
 * Ollama (http://127.0.0.1:11434/v1); with `api_key_env: ""` no
 * Authorization header is sent.
 *
 * JSON replies: choices[0].message.content. Streams (option `stream`):
 * Server-Sent Events whose `data:` lines are chunks with
 * choices[0].delta.content, ending with `data: [DONE]`; a stream that ends
 * without [DONE] was cut off (CZ_ERETRY). A server that ignores `stream`
 * and answers JSON is accepted too.
 *
 * When the request asks for JSON and `json_mode` is on, the request
 * carries response_format {"type": "json_object"} (OpenAI then requires
 * the word JSON in the messages: a short instruction is added when the
 * prompt lacks it). The answer goes through cz_chat_reply(): text that
 * holds no JSON object is CZ_EPROTO, which the router may retry.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "provider.openai"

static const cz_option options[] = {
    CZ_HTTP_OPTIONS("https://api.openai.com/v1", "OPENAI_API_KEY", "60000", "2"),
    CZ_OPTION_STRING("model", "gpt-4o-mini", "model name as the server knows it"),
    CZ_OPTION_BOOL("stream", "false", "stream the answer (Server-Sent Events)"),
    CZ_OPTION_BOOL("json_mode", "true",
                   "send response_format json_object when the request asks for JSON"),
    CZ_OPTION_INT("max_tokens", "1024", 1, 1000000, "longest answer, when the request names none"),
    CZ_OPTION_FLOAT("temperature", "0.7", 0, 2, "sampling temperature, when the request names none"),
    CZ_OPTION_BOOL("send_seed", "true", "send the job seed, for servers that sample reproducibly"),
    CZ_OPTIONS_END};

typedef struct openai {
    cz_http *http;
    cz_http_config cfg;
    char url[1024];
    const char *model;
    int stream, json_mode, send_seed;
    int64_t max_tokens;
    double temperature;
} openai;

static int oa_init(const cz_init *args, void **instance, cz_error *err)
{
    openai *o = calloc(1, sizeof *o);
    if (!o)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    const json_t *opt = args->options;
    cz_http_config_read(opt, &o->cfg);
    o->model = cz_opt_str(opt, "model");
    o->stream = cz_opt_bool(opt, "stream");
    o->json_mode = cz_opt_bool(opt, "json_mode");
    o->send_seed = cz_opt_bool(opt, "send_seed");
    o->max_tokens = cz_opt_int(opt, "max_tokens");
    o->temperature = cz_opt_float(opt, "temperature");
    if (!*o->cfg.base_url || !*o->model) {
        free(o);
        return cz_err(err, CZ_EINVAL, MOD ": options base_url and model must not be empty");
    }
    if (cz_http_url(o->url, sizeof o->url, o->cfg.base_url, "chat/completions")) {
        free(o);
        return cz_err(err, CZ_EINVAL, MOD ": option base_url is too long");
    }
    o->http = cz_http_new(args->instance);
    if (!o->http) {
        free(o);
        return cz_err(err, CZ_ENOMEM, MOD ": cannot create the HTTP client");
    }
    *instance = o;
    return 0;
}

static void oa_fini(void *instance)
{
    openai *o = instance;
    cz_http_free(o->http);
    free(o);
}

/* ---- the request ------------------------------------------------------------ */

static json_t *build_body(const openai *o, cz_job *job, const json_t *req, int want_json)
{
    const char *sys = json_string_value(json_object_get(req, "system"));
    const char *prompt = json_string_value(json_object_get(req, "prompt"));
    json_t *msgs = json_array();
    char *sys2 = NULL;
    if (want_json && !(sys && strcasestr(sys, "json")) && !strcasestr(prompt, "json")) {
        /* json_object mode is refused by OpenAI unless a message says JSON */
        size_t n = (sys ? strlen(sys) : 0) + 64;
        sys2 = malloc(n);
        if (sys2)
            snprintf(sys2, n, "%s%sAnswer with one JSON object.", sys ? sys : "", sys && *sys ? "\n" : "");
        sys = sys2;
    }
    if (sys && *sys)
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", sys));
    json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "user", "content", prompt));
    free(sys2);
    const json_t *mt = json_object_get(req, "max_tokens");
    const json_t *tp = json_object_get(req, "temperature");
    json_t *b = json_pack("{s:s,s:o,s:I,s:f}", "model", o->model, "messages", msgs, "max_tokens",
                          json_is_integer(mt) ? json_integer_value(mt) : (json_int_t)o->max_tokens,
                          "temperature", json_is_number(tp) ? json_number_value(tp) : o->temperature);
    if (!b)
        return NULL;
    if (o->send_seed) {
        const json_t *sd = json_object_get(req, "seed");
        json_int_t seed = json_is_integer(sd) ? json_integer_value(sd)
                                              : (json_int_t)(cz_job_seed(job) & 0x7fffffff);
        json_object_set_new(b, "seed", json_integer(seed));
    }
    if (want_json && o->json_mode)
        json_object_set_new(b, "response_format", json_pack("{s:s}", "type", "json_object"));
    if (o->stream)
        json_object_set_new(b, "stream", json_true());
    return b;
}

/* ---- the answer ---------------------------------------------------------------- */

typedef cz_chat_answer answer;

static int add_text(answer *a, const char *s)
{
    return cz_text_append(&a->text, s);
}

static void take_usage(answer *a, const json_t *j)
{
    const json_t *u = json_object_get(j, "usage");
    if (json_is_object(u)) {
        a->in_tokens = json_integer_value(json_object_get(u, "prompt_tokens"));
        a->out_tokens = json_integer_value(json_object_get(u, "completion_tokens"));
    }
    const char *m = json_string_value(json_object_get(j, "model"));
    if (m)
        snprintf(a->model, sizeof a->model, "%s", m);
}

static int on_chunk(void *user, const cz_sse_event *ev)
{
    answer *a = user;
    if (!strcmp(ev->data, "[DONE]")) {
        a->done = 1;
        return 0;
    }
    json_t *j = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(a->error, sizeof a->error, "a stream chunk is not JSON");
        return CZ_EPROTO;
    }
    const json_t *e = json_object_get(j, "error");
    if (e) {
        char t[200];
        char *s = json_dumps(e, JSON_COMPACT);
        cz_http_error_text(s ? s : "", s ? strlen(s) : 0, t, sizeof t);
        free(s);
        snprintf(a->error, sizeof a->error, "the server sent an error in the stream: %s", t);
        json_decref(j);
        return CZ_ERETRY;
    }
    const json_t *c = json_object_get(json_object_get(json_array_get(json_object_get(j, "choices"), 0), "delta"),
                                      "content");
    int rc = json_is_string(c) ? add_text(a, json_string_value(c)) : 0;
    take_usage(a, j);
    json_decref(j);
    return rc;
}

/* A whole (non-streamed) completion. */
static int parse_completion(answer *a, const cz_http_response *rs, cz_error *err, const char *where)
{
    json_t *j = json_loadb(rs->body, rs->body_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        char t[120];
        cz_http_error_text(rs->body, rs->body_len, t, sizeof t);
        return cz_err(err, CZ_EPROTO, MOD ": %s answered something that is not JSON (\"%s\")", where, t);
    }
    const json_t *c = json_object_get(json_object_get(json_array_get(json_object_get(j, "choices"), 0), "message"),
                                      "content");
    int rc = 0;
    if (!json_is_string(c))
        rc = cz_err(err, CZ_EPROTO, MOD ": %s answered without choices[0].message.content", where);
    else
        rc = add_text(a, json_string_value(c));
    take_usage(a, j);
    a->done = 1;
    json_decref(j);
    return rc;
}

static int oa_call(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    openai *o = instance;
    if (strcmp(req->capability, "chat"))
        return cz_err(err, CZ_EINVAL, MOD ": no capability '%s'", req->capability);
    const char *prompt = json_string_value(json_object_get(req->body, "prompt"));
    if (!prompt)
        return cz_err(err, CZ_EINVAL, MOD ": a chat request needs a \"prompt\" string");
    int want_json = json_is_true(json_object_get(req->body, "json"));
    json_t *body = build_body(o, job, req->body, want_json);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    answer a = {0};
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    cz_http_request rq = {.size = sizeof rq, .method = "POST", .url = o->url, .headers = hdrs, .body = text,
                          .body_len = strlen(text), .timeout_ms = o->cfg.timeout_ms,
                          .connect_timeout_ms = o->cfg.connect_timeout_ms, .auth_env = o->cfg.api_key_env,
                          .auth_prefix = "Authorization: Bearer ", .on_event = o->stream ? on_chunk : NULL,
                          .user = &a, .job = job};
    cz_http_response rs;
    int rc = cz_http_send(o->http, &rq, &rs, err);
    free(text);
    if (!rc && (!o->stream || !rs.events)) /* not streamed, or the server ignored stream */
        rc = parse_completion(&a, &rs, err, "the server");
    else if (!rc && !a.done)
        rc = cz_err(err, CZ_ERETRY, MOD ": the stream ended before [DONE]: the answer is incomplete");
    return cz_chat_finish(reply, rc, &rs, &a, want_json, o->model, MOD, err);
}

static const cz_provider_vtable vtable = {
    .size = sizeof(cz_provider_vtable),
    .version = CZ_PROVIDER_VTABLE_VERSION,
    .capabilities = (const char *const[]){"chat", NULL},
    .call = oa_call,
};

CZ_MODULE(.name = "provider.openai", .version = "1.0.0", .kind = CZ_KIND_PROVIDER,
          .summary = "Chat through an OpenAI-compatible API (OpenAI, llama.cpp, vLLM, Ollama)",
          .options = options, .init = oa_init, .fini = oa_fini, .vtable = &vtable);
