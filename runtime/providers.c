/*
 * runtime/providers.c - the host side of the provider calls in provider.h
 * and job.h: the router a stage asks (cz_job_request), the providers a
 * router walks (count, info, find, can, call) and the attempt records
 * behind router.attempts. They read the job's graph, hence job_impl.h;
 * the kernel itself only instantiates providers and routers like any
 * other module and never calls them. The toolkit built on these calls
 * (retries, back-off, cache) is route.c.
 */
#include <stdio.h>
#include <string.h>

#include "../kernel/job_impl.h"
#include "runtime.h"

int cz_job_has_router(const cz_job *job)
{
    return job->g->router != NULL;
}

int cz_job_request(cz_job *job, const cz_request *req, cz_reply *reply, cz_error *err)
{
    *reply = (cz_reply){.retry_after_ms = -1};
    if (!req || !req->capability)
        return cz_err(err, CZ_EINVAL, "cz_job_request: no capability");
    const cz_instance *r = job->g->router;
    if (!r)
        return cz_err(err, CZ_ENOTFOUND, "the pipeline has no router, so no provider can answer '%s'", req->capability);
    const cz_router_vtable *vt = r->mod->desc.vtable;
    return vt->route(r->inst, job, req, reply, err);
}

uint32_t cz_job_provider_count(const cz_job *job)
{
    return (uint32_t)job->g->n_providers;
}

int cz_job_provider_info(const cz_job *job, uint32_t i, cz_provider_info *out)
{
    if (i >= job->g->n_providers)
        return CZ_ENOTFOUND;
    const cz_instance *p = &job->g->providers[i];
    *out = (cz_provider_info){p->label, p->mod->desc.name, p->mod->desc.version, p->options};
    return 0;
}

int cz_job_provider_find(const cz_job *job, const char *name)
{
    for (size_t i = 0; name && i < job->g->n_providers; i++)
        if (!strcmp(job->g->providers[i].label, name))
            return (int)i;
    return -1;
}

int cz_job_provider_can(const cz_job *job, uint32_t i, const char *capability)
{
    if (i >= job->g->n_providers || !capability)
        return 0;
    const cz_provider_vtable *vt = job->g->providers[i].mod->desc.vtable;
    for (size_t k = 0; vt->capabilities && vt->capabilities[k]; k++)
        if (!strcmp(vt->capabilities[k], capability))
            return 1;
    return 0;
}

int cz_job_provider_call(cz_job *job, uint32_t i, const cz_request *req, cz_reply *reply,
                         cz_error *err)
{
    *reply = (cz_reply){.retry_after_ms = -1};
    if (i >= job->g->n_providers)
        return cz_err(err, CZ_ENOTFOUND, "no provider #%u", i);
    if (!cz_job_provider_can(job, i, req->capability))
        return cz_err(err, CZ_EINVAL, "provider %s does not offer '%s'", job->g->providers[i].label,
                      req->capability);
    const cz_instance *p = &job->g->providers[i];
    const cz_provider_vtable *vt = p->mod->desc.vtable;
    int rc = vt->call(p->inst, job, req, reply, err);
    snprintf(reply->provider, sizeof reply->provider, "%s", p->label);
    return rc;
}

void cz_job_attempt(cz_job *job, const cz_attempt *a)
{
    if (!job->attempts)
        job->attempts = json_array();
    int i = cz_job_provider_find(job, a->provider);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:f,s:I,s:f}", "provider", a->provider ? a->provider : "",
                          "module", i >= 0 ? job->g->providers[i].mod->desc.name : "",
                          "capability", a->capability ? a->capability : "",
                          "outcome", a->outcome ? a->outcome : "failed", "http_status", a->http_status,
                          "latency_ms", a->latency_ms, "bytes", (json_int_t)a->bytes, "cost", a->cost);
    if (!o)
        return;
    json_object_set_new(o, "stage", json_string(cz_job_stage(job)));
    json_object_set_new(o, "error", a->error ? json_string(a->error) : json_null());
    json_array_append_new(job->attempts, o);
    cz_bus_put_json(job->bus, "router.attempts", json_deep_copy(job->attempts));
}
