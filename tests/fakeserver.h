/*
 * tests/fakeserver.h - a loopback HTTP/1.1 server that speaks the wire
 * formats of the shipped HTTP providers, for tests and benchmarks (never
 * any network beyond 127.0.0.1).
 *
 * It binds 127.0.0.1 on a free port, serves each connection on its own
 * thread with keep-alive, records every request (method, path, headers,
 * body, arrival time) and answers:
 *
 *   POST .../chat/completions        OpenAI chat completions, JSON or SSE
 *   POST .../messages                Anthropic messages, JSON or SSE
 *   POST /release_task               ACE-Step 1.5 API: task id
 *   POST /query_result               ACE-Step: running once, then done
 *   GET  /v1/audio?path=...          ACE-Step: a real WAV file
 *   POST .../predictions             Replicate: create a prediction
 *   GET  .../predictions/ID          Replicate: processing, then succeeded
 *   GET  /files/NAME                 Replicate output file: a WAV
 *
 * Scripted faults apply to the next request whose path starts with a
 * prefix (FIFO), or to every request (fs_set_fault). The server also
 * holds the test kit for routers (fs_pipe: a pipeline built from YAML text
 * with jobs made by hand) and for the command line (fs_cli).
 */
#ifndef CZ_TEST_FAKESERVER_H
#define CZ_TEST_FAKESERVER_H

#include <stddef.h>
#include <stdint.h>

#include <cadenza/cadenza.h>

typedef enum fs_fault {
    FS_NONE = 0,
    FS_429,        /* 429 with Retry-After: arg seconds */
    FS_500,        /* 500 with a JSON error body */
    FS_401,        /* 401 whatever the key */
    FS_NOT_JSON,   /* 200 with a body that is not JSON */
    FS_PROSE,      /* a well-formed chat answer whose text is not JSON */
    FS_CUT,        /* the response stops in the middle (mid-event for SSE),
                      then the connection closes */
    FS_HANG,       /* read the request, never answer */
    FS_GEN_FAIL,   /* audio: the generation task fails (ACE-Step status 2,
                      Replicate status failed) */
    FS_STREAM_ERROR /* chat streams: an error event after the first chunk
                       (Anthropic: event error, overloaded_error; OpenAI: a
                       data chunk holding "error") */
} fs_fault;

typedef struct fs_server fs_server;

typedef struct fs_req {
    char method[16];
    char path[512];
    char *headers;   /* raw header block, "Name: value\r\n" lines */
    char *body;      /* NUL-terminated */
    size_t body_len;
    double t_ms;     /* arrival, monotonic ms */
} fs_req;

/* Start a server; aborts the test on failure. */
fs_server *fs_start(void);
/* The usual test fixture: put `key` in $CZ_TEST_KEY (the variable the test
 * pipelines' api_key_env names), log only errors (failures are what these
 * tests provoke), and start a server. */
fs_server *fs_start_with_key(const char *key);
void fs_stop(fs_server *s);
int fs_port(const fs_server *s);
/* "http://127.0.0.1:PORT" */
const char *fs_url(const fs_server *s);

/* Require this key (Authorization: Bearer KEY or x-api-key: KEY); others
 * get 401, whose message quotes the key presented (as some services do):
 * the client must keep it out of its own messages. NULL: no check. */
void fs_set_key(fs_server *s, const char *key);
/* Wait this long before every answer. */
void fs_set_delay_ms(fs_server *s, int ms);
/* The text chat endpoints answer (default: a JSON object as text). */
void fs_set_chat(fs_server *s, const char *text);
/* Replicate's output as a list of URLs instead of one string. */
void fs_set_output_list(fs_server *s, int on);
/* Where Replicate output files live (default: this server), e.g. another
 * fake server standing in for a CDN. */
void fs_set_file_base(fs_server *s, const char *url);
/* The WAV served for audio (default 44100 Hz, 2 channels, 1.5 s). */
void fs_set_wav(fs_server *s, int rate, int channels, double seconds);
/* Polls a generation task stays running before it is done (default 1). */
void fs_set_polls(fs_server *s, int n);

/* One-shot fault for the next request whose path starts with prefix
 * (NULL: any). */
void fs_push_fault(fs_server *s, const char *prefix, fs_fault f, int arg);
/* A fault for every request until cleared with FS_NONE. */
void fs_set_fault(fs_server *s, fs_fault f, int arg);

/* Requests received whose path starts with prefix (NULL: all). */
size_t fs_count(fs_server *s, const char *prefix);
/* Request i (0-based, arrival order), or NULL. Valid until fs_stop. */
const fs_req *fs_request(fs_server *s, size_t i);
/* The last request whose path starts with prefix, or NULL. */
const fs_req *fs_last(fs_server *s, const char *prefix);
/* Value of header name in r (case-insensitive), copied into buf; NULL
 * when absent. */
const char *fs_header(const fs_req *r, const char *name, char *buf, size_t n);
/* Connections accepted so far (keep-alive reuses them). */
size_t fs_connections(fs_server *s);

/* ---- a pipeline for router tests ------------------------------------------- */

typedef struct fs_pipe fs_pipe;

/* Write yaml to a temp file and build it with the build's registry
 * ($CADENZA_REGISTRY, else $BUILD/registry/index.json), instantiating
 * every module. NULL with why filled when it does not validate or init. */
fs_pipe *fs_pipe_new(const char *yaml, char *why, size_t n);
/* Start a new job (fresh bus) with this seed. */
void fs_pipe_job(fs_pipe *p, uint64_t seed);
/* Ask the pipeline's router, in the current job. */
int fs_pipe_ask(fs_pipe *p, const char *capability, const char *body_json,
                cz_reply *reply, cz_error *err);
/* Call provider `name` directly (no router), in the current job. */
int fs_pipe_call(fs_pipe *p, const char *name, const char *capability,
                 const char *body_json, cz_reply *reply, cz_error *err);
cz_job *fs_pipe_current(fs_pipe *p);
/* Run the pipeline's stages as one job (cz_job_run) on a fresh bus kept
 * as the current job's bus. Returns the job's status; err gets its error. */
int fs_pipe_run(fs_pipe *p, const char *prompt, uint64_t seed, const char *out_dir, cz_error *err);
cz_bus *fs_pipe_bus(fs_pipe *p);
/* The current job's router.attempts (an empty array when none). */
const json_t *fs_pipe_attempts(fs_pipe *p);
void fs_pipe_free(fs_pipe *p);

/* ---- the command line ------------------------------------------------------ */

/* Run "$BUILD/cadenza ARGS" (a shell command line; the environment is
 * this process's), stdout and stderr captured into *out (malloc'ed).
 * Returns the exit status, or -1. */
int fs_cli(char **out, const char *args);

/* A small PCM WAV file in memory (malloc'ed; *len set). */
unsigned char *fs_make_wav(int rate, int channels, double seconds, size_t *len);

#endif
