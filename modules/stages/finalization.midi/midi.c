/*
 * midi.c - finalization.midi: the song's score as a Standard MIDI File.
 *
 * Reads the score under option score_key (default "arrangement.score") and
 * writes a format-1 SMF to option `file` (default "song.mid") in the job's
 * output folder, then puts `finalization.midi` (JSON) on the bus. Track 0
 * is the conductor track (title, tempo, time and key signature, a marker at
 * each section start); then one track per score track, in score order. See
 * README.md for the details and choices.
 *
 * The file is assembled in memory and written in one go; it depends only on
 * the score and the spec, so equal inputs give equal bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi_internal.h"

#define DEFAULT_TITLE "Cadenza"
#define MAX_TITLE 255 /* bytes of the conductor track name */

typedef struct midi_inst {
    char *score_key;
    char *file;
    int required;
} midi_inst;

static const cz_port reads[] = {
    CZ_READ_OPTIONAL("arrangement.score", CZ_TYPE_SCORE,
                     "the song to export; the key is option score_key, and "
                     "a score there is required when the stage runs"),
    CZ_READ_OPTIONAL("ideation.spec", CZ_TYPE_JSON,
                     "title (conductor track name) and key spelling "
                     "(sharps or flats in the key signature)"),
    CZ_PORTS_END};

static const cz_port writes[] = {
    CZ_WRITE("finalization.midi", CZ_TYPE_JSON,
             "{file, tracks, notes, bytes} of the MIDI file written"),
    CZ_PORTS_END};

static const cz_option options[] = {
    CZ_OPTION_STRING("score_key", "arrangement.score",
                     "bus key of the score to export"),
    CZ_OPTION_STRING("file", "song.mid",
                     "file name, relative to the job's output folder"),
    CZ_OPTION_BOOL("required", "true",
                   "fail when the job has no output folder (false: skip "
                   "with a log line)"),
    CZ_OPTIONS_END};

static void midi_fini(void *instance)
{
    midi_inst *m = instance;
    if (!m)
        return;
    free(m->score_key);
    free(m->file);
    free(m);
}

static int midi_init(const cz_init *args, void **instance, cz_error *err)
{
    const char *key = cz_opt_str(args->options, "score_key");
    const char *file = cz_opt_str(args->options, "file");
    if (!*key)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: option score_key is empty; name "
                      "the bus key of the score to export");
    if (!*file)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: option file is empty; name the "
                      "MIDI file to write, e.g. song.mid");
    midi_inst *m = calloc(1, sizeof *m);
    if (m) {
        m->score_key = strdup(key);
        m->file = strdup(file);
        m->required = cz_opt_bool(args->options, "required");
    }
    if (!m || !m->score_key || !m->file) {
        midi_fini(m);
        return cz_err(err, CZ_ENOMEM, "finalization.midi: out of memory");
    }
    *instance = m;
    return 0;
}

/* ---- assembling the file --------------------------------------------- */

typedef struct song_text {
    char title[MAX_TITLE + 1];
    const char *spelling; /* spec "key", or NULL */
} song_text;

/* Title and key spelling from the spec, when there is one. */
static void read_spec(cz_job *job, song_text *st)
{
    const cz_bus *bus = cz_job_bus(job);
    const json_t *spec = NULL;
    snprintf(st->title, sizeof st->title, "%s", DEFAULT_TITLE);
    st->spelling = NULL;
    int rc = cz_bus_get_json(bus, "ideation.spec", &spec);
    if (rc == CZ_ETYPE)
        cz_job_log(job, CZ_LOG_WARN,
                   "ideation.spec is a %s, not json; using the title \"%s\"",
                   cz_type_name(cz_bus_type(bus, "ideation.spec")),
                   DEFAULT_TITLE);
    if (rc || !json_is_object(spec))
        return;
    const char *title = json_string_value(json_object_get(spec, "title"));
    if (title && *title) {
        size_t n = strlen(title);
        if (n > MAX_TITLE) { /* cut at a UTF-8 character boundary */
            n = MAX_TITLE;
            while (n > 0 && ((unsigned char)title[n] & 0xC0u) == 0x80u)
                n--;
        }
        memcpy(st->title, title, n);
        st->title[n] = 0;
    }
    st->spelling = json_string_value(json_object_get(spec, "key"));
}

