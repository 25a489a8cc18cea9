/*
 * render.c - one job's render: the score's notes as MIDI events on one
 * FluidSynth, one MIDI channel per track, each channel routed to its own
 * stereo output (synth.audio-groups = channels), so each track is its own
 * stem with no second synth and no second copy of the SoundFont.
 *
 * Events are sample-accurate in the schedule (sorted by frame, note-offs
 * before note-ons at the same frame so a repeated pitch retriggers, then
 * score order); FluidSynth applies an event at the start of its next
 * internal 64-frame block, which is deterministic. The synth is rendered
 * between events in chunks of at most SF_CHUNK frames into planar buffers
 * that are interleaved into the stems; a chunk in which a track is silent
 * writes nothing to its stem, so silent stretches of a stem stay untouched
 * zero pages and cost no resident memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "soundfont.h"

typedef struct sf_event {
    uint64_t frame;
    uint32_t order;
    uint8_t chan, key, vel, on;
} sf_event;

static int ev_cmp(const void *a, const void *b)
{
    const sf_event *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->on != y->on)
        return x->on ? 1 : -1; /* offs first */
    return x->order < y->order ? -1 : x->order > y->order;
}

static int build_events(const cz_score *sc, double fpt, uint64_t song_frames,
                        sf_event **out, size_t *n_out)
{
    size_t n = 0, cap = 0;
    for (uint32_t i = 0; i < sc->n_tracks; i++)
        cap += 2 * (size_t)sc->tracks[i].n_notes;
    sf_event *ev = malloc((cap ? cap : 1) * sizeof *ev);
    if (!ev)
        return CZ_ENOMEM;
    uint32_t order = 0;
    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        const cz_track *t = &sc->tracks[i];
        for (uint32_t k = 0; k < t->n_notes; k++) {
            const cz_note *nt = &t->notes[k];
            uint64_t on = (uint64_t)llround(nt->tick * fpt);
            uint64_t off = (uint64_t)llround(((double)nt->tick + nt->len) * fpt);
            if (on >= song_frames || !nt->velocity || nt->pitch > 127)
                continue;
            if (off > song_frames)
                off = song_frames;
            if (off <= on)
                off = on + 1;
            uint8_t vel = nt->velocity > 127 ? 127 : nt->velocity;
            ev[n++] = (sf_event){on, order, (uint8_t)i, nt->pitch, vel, 1};
            ev[n++] = (sf_event){off, order, (uint8_t)i, nt->pitch, 0, 0};
            order++;
        }
    }
    qsort(ev, n, sizeof *ev, ev_cmp);
    *out = ev;
    *n_out = n;
    return 0;
}

/* The job synth's view of the instance's SoundFont: a font whose calls go
 * to the loaded one, and whose deletion (with the job synth) leaves the
 * loaded one alone. Lending the real font with fluid_synth_add_sfont would
 * need fluid_synth_remove_sfont before the synth is deleted, and that
 * re-selects presets on every channel with no font left, which FluidSynth
 * reports on stderr 64 times. */
static const char *px_name(fluid_sfont_t *s)
{
    return fluid_sfont_get_name(fluid_sfont_get_data(s));
}
static fluid_preset_t *px_preset(fluid_sfont_t *s, int bank, int prog)
{
    return fluid_sfont_get_preset(fluid_sfont_get_data(s), bank, prog);
}
static void px_start(fluid_sfont_t *s)
{
    fluid_sfont_iteration_start(fluid_sfont_get_data(s));
}
static fluid_preset_t *px_next(fluid_sfont_t *s)
{
    return fluid_sfont_iteration_next(fluid_sfont_get_data(s));
}
static int px_free(fluid_sfont_t *s)
{
    return delete_fluid_sfont(s) == FLUID_OK ? 0 : -1;
}

/* A synth for one job, with its own settings and the proxy font. */
static fluid_synth_t *job_synth(sf_instance *sf, fluid_settings_t **settings, int *sfont_id)
{
    *settings = sf_settings(sf);
    fluid_synth_t *syn = *settings ? new_fluid_synth(*settings) : NULL;
    fluid_sfont_t *px = syn ? new_fluid_sfont(px_name, px_preset, px_start, px_next, px_free) : NULL;
    if (px)
        fluid_sfont_set_data(px, sf->sfont);
    *sfont_id = px ? fluid_synth_add_sfont(syn, px) : FLUID_FAILED;
    if (*sfont_id == FLUID_FAILED) {
        if (px)
            delete_fluid_sfont(px);
        if (syn)
            delete_fluid_synth(syn);
        if (*settings)
            delete_fluid_settings(*settings);
        *settings = NULL;
        return NULL;
    }
    return syn;
}

static int is_drum(const cz_track *t)
{
    return t->channel == CZ_DRUM_CHANNEL || t->role == CZ_ROLE_DRUMS ||
           t->role == CZ_ROLE_PERC;
}

