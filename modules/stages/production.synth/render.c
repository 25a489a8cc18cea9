/*
 * render.c - a whole song: stems, tracks, and the time-major chunk loop.
 *
 * The song is walked in chunks of SY_CHUNK frames and every track renders
 * each chunk in turn, into a staging block of SY_FLUSH frames per track
 * and the summed main block, while both are in cache. A full staging block
 * is written to the stem with cz_audio_write: the stems are spooled
 * (audio.h) unless the `spool` option says otherwise, so the process holds
 * only the staging blocks however long the song and however many tracks.
 * A track silent for a whole staging block writes nothing there: a spooled
 * stem reads back as silence where it was never written, and an in-memory
 * one keeps its zeroed pages untouched (unallocated).
 *
 * Memory in numbers: a 3-minute stereo stem at 48 kHz is 69 MB; a song of
 * five tracks held in memory took 414 MB with the main buffer, and first
 * touching those pages cost as much time as the synthesis (about 1.4 us per
 * 4 KB on the development VM). Writing the same bytes to a scratch file a
 * block at a time measured half that time there (0.08 s for 345 MB).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define SY_FADE_OUT_S 0.01 /* fade at the very end of the buffer */

static cz_audio *new_buffer(uint32_t rate, uint64_t frames, int spool, cz_error *err)
{
    cz_audio *a = NULL;
    if (spool)
        cz_audio_new_spooled(rate, 2, frames, &a, err);
    else if (!(a = cz_audio_new(rate, 2, frames)))
        cz_err(err, CZ_ENOMEM, "out of memory for %.1f s of stereo audio", (double)frames / rate);
    return a;
}

/* Write the staged block [pos, pos + n) of every track that sounded in it,
 * and the main block when any did. */