static int check_score(const cz_score *s, cz_error *err)
{
    if (s->ppq == 0 || s->ppq > 0x7FFFu)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score ppq %u does not fit a MIDI "
                      "file's division (1..32767)", s->ppq);
    if (!(s->bpm > 0) || !isfinite(s->bpm))
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score tempo %g bpm is not a "
                      "positive number", s->bpm);
    if (s->n_tracks > 0xFFFEu)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score has %u tracks; a MIDI file "
                      "holds at most 65534 besides the conductor",
                      s->n_tracks);
    if (s->total_ticks > SMF_MAX_VLQ)
        return cz_err(err, CZ_EINVAL,
                      "finalization.midi: score total_ticks %u is past the "
                      "%u a MIDI file can address", s->total_ticks,
                      SMF_MAX_VLQ);
    return 0;
}

typedef struct marker {
    uint32_t bar, idx;
} marker;

static int cmp_marker(const void *pa, const void *pb)
{
    const marker *a = pa, *b = pb;
    if (a->bar != b->bar)
        return a->bar < b->bar ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Track 0: name, tempo, meter, key, section markers. */
static int conductor_track(smf_buf *b, const cz_score *s, const song_text *st,
                           cz_error *err)
{
    uint8_t ts[4];
    int8_t sf;
    uint8_t mi;
    int rc = midi_time_signature(s->meter_num, s->meter_den, ts, err);
    if (!rc)
        rc = midi_key_signature(s->key_tonic, s->mode, st->spelling, &sf, &mi,
                                err);
    if (rc)
        return rc;
    uint64_t bar_ticks = (uint64_t)s->ppq * 4u * s->meter_num / s->meter_den;

    marker *mk = malloc((s->n_sections ? s->n_sections : 1) * sizeof *mk);
    if (!mk)
        return cz_err(err, CZ_ENOMEM, "finalization.midi: out of memory");
    for (uint32_t i = 0; i < s->n_sections; i++) {
        mk[i] = (marker){.bar = s->sections[i].start_bar, .idx = i};
        if (bar_ticks * mk[i].bar > SMF_MAX_VLQ) {
            free(mk);
            return cz_err(err, CZ_EINVAL,
                          "finalization.midi: section %u \"%.24s\" starts at "
                          "bar %u, past what a MIDI file can address", i,
                          s->sections[i].name, s->sections[i].start_bar);
        }
    }
    qsort(mk, s->n_sections, sizeof *mk, cmp_marker);

    uint32_t us = midi_tempo_us(s->bpm);
    uint8_t tempo[3] = {(uint8_t)(us >> 16), (uint8_t)(us >> 8), (uint8_t)us};
    uint8_t key[2] = {(uint8_t)sf, mi};
    smf_track t;
    smf_track_begin(&t, b);
    smf_track_meta(&t, 0, SMF_META_TRACK_NAME, st->title, strlen(st->title));
    smf_track_meta(&t, 0, SMF_META_TEMPO, tempo, sizeof tempo);
    smf_track_meta(&t, 0, SMF_META_TIME_SIG, ts, sizeof ts);
    smf_track_meta(&t, 0, SMF_META_KEY_SIG, key, sizeof key);
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const cz_section *sec = &s->sections[mk[i].idx];
        smf_track_meta(&t, (uint32_t)(bar_ticks * mk[i].bar), SMF_META_MARKER,
                       sec->name, strnlen(sec->name, sizeof sec->name));
    }
    smf_track_end(&t, s->total_ticks);
    free(mk);
    return 0;
}

static uint8_t volume_cc(float v)
{
    if (!isfinite(v))
        return 100; /* the General MIDI default */
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint8_t)lroundf(v * 127.0f);
}