/* The job's synth: per track channel type,
 * preset (falling back to an existing one rather than letting FluidSynth
 * warn on stderr), volume and pan. */
static void setup_channels(fluid_synth_t *syn, fluid_sfont_t *font, int sfont_id,
                           int kit, cz_job *job, const cz_score *sc)
{
    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        const cz_track *t = &sc->tracks[i];
        int drum = is_drum(t), bank = drum ? 128 : 0;
        int prog = drum ? kit : (t->program & 127);
        fluid_synth_set_channel_type(syn, (int)i, drum ? CHANNEL_TYPE_DRUM : CHANNEL_TYPE_MELODIC);
        if (!font || !fluid_sfont_get_preset(font, bank, prog)) {
            cz_job_log(job, CZ_LOG_WARN, "track '%s': the SoundFont has no preset %d:%d; using %d:0",
                       t->name, bank, prog, bank);
            prog = 0;
        }
        if (font && fluid_sfont_get_preset(font, bank, prog))
            fluid_synth_program_select(syn, (int)i, sfont_id, bank, prog);
        float vol = t->volume >= 0 && t->volume <= 1 ? t->volume : 0.8f;
        float pan = t->pan >= -1 && t->pan <= 1 ? t->pan : 0.0f;
        fluid_synth_cc(syn, (int)i, 7, (int)lrintf(vol * 127));
        fluid_synth_cc(syn, (int)i, 10, (int)lrintf(64 + pan * 63));
    }
}

static int nonzero(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0.0f || b[i] != 0.0f)
            return 1;
    return 0;
}

/* Fade the last `fade` frames out, in memory or through the spool. */
static int fade_end(cz_audio *a, uint64_t fade)
{
    if (!a || fade > a->frames || !fade)
        return 0;
    uint64_t start = a->frames - fade;
    float *x = malloc(2 * fade * sizeof *x);
    int rc = x ? cz_audio_read(a, start, fade, x) : CZ_ENOMEM;
    for (uint64_t i = 0; !rc && i < fade; i++) {
        float g = (float)(fade - i) / (float)(fade + 1);
        x[2 * i] *= g;
        x[2 * i + 1] *= g;
    }
    if (!rc)
        rc = cz_audio_write(a, start, fade, x);
    free(x);
    return rc;
}

/* The render gathers SF_STAGE frames per track (and of the sum) before
 * writing them to the stems, so a spooled stem (audio.h) is written in
 * 64 KB pieces; a track silent for a whole piece writes nothing. */
typedef struct stage_blocks {
    float *sum, **track;
    uint8_t *dirty;
    uint64_t at;   /* song frame of the first staged frame */
    uint32_t fill; /* frames staged */
} stage_blocks;

static int stage_flush(stage_blocks *b, cz_audio *mix, cz_audio **stems, uint32_t nt)
{
    int rc = 0, any = 0;
    for (uint32_t i = 0; !rc && i < nt; i++)
        if (b->dirty[i]) {
            any = 1;
            rc = cz_audio_write(stems[i], b->at, b->fill, b->track[i]);
        }
    if (!rc && any)
        rc = cz_audio_write(mix, b->at, b->fill, b->sum);
    b->at += b->fill;
    b->fill = 0;
    memset(b->dirty, 0, nt);
    memset(b->sum, 0, 2 * (size_t)SF_STAGE * sizeof *b->sum);
    return rc;
}

int sf_kit_for_genre(const char *genre)
{
    static const struct { const char *genre; int kit; } kits[] = {
        {"edm", 24}, {"house", 24}, {"techno", 24}, {"trance", 24}, {"dnb", 24},
        {"dubstep", 24}, {"electronic", 24}, {"synthwave", 24}, {"chiptune", 24},
        {"disco", 24}, {"hiphop", 25}, {"trap", 25}, {"lofi", 25}, {"rnb", 25},
        {"rock", 16}, {"metal", 16}, {"funk", 8}, {"reggae", 8}, {"latin", 8},
        {"jazz", 32}, {"blues", 40}, {"folk", 40}, {"country", 8},
        {"classical", 48}, {"cinematic", 48}, {"ambient", 8},
    };
    for (size_t i = 0; genre && i < sizeof kits / sizeof kits[0]; i++)
        if (!strcmp(genre, kits[i].genre))
            return kits[i].kit;
    return 0;
}

