/*
 * provider.procedural - the offline path as a provider.
 *
 * A router strategy can always end on this provider: it needs no network,
 * no key and no model, and it always answers.
 *
 *   chat   an empty enrichment: {"text": "{}", "json": {}} and a
 *          "reasoning" line saying no model was asked, so the stage that
 *          asked (ideation) lets its rules decide every field;
 *   audio  a short band playing a chord progression in the requested key,
 *          mode, tempo and meter for the requested duration (render.c),
 *          deterministic in the request and the seed.
 */
#include <stdlib.h>
#include <string.h>

#include "proc.h"

static const cz_option options[] = {
    CZ_OPTION_INT("rate", "48000", 8000, 192000, "audio sample rate when the request names none"),
    CZ_OPTIONS_END};

typedef struct proc {
    int64_t rate;
} proc;

static int proc_init(const cz_init *args, void **instance, cz_error *err)
{
    proc *p = calloc(1, sizeof *p);
    if (!p)
        return cz_err(err, CZ_ENOMEM, "provider.procedural: out of memory");
    p->rate = cz_opt_int(args->options, "rate");
    *instance = p;
    return 0;
}

static void proc_fini(void *instance)
{
    free(instance);
}

static int chat(cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    reply->json = json_pack("{s:s,s:s,s:s}", "text", "{}", "model", "procedural", "reasoning",
                            "offline provider: no language model was asked, so the rules decide every field");
    if (!reply->json)
        return cz_err(err, CZ_ENOMEM, "provider.procedural: out of memory");
    if (json_is_true(json_object_get(req->body, "json")))
        json_object_set_new(reply->json, "json", json_object());
    return 0;
}

static int audio(const proc *p, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    proc_song s;
    int rc = proc_parse(req->body, cz_job_seed(job), &s, err);
    if (rc)
        return rc;
    if (!json_object_get(req->body, "rate"))
        s.rate = (uint32_t)p->rate;
    reply->audio = proc_render(&s, job);
    if (!reply->audio)
        return cz_err(err, CZ_ENOMEM, "provider.procedural: out of memory for %.0f s of audio", s.seconds);
    if (cz_job_cancelled(job))
        return cz_err(err, CZ_ECANCELED, "provider.procedural: the job was cancelled");
    reply->json = json_pack("{s:s,s:f,s:s}", "model", "procedural", "seconds", s.seconds, "reasoning",
                            "offline provider: a chord progression rendered from the request");
    return 0;
}

static int proc_call(void *instance, cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    if (!strcmp(req->capability, "chat"))
        return chat(job, req, reply, err);
    if (!strcmp(req->capability, "audio"))
        return audio(instance, job, req, reply, err);
    return cz_err(err, CZ_EINVAL, "provider.procedural: no capability '%s'", req->capability);
}

static const cz_provider_vtable vtable = {
    .size = sizeof(cz_provider_vtable),
    .version = CZ_PROVIDER_VTABLE_VERSION,
    .capabilities = (const char *const[]){"chat", "audio", NULL},
    .call = proc_call,
};

CZ_MODULE(.name = "provider.procedural", .version = "1.0.0", .kind = CZ_KIND_PROVIDER,
          .summary = "Offline provider: empty chat enrichment, a rendered chord progression for audio",
          .options = options, .init = proc_init, .fini = proc_fini, .vtable = &vtable);