static uint8_t pan_cc(float p)
{
    if (!isfinite(p))
        return 64;
    p = p < -1 ? -1 : p > 1 ? 1 : p;
    return (uint8_t)lroundf(p < 0 ? 64.0f + p * 64.0f : 64.0f + p * 63.0f);
}

static const char *role_name(cz_role r)
{
    const char *n = cz_role_name(r);
    return n && *n ? n : "track";
}

/* One score track: name, program, volume, pan, notes. */
static void note_track(smf_buf *b, const cz_score *s, uint32_t i, uint8_t ch,
                       const midi_events *ev)
{
    const cz_track *tr = &s->tracks[i];
    size_t nlen = strnlen(tr->name, sizeof tr->name);
    const char *name = nlen ? tr->name : role_name(tr->role);
    smf_track t;
    smf_track_begin(&t, b);
    smf_track_meta(&t, 0, SMF_META_TRACK_NAME, name, nlen ? nlen : strlen(name));
    if (ch != CZ_DRUM_CHANNEL)
        smf_track_channel(&t, 0, (uint8_t)(0xC0u | ch), tr->program & 0x7Fu, -1);
    smf_track_channel(&t, 0, (uint8_t)(0xB0u | ch), 7, volume_cc(tr->volume));
    smf_track_channel(&t, 0, (uint8_t)(0xB0u | ch), 10, pan_cc(tr->pan));
    for (size_t k = ev->first[i]; k < ev->first[i + 1]; k++) {
        const midi_event *e = &ev->ev[k];
        smf_track_channel(&t, e->tick, (uint8_t)((e->on ? 0x90u : 0x80u) | ch),
                          e->pitch, e->velocity);
    }
    smf_track_end(&t, s->total_ticks);
}

/* The whole file into b; *notes counts the notes written. */
static int build_file(cz_job *job, const cz_score *s, const song_text *st,
                      smf_buf *b, uint64_t *notes, cz_error *err)
{
    int rc = check_score(s, err);
    if (rc)
        return rc;
    uint8_t *chan = malloc(s->n_tracks ? s->n_tracks : 1);
    if (!chan)
        return cz_err(err, CZ_ENOMEM, "finalization.midi: out of memory");
    midi_events ev = {0};
    rc = midi_assign_channels(s, chan, err);
    if (!rc)
        rc = midi_build_events(s, chan, &ev, err);
    if (rc) {
        free(chan);
        return rc;
    }
    for (uint32_t i = 0; i < s->n_tracks; i++)
        if (chan[i] != s->tracks[i].channel)
            cz_job_log(job, CZ_LOG_WARN,
                       "track \"%.32s\" (%s) asked for channel %u; written "
                       "on channel %u (channel 10 is the drum kit's)",
                       s->tracks[i].name, role_name(s->tracks[i].role),
                       s->tracks[i].channel + 1u, chan[i] + 1u);
    if (ev.truncated || ev.dropped)
        cz_job_log(job, CZ_LOG_INFO,
                   "%u overlapping notes shortened, %u duplicate notes "
                   "dropped (same pitch and channel)", ev.truncated,
                   ev.dropped);

    smf_header(b, 1, (uint16_t)(s->n_tracks + 1), (uint16_t)s->ppq);
    rc = conductor_track(b, s, st, err);
    for (uint32_t i = 0; !rc && i < s->n_tracks; i++)
        note_track(b, s, i, chan[i], &ev);
    *notes = ev.first[s->n_tracks] / 2;
    midi_events_free(&ev);
    free(chan);
    if (!rc && b->status)
        rc = cz_err(err, b->status, "finalization.midi: %s while assembling "
                    "the MIDI file", b->status == CZ_ENOMEM
                        ? "out of memory" : "an event out of time order");
    return rc;
}

/* ---- the stage --------------------------------------------------------- */

