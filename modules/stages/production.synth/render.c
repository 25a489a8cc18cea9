/*
 * render.c - a whole song: stems, tracks, and the time-major chunk loop.
 *
 * The song is walked in chunks of SY_CHUNK frames and every track renders
 * each chunk in turn, writing its stem chunk and adding it to the main
 * buffer while both are in cache. A track that is silent in a chunk writes
 * nothing there, so the stem's zeroed pages are never touched.
 *
 * Memory: the stems and the main buffer are full-length stereo floats
 * (the bus contract), 8 bytes per frame each. First touching them costs a
 * page fault per 4 KB (about 1.4 us on the development VM: 0.2 s for a
 * dense 3-minute song, as much as the synthesis). Transparent huge pages
 * (MADV_HUGEPAGE) make that 10 times cheaper when the memory was recently
 * freed by the same process, but on a VM with free page reporting a fresh
 * process then pays the host for every 2 MB, and the run gets slower
 * (0.4 - 1.2 s instead of 0.25 s measured), so the buffers are left as
 * they come.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define SY_FADE_OUT_S 0.01 /* fade at the very end of the buffer */

static cz_audio *new_buffer(uint32_t rate, uint64_t frames)
{
    return cz_audio_new(rate, 2, frames);
}

int sy_render(const sy_render_args *a, char (*names)[32], cz_audio **out,
              sy_render_stats *stats, cz_error *err)
{
    const cz_score *sc = a->score;
    double frames_per_tick = (double)a->rate * 60.0 / (sc->bpm * sc->ppq);
    uint64_t song_frames = (uint64_t)llround(sc->total_ticks * frames_per_tick);
    uint64_t frames = song_frames + (uint64_t)llround(a->tail_s * a->rate);
    int fade_len = (int)(SY_FADE_OUT_S * a->rate);
    int64_t fade_at = (int64_t)frames - fade_len;
    int rc = 0;

    memset(stats, 0, sizeof *stats);
    sy_shared sh = *a->sh; /* the ISA is chosen per render */
    sh.isa = a->isa;
    cz_audio *mix = new_buffer(a->rate, frames);
    sy_track *tr = calloc(sc->n_tracks, sizeof *tr);
    cz_audio **stems = calloc(sc->n_tracks, sizeof *stems);
    size_t acc_floats = (size_t)SY_CHUNK * SY_LANES, ch_floats = SY_CHUNK + 2 * SY_LANES;
    float *work = aligned_alloc(64, (2 * acc_floats + 2 * ch_floats) * sizeof(float));
    uint32_t made = 0;
    if (!mix || !tr || !stems || !work) {
        rc = cz_err(err, CZ_ENOMEM, "production.synth: out of memory for %.1f s of audio",
                    (double)frames / a->rate);
        goto out;
    }
    memset(work, 0, (2 * acc_floats + 2 * ch_floats) * sizeof(float));
    sy_scratch s = {.accL = work, .accR = work + acc_floats, .L = work + 2 * acc_floats,
                    .R = work + 2 * acc_floats + ch_floats};
    for (; made < sc->n_tracks; made++) {
        rc = sy_track_init(&tr[made], &sc->tracks[made], &sh, a->style, a->rate, a->polyphony,
                           frames_per_tick, song_frames, a->seed, !a->no_half_rate, err);
        if (rc) {
            made++;
            goto out;
        }
        stats->half_rate_tracks += (uint32_t)tr[made].half;
        stems[made] = new_buffer(a->rate, frames);
        if (!stems[made]) {
            made++;
            rc = cz_err(err, CZ_ENOMEM, "production.synth: out of memory for the stem of track '%s' "
                        "(%.1f s stereo)", sc->tracks[made - 1].name, (double)frames / a->rate);
            goto out;
        }
    }

    uint64_t chunks = 0;
    for (uint64_t pos = 0; pos < frames; pos += SY_CHUNK, chunks++) {
        int n = frames - pos < SY_CHUNK ? (int)(frames - pos) : SY_CHUNK;
        if ((chunks & 1023) == 1023 && a->cancelled && a->cancelled(a->user)) {
            rc = cz_err(err, CZ_ECANCELED, "production.synth: cancelled at %.1f s",
                        (double)pos / a->rate);
            goto out;
        }
        for (uint32_t i = 0; i < sc->n_tracks; i++)
            if (sy_track_render(&tr[i], &s, n))
                sy_track_output(&tr[i], &s, n, stems[i]->samples + 2 * pos,
                                mix->samples + 2 * pos, fade_at - (int64_t)pos, fade_len);
    }

    for (uint32_t i = 0; i < sc->n_tracks; i++) {
        stats->notes += sc->tracks[i].n_notes;
        stats->steals += tr[i].steals;
        stats->hard_steals += tr[i].hard_steals;
        cz_audio *st = stems[i];
        stems[i] = NULL;
        if ((rc = cz_audio_add_stem(mix, names[i], st))) {
            rc = cz_err(err, rc, "production.synth: cannot attach the stem of track '%s'", names[i]);
            goto out;
        }
    }
    *out = mix;
    mix = NULL;
out:
    for (uint32_t i = 0; i < made; i++) {
        sy_track_free(&tr[i]);
        if (stems && stems[i])
            cz_audio_unref(stems[i]);
    }
    free(tr);
    free(stems);
    free(work);
    cz_audio_unref(mix);
    return rc;
}