int sf_render(sf_instance *sf, cz_job *job, const cz_score *sc,
              uint64_t song_frames, int kit, cz_audio *mix, cz_audio **stems,
              cz_error *err)
{
    uint32_t nt = sc->n_tracks, nout = 2 * nt;
    double fpt = (double)sf->rate * 60.0 / (sc->bpm * sc->ppq);
    sf_event *ev = NULL;
    size_t n_ev = 0;
    float *planar = malloc((size_t)nout * SF_CHUNK * sizeof(float));
    float **outs = malloc(nout * sizeof *outs);
    size_t block = 2 * (size_t)SF_STAGE;
    stage_blocks sb = {.sum = calloc((nt + 1) * block, sizeof(float)),
                       .track = malloc(nt * sizeof *sb.track), .dirty = calloc(nt, 1)};
    if (!planar || !outs || !sb.sum || !sb.track || !sb.dirty ||
        build_events(sc, fpt, song_frames, &ev, &n_ev)) {
        free(planar);
        free(outs);
        free(sb.sum);
        free(sb.track);
        free(sb.dirty);
        return cz_err(err, CZ_ENOMEM, "production.soundfont: out of memory for the render");
    }
    for (uint32_t i = 0; i < nt; i++)
        sb.track[i] = sb.sum + (i + 1) * block;
    for (uint32_t i = 0; i < nout; i++)
        outs[i] = planar + (size_t)i * SF_CHUNK;
    fluid_settings_t *settings = NULL;
    int sfont_id = FLUID_FAILED;
    fluid_synth_t *syn = job_synth(sf, &settings, &sfont_id);
    if (!syn) {
        free(ev);
        free(planar);
        free(outs);
        free(sb.sum);
        free(sb.track);
        free(sb.dirty);
        return cz_err(err, CZ_ENOMEM, "production.soundfont: cannot create a FluidSynth synthesizer");
    }
    setup_channels(syn, sf->sfont, sfont_id, kit, job, sc);

    int rc = 0;
    uint64_t frames = mix->frames, pos = 0, chunks = 0;
    size_t e = 0;
    while (pos < frames) {
        for (; e < n_ev && ev[e].frame <= pos; e++) {
            if (ev[e].on)
                fluid_synth_noteon(syn, ev[e].chan, ev[e].key, ev[e].vel);
            else
                fluid_synth_noteoff(syn, ev[e].chan, ev[e].key);
        }
        uint64_t next = e < n_ev && ev[e].frame < frames ? ev[e].frame : frames;
        int len = next - pos < SF_CHUNK ? (int)(next - pos) : SF_CHUNK;
        memset(planar, 0, (size_t)nout * SF_CHUNK * sizeof(float));
        if (fluid_synth_process(syn, len, 0, NULL, (int)nout, outs) != FLUID_OK) {
            rc = cz_err(err, CZ_EINTERNAL, "production.soundfont: FluidSynth failed to render at %.2f s",
                        (double)pos / sf->rate);
            break;
        }
        if (sb.fill + (uint32_t)len > SF_STAGE && stage_flush(&sb, mix, stems, nt)) {
            rc = cz_err(err, CZ_EIO,
                        "production.soundfont: cannot write the stems (" CZ_SPOOL_HINT ")");
            break;
        }
        float *m = sb.sum + 2 * (size_t)sb.fill;
        for (uint32_t i = 0; i < nt; i++) {
            const float *l = outs[2 * i], *r = outs[2 * i + 1];
            float *s = sb.track[i] + 2 * (size_t)sb.fill;
            if (!nonzero(l, r, (size_t)len)) {
                if (sb.dirty[i])
                    memset(s, 0, 2 * (size_t)len * sizeof *s);
                continue;
            }
            if (!sb.dirty[i]) { /* first sound in this piece: silence before it */
                memset(sb.track[i], 0, 2 * (size_t)sb.fill * sizeof *s);
                sb.dirty[i] = 1;
            }
            for (int k = 0; k < len; k++) {
                s[2 * k] = l[k];
                s[2 * k + 1] = r[k];
                m[2 * k] += l[k];
                m[2 * k + 1] += r[k];
            }
        }
        sb.fill += (uint32_t)len;
        pos += (uint64_t)len;
        if ((++chunks & 1023) == 0 && cz_job_cancelled(job)) {
            rc = cz_err(err, CZ_ECANCELED, "production.soundfont: cancelled at %.1f s",
                        (double)pos / sf->rate);
            break;
        }
    }
    delete_fluid_synth(syn); /* frees the proxy, not the loaded font */
    delete_fluid_settings(settings);
    if (!rc && stage_flush(&sb, mix, stems, nt))
        rc = cz_err(err, CZ_EIO,
                    "production.soundfont: cannot write the stems (" CZ_SPOOL_HINT ")");
    if (!rc) {
        uint64_t fade = (uint64_t)(SF_FADE_S * sf->rate);
        int bad = fade_end(mix, fade);
        for (uint32_t i = 0; i < nt; i++)
            bad |= fade_end(stems[i], fade);
        if (bad)
            rc = cz_err(err, CZ_EIO,
                        "production.soundfont: cannot fade the stems' ends (" CZ_SPOOL_HINT ")");
    }
    free(ev);
    free(planar);
    free(outs);
    free(sb.sum);
    free(sb.track);
    free(sb.dirty);
    return rc;
}