static int write_file(cz_job *job, const midi_inst *m, const smf_buf *b,
                      cz_error *err)
{
    char path[4096];
    cz_error host = {0};
    int rc = cz_job_output_path(job, m->file, path, sizeof path, &host);
    if (rc)
        return cz_err(err, rc, "finalization.midi: option file \"%s\": %s",
                      m->file, host.msg[0] ? host.msg : cz_strerror(rc));
    FILE *f = fopen(path, "wb");
    if (!f)
        return cz_err(err, CZ_EIO, "finalization.midi: cannot create %s: %m",
                      path);
    size_t put = fwrite(b->data, 1, b->len, f);
    int bad = put != b->len || ferror(f);
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        errno = e;
        return cz_err(err, CZ_EIO, "finalization.midi: cannot write %s: %m",
                      path);
    }
    return 0;
}

static int put_report(cz_job *job, const char *file, uint32_t tracks,
                      uint64_t notes, size_t bytes, cz_error *err)
{
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "file", file ? json_string(file) : json_null());
        json_object_set_new(o, "tracks", json_integer(tracks));
        json_object_set_new(o, "notes", json_integer((json_int_t)notes));
        json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
        if (!file)
            json_object_set_new(o, "skipped", json_true());
    }
    int rc = o ? cz_bus_put_json(cz_job_bus(job), "finalization.midi", o)
               : CZ_ENOMEM;
    if (rc)
        return cz_err(err, rc, "finalization.midi: cannot put "
                      "finalization.midi on the bus (%s)", cz_strerror(rc));
    return 0;
}

static int midi_run(void *instance, cz_job *job, cz_error *err)
{
    const midi_inst *m = instance;
    const cz_bus *bus = cz_job_bus(job);
    if (cz_job_cancelled(job))
        return cz_err(err, CZ_ECANCELED, "finalization.midi: cancelled");

    const cz_score *s = NULL;
    int rc = cz_bus_get_score(bus, m->score_key, &s);
    if (rc == CZ_ENOTFOUND)
        return cz_err(err, rc,
                      "finalization.midi: no score on the bus under \"%s\" "
                      "(option score_key); run a stage that writes it first",
                      m->score_key);
    if (rc == CZ_ETYPE)
        return cz_err(err, rc,
                      "finalization.midi: bus key \"%s\" (option score_key) "
                      "holds a %s, not a score", m->score_key,
                      cz_type_name(cz_bus_type(bus, m->score_key)));
    if (rc || !s)
        return cz_err(err, rc ? rc : CZ_EINTERNAL,
                      "finalization.midi: cannot read \"%s\" (%s)",
                      m->score_key, cz_strerror(rc));

    song_text st;
    read_spec(job, &st);
    smf_buf b = {0};
    uint64_t notes = 0;
    rc = build_file(job, s, &st, &b, &notes, err);
    uint32_t tracks = s->n_tracks + 1;
    if (!rc && !cz_job_has_output(job)) {
        if (m->required)
            rc = cz_err(err, CZ_ENOTFOUND,
                        "finalization.midi: the job has no output folder for "
                        "%s (run with --out DIR, or set required: false to "
                        "skip the file)", m->file);
        else {
            cz_job_log(job, CZ_LOG_INFO,
                       "no output folder: %s not written (required: false)",
                       m->file);
            cz_job_status(job, "skipped: no output folder");
            rc = put_report(job, NULL, tracks, notes, b.len, err);
            smf_buf_free(&b);
            return rc;
        }
    }
    if (!rc)
        rc = write_file(job, m, &b, err);
    if (!rc) {
        cz_job_log(job, CZ_LOG_INFO, "wrote %s: %u tracks, %llu notes, %zu "
                   "bytes", m->file, tracks, (unsigned long long)notes, b.len);
        cz_job_status(job, "%s, %u tracks", m->file, tracks);
        rc = put_report(job, m->file, tracks, notes, b.len, err);
    }
    smf_buf_free(&b);
    return rc;
}

CZ_MODULE(.name = "finalization.midi", .version = "1.0.0",
          .kind = CZ_KIND_STAGE,
          .summary = "Exports the score as a Standard MIDI File (type 1)",
          .reads = reads, .writes = writes, .options = options,
          .init = midi_init, .run = midi_run, .fini = midi_fini);