static int flush_block(const sy_render_args *a, cz_audio *mix, cz_audio **stems, float **stage,
                       const uint8_t *dirty, const float *main_blk, uint64_t pos, uint64_t n,
                       char (*names)[32], cz_error *err)
{
    int any = 0;
    for (uint32_t i = 0; i < a->score->n_tracks; i++) {
        if (!dirty[i])
            continue;
        any = 1;
        if (cz_audio_write(stems[i], pos, n, stage[i]))
            return cz_err(err, CZ_EIO, "production.synth: cannot write the stem of track '%s' "
                          "(" CZ_SPOOL_HINT ")", names[i]);
    }
    if (any && cz_audio_write(mix, pos, n, main_blk))
        return cz_err(err, CZ_EIO, "production.synth: cannot write the main buffer "
                      "(" CZ_SPOOL_HINT ")");
    return 0;
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
    uint32_t nt = sc->n_tracks;
    int rc = 0;

    memset(stats, 0, sizeof *stats);
    sy_shared sh = *a->sh; /* the ISA is chosen per render */
    sh.isa = a->isa;
    sh.sparse_max = a->voice_major ? 0 : SY_SPARSE_MAX;
    /* Only the stems are spooled (audio.h): the main sum stays in memory,
     * where mixing reuses its pages for the mix (cz_audio_recycle). */
    cz_audio *mix = new_buffer(a->rate, frames, 0, err);
    cz_audio_prefault(mix); /* written whole: map its pages in one call */
    sy_track *tr = calloc(nt, sizeof *tr);
    cz_audio **stems = calloc(nt, sizeof *stems);
    size_t acc_floats = (size_t)SY_CHUNK * SY_LANES, ch_floats = SY_CHUNK + 2 * SY_LANES;
    size_t block_floats = 2 * (size_t)SY_FLUSH;
    size_t work_floats = 2 * acc_floats + 2 * ch_floats + (nt + 1) * block_floats;
    float *work = aligned_alloc(64, work_floats * sizeof(float));
    float **stage = calloc(nt, sizeof *stage);
    uint8_t *dirty = calloc(nt, 1);
    /* each stem measured as it is written (audio.h cz_level), so mixing
     * need not read it all once more to stage its gain */
    cz_level *lv = calloc(nt, sizeof *lv);
    uint32_t made = 0;
    if (!mix) {
        rc = err ? err->code : CZ_ENOMEM;
        goto out;
    }
    if (!tr || !stems || !work || !stage || !dirty || !lv) {
        rc = cz_err(err, CZ_ENOMEM, "production.synth: out of memory");
        goto out;
    }
    memset(work, 0, work_floats * sizeof(float));
    sy_scratch s = {.accL = work, .accR = work + acc_floats, .L = work + 2 * acc_floats,
                    .R = work + 2 * acc_floats + ch_floats};
    float *main_blk = work + 2 * acc_floats + 2 * ch_floats;
    for (uint32_t i = 0; i < nt; i++)
        stage[i] = main_blk + (i + 1) * block_floats;
    for (; made < nt; made++) {
        rc = sy_track_init(&tr[made], &sc->tracks[made], &sh, a->style, a->rate, a->polyphony,
                           frames_per_tick, song_frames, a->seed, !a->no_half_rate, err);
        if (rc) {
            made++;
            goto out;
        }
        stats->half_rate_tracks += (uint32_t)tr[made].half;
        cz_level_init(&lv[made], a->rate, 2);
        cz_error why = {0}; /* the cause, quoted in our message (not err: that is written) */
        stems[made] = new_buffer(a->rate, frames, a->spool, &why);
        if (!stems[made]) {
            made++;
            rc = cz_err(err, why.code ? why.code : CZ_ENOMEM, "production.synth: no room for the "
                        "stem of track '%s' (%.1f s stereo): %s", sc->tracks[made - 1].name,
                        (double)frames / a->rate, why.code ? why.msg : "out of memory");
            goto out;
        }
    }

    uint64_t chunks = 0;
    for (uint64_t pos0 = 0; pos0 < frames; pos0 += SY_FLUSH) {
        uint64_t nb = frames - pos0 < SY_FLUSH ? frames - pos0 : SY_FLUSH;
        memset(main_blk, 0, 2 * nb * sizeof(float));
        memset(dirty, 0, nt);
        for (uint64_t off = 0; off < nb; off += SY_CHUNK, chunks++) {
            int n = nb - off < SY_CHUNK ? (int)(nb - off) : SY_CHUNK;
            uint64_t pos = pos0 + off;
            if ((chunks & 1023) == 1023 && a->cancelled && a->cancelled(a->user)) {
                rc = cz_err(err, CZ_ECANCELED, "production.synth: cancelled at %.1f s",
                            (double)pos / a->rate);
                goto out;
            }
            for (uint32_t i = 0; i < nt; i++) {
                if (sy_track_render(&tr[i], &s, n)) {
                    if (!dirty[i]) { /* first sound in this block: silence before it */
                        memset(stage[i], 0, 2 * off * sizeof(float));
                        dirty[i] = 1;
                    }
                    sy_track_output(&tr[i], &s, n, stage[i] + 2 * off, main_blk + 2 * off,
                                    fade_at - (int64_t)pos, fade_len);
                } else if (dirty[i]) {
                    memset(stage[i] + 2 * off, 0, 2 * (size_t)n * sizeof(float));
                }
            }
        }
        if ((rc = flush_block(a, mix, stems, stage, dirty, main_blk, pos0, nb, names, err)))
            goto out;
        for (uint32_t i = 0; i < nt; i++)
            if (cz_level_feed(&lv[i], dirty[i] ? stage[i] : NULL, nb)) {
                rc = cz_err(err, CZ_ENOMEM, "production.synth: out of memory");
                goto out;
            }
    }

    for (uint32_t i = 0; i < nt; i++) {
        stats->notes += sc->tracks[i].n_notes;
        stats->steals += tr[i].steals;
        stats->hard_steals += tr[i].hard_steals;
        if (a->levels)
            a->levels[i] = cz_level_db(&lv[i]);
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
        if (lv)
            cz_level_free(&lv[i]);
        if (stems && stems[i])
            cz_audio_unref(stems[i]);
    }
    free(tr);
    free(stems);
    free(stage);
    free(dirty);
    free(lv);
    free(work);
    cz_audio_unref(mix);
    return rc;
}
