/*
 * provider.anthropic - chat through Anthropic's Messages API.
 *
 * POST {base_url}/v1/messages with headers x-api-key (from api_key_env)
 * and anthropic-version, body {model, max_tokens (the API requires it),
 * system (a top-level field, not a message), messages: [user], temperature,
 * stream}. JSON replies: the text blocks of content[]. Streams (option
 * `stream`): named Server-Sent Events
 *
 *   message_start        usage.input_tokens, the model
 *   content_block_start  a text block (its initial text, usually "")
 *   content_block_delta  delta.type text_delta: delta.text
 *   content_block_stop, message_delta (usage.output_tokens), message_stop
 *   ping                 ignored
 *   error                {"error": {"type", "message"}}: the call fails,
 *                        retryably for overloaded_error, api_error and
 *                        rate_limit_error
 *
 * A stream without message_stop was cut off (CZ_ERETRY). The API has no
 * JSON mode: a request asking for JSON gets a system instruction, and the
 * answer goes through cz_chat_reply() (text without a JSON object is
 * CZ_EPROTO).
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdlib.h>
#include <string.h>

#include <cadenza/cadenza.h>

#define MOD "provider.anthropic"

static const cz_option options[] = {
    CZ_HTTP_OPTIONS("https://api.anthropic.com", "ANTHROPIC_API_KEY", "60000", "2"),
    CZ_OPTION_STRING("model", "claude-3-5-haiku-latest", "model name"),
    CZ_OPTION_BOOL("stream", "false", "stream the answer (Server-Sent Events)"),
    CZ_OPTION_INT("max_tokens", "1024", 1, 1000000, "longest answer, when the request names none (the API requires one)"),
    CZ_OPTION_FLOAT("temperature", "0.7", 0, 1, "sampling temperature, when the request names none"),
    CZ_OPTION_STRING("anthropic_version", "2023-06-01", "value of the anthropic-version header"),
    CZ_OPTIONS_END};

typedef struct anthropic {
    cz_http *http;
    cz_http_config cfg;
    char url[1024];
    char version_header[96];
    const char *model;
    int stream;
    int64_t max_tokens;
    double temperature;
} anthropic;

static int an_init(const cz_init *args, void **instance, cz_error *err)
{
    anthropic *a = calloc(1, sizeof *a);
    if (!a)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    const json_t *opt = args->options;
    cz_http_config_read(opt, &a->cfg);
    a->model = cz_opt_str(opt, "model");
    a->stream = cz_opt_bool(opt, "stream");
    a->max_tokens = cz_opt_int(opt, "max_tokens");
    a->temperature = cz_opt_float(opt, "temperature");
    const char *ver = cz_opt_str(opt, "anthropic_version");
    if (!*a->cfg.base_url || !*a->model || !*ver || strpbrk(ver, "\r\n") || strlen(ver) > 64) {
        free(a);
        return cz_err(err, CZ_EINVAL, MOD ": options base_url, model and anthropic_version must be set (one line each)");
    }
    snprintf(a->version_header, sizeof a->version_header, "anthropic-version: %s", ver);
    if (cz_http_url(a->url, sizeof a->url, a->cfg.base_url, "v1/messages")) {
        free(a);
        return cz_err(err, CZ_EINVAL, MOD ": option base_url is too long");
    }
    a->http = cz_http_new(args->instance);
    if (!a->http) {
        free(a);
        return cz_err(err, CZ_ENOMEM, MOD ": cannot create the HTTP client");
    }
    *instance = a;
    return 0;
}

static void an_fini(void *instance)
{
    anthropic *a = instance;
    cz_http_free(a->http);
    free(a);
}

static json_t *build_body(const anthropic *a, const json_t *req, int want_json)
{
    const char *sys = json_string_value(json_object_get(req, "system"));
    const char *prompt = json_string_value(json_object_get(req, "prompt"));
    const json_t *mt = json_object_get(req, "max_tokens");
    const json_t *tp = json_object_get(req, "temperature");
    double temp = json_is_number(tp) ? json_number_value(tp) : a->temperature;
    json_t *b = json_pack("{s:s,s:I,s:[{s:s,s:s}],s:f}", "model", a->model, "max_tokens",
                          json_is_integer(mt) ? json_integer_value(mt) : (json_int_t)a->max_tokens, "messages",
                          "role", "user", "content", prompt, "temperature", temp > 1 ? 1.0 : temp);
    if (!b)
        return NULL;
    const char *extra = want_json ? "Answer with one JSON object and nothing else." : NULL;
    if ((sys && *sys) || extra) {
        size_t n = (sys ? strlen(sys) : 0) + 64;
        char *s = malloc(n);
        if (!s) {
            json_decref(b);
            return NULL;
        }
        snprintf(s, n, "%s%s%s", sys ? sys : "", sys && *sys && extra ? "\n" : "", extra ? extra : "");
        json_object_set_new(b, "system", json_string(s));
        free(s);
    }
    if (a->stream)
        json_object_set_new(b, "stream", json_true());
    return b;
}

typedef cz_chat_answer answer;

static int add_text(answer *a, const char *s)
{
    return cz_text_append(&a->text, s);
}

static const char *str_of(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static int error_class(const char *type)
{
    if (type && (!strcmp(type, "overloaded_error") || !strcmp(type, "api_error") ||
                 !strcmp(type, "rate_limit_error") || !strcmp(type, "timeout_error")))
        return CZ_ERETRY;
    if (type && (!strcmp(type, "authentication_error") || !strcmp(type, "permission_error")))
        return CZ_EPERM;
    return CZ_EINVAL;
}

static int on_event(void *user, const cz_sse_event *ev)
{
    answer *a = user;
    if (!strcmp(ev->event, "ping"))
        return 0;
    json_t *j = json_loadb(ev->data, ev->data_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(a->error, sizeof a->error, "the '%.40s' event is not JSON", ev->event);
        return CZ_EPROTO;
    }
    int rc = 0;
    if (!strcmp(ev->event, "message_start")) {
        const json_t *m = json_object_get(j, "message");
        a->in_tokens = json_integer_value(json_object_get(json_object_get(m, "usage"), "input_tokens"));
        const char *model = json_string_value(json_object_get(m, "model"));
        if (model)
            snprintf(a->model, sizeof a->model, "%s", model);
    } else if (!strcmp(ev->event, "content_block_start")) {
        const char *t = json_string_value(json_object_get(json_object_get(j, "content_block"), "text"));
        if (t)
            rc = add_text(a, t);
    } else if (!strcmp(ev->event, "content_block_delta")) {
        const json_t *d = json_object_get(j, "delta");
        const char *t = json_string_value(json_object_get(d, "text"));
        if (t && !strcmp(str_of(json_object_get(d, "type")), "text_delta"))
            rc = add_text(a, t);
    } else if (!strcmp(ev->event, "message_delta")) {
        json_int_t o = json_integer_value(json_object_get(json_object_get(j, "usage"), "output_tokens"));
        if (o)
            a->out_tokens = o;
    } else if (!strcmp(ev->event, "message_stop")) {
        a->done = 1;
    } else if (!strcmp(ev->event, "error")) {
        const json_t *e = json_object_get(j, "error");
        const char *type = json_string_value(json_object_get(e, "type"));
        char t[200];
        char *s = json_dumps(j, JSON_COMPACT);
        cz_http_error_text(s ? s : "", s ? strlen(s) : 0, t, sizeof t);
        free(s);
        snprintf(a->error, sizeof a->error, "the stream reported %s: %s", type ? type : "an error", t);
        rc = error_class(type);
    }
    json_decref(j);
    return rc;
}

static int parse_message(answer *a, const cz_http_response *rs, cz_error *err)
{
    json_t *j = json_loadb(rs->body, rs->body_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        char t[120];
        cz_http_error_text(rs->body, rs->body_len, t, sizeof t);
        return cz_err(err, CZ_EPROTO, MOD ": the server answered something that is not JSON (\"%s\")", t);
    }
    const json_t *content = json_object_get(j, "content");
    int rc = json_is_array(content) ? 0
             : cz_err(err, CZ_EPROTO, MOD ": the server answered without a content list");
    size_t i;
    json_t *blk;
    json_array_foreach(content, i, blk) {
        const char *t = json_string_value(json_object_get(blk, "text"));
        if (!rc && t && !strcmp(str_of(json_object_get(blk, "type")), "text"))
            rc = add_text(a, t);
    }
    const json_t *u = json_object_get(j, "usage");
    a->in_tokens = json_integer_value(json_object_get(u, "input_tokens"));
    a->out_tokens = json_integer_value(json_object_get(u, "output_tokens"));
    const char *model = json_string_value(json_object_get(j, "model"));
    if (model)
        snprintf(a->model, sizeof a->model, "%s", model);
    a->done = 1;
    json_decref(j);
    return rc;
}

static int an_call(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    anthropic *an = instance;
    if (strcmp(req->capability, "chat"))
        return cz_err(err, CZ_EINVAL, MOD ": no capability '%s'", req->capability);
    if (!json_is_string(json_object_get(req->body, "prompt")))
        return cz_err(err, CZ_EINVAL, MOD ": a chat request needs a \"prompt\" string");
    int want_json = json_is_true(json_object_get(req->body, "json"));
    json_t *body = build_body(an, req->body, want_json);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text)
        return cz_err(err, CZ_ENOMEM, MOD ": out of memory");
    answer a = {0};
    const char *hdrs[] = {an->version_header, "Content-Type: application/json", NULL};
    cz_http_request rq = {.size = sizeof rq, .method = "POST", .url = an->url, .headers = hdrs, .body = text,
                          .body_len = strlen(text), .timeout_ms = an->cfg.timeout_ms,
                          .connect_timeout_ms = an->cfg.connect_timeout_ms, .auth_env = an->cfg.api_key_env,
                          .auth_prefix = "x-api-key: ", .on_event = an->stream ? on_event : NULL, .user = &a,
                          .job = job};
    cz_http_response rs;
    int rc = cz_http_send(an->http, &rq, &rs, err);
    free(text);
    if (!rc && (!an->stream || !rs.events))
        rc = parse_message(&a, &rs, err);
    else if (!rc && !a.done)
        rc = cz_err(err, CZ_ERETRY, MOD ": the stream ended before message_stop: the answer is incomplete");
    return cz_chat_finish(reply, rc, &rs, &a, want_json, an->model, MOD, err);
}

static const cz_provider_vtable vtable = {
    .size = sizeof(cz_provider_vtable),
    .version = CZ_PROVIDER_VTABLE_VERSION,
    .capabilities = (const char *const[]){"chat", NULL},
    .call = an_call,
};

CZ_MODULE(.name = "provider.anthropic", .version = "1.0.0", .kind = CZ_KIND_PROVIDER,
          .summary = "Chat through Anthropic's Messages API",
          .options = options, .init = an_init, .fini = an_fini, .vtable = &vtable);
