/*
 * soundfont.h - production.soundfont internals.
 */
#ifndef PRODUCTION_SOUNDFONT_H
#define PRODUCTION_SOUNDFONT_H

#include <pthread.h>
#include <fluidsynth.h>

#include <cadenza/cadenza.h>

#define SF_CHANNELS 64  /* MIDI channels (= tracks) one synth renders */
#define SF_CHUNK 1024   /* frames rendered per fluid_synth_process call */
#define SF_FADE_S 0.01  /* fade at the very end of the buffer */
#define SF_STAGE 8192   /* frames gathered per track between stem writes (64 KB) */

typedef struct sf_instance {
    fluid_settings_t *settings;
    fluid_synth_t *owner;  /* loads and owns the SoundFont; never renders */
    fluid_sfont_t *sfont;  /* lent to each job's synth */
    uint32_t rate;
    double tail_s, gain;
    int polyphony, preload, spool;
    char path[1024];
    pthread_mutex_t lock; /* one job at a time renders on the synth */
} sf_instance;

/* Settings for a synth of this instance (the owner's or a job's); NULL
 * when FluidSynth refuses one of them. */
fluid_settings_t *sf_settings(const sf_instance *sf);

/* Render the score into `mix` (stereo, zeroed, `frames` long) and one stem
 * per track (stems[i], same shape). Called with the instance locked. */
int sf_render(sf_instance *sf, cz_job *job, const cz_score *sc,
              uint64_t song_frames, int kit, cz_audio *mix, cz_audio **stems,
              cz_error *err);

/* GM drum kit (bank 128 program) for a genre id: 0 standard, 8 room,
 * 16 power, 24 electronic, 25 TR-808, 32 jazz, 40 brush, 48 orchestra. */
int sf_kit_for_genre(const char *genre);

#endif
