/*
 * cadenza/audio.h - rendered audio: interleaved float frames and named stems.
 *
 * Samples are 32-bit float, nominal range [-1, 1], interleaved
 * (L R L R ... for stereo) because that is what libsndfile and libebur128
 * take without a copy. A buffer may carry named stems (each itself a
 * cz_audio of the same rate and length): production puts one per track,
 * mixing keeps the processed ones beside the mix, finalization writes them.
 *
 * Audio is the largest value on the bus, so it is reference counted and
 * immutable once put: checkpoints, A/B branches and reruns share one copy.
 * Make a new buffer (or cz_audio_clone) to change samples.
 *
 * In memory or spooled: a buffer is either in memory (`samples` points at
 * the frames) or spooled to an unlinked scratch file (`samples` is NULL),
 * which is how song-length stems travel without a process holding every
 * one of them (a 3-minute stereo stem at 48 kHz is 69 MB). Read and write
 * any buffer a block at a time with cz_audio_read / cz_audio_write, which
 * work on both; or bring a spooled one into memory with cz_audio_load.
 * The host loads every audio input in full for modules built before
 * ABI 1.1 (which could not know), so only modules built with this header
 * meet spooled buffers, and only in stems: check `samples` or use
 * cz_audio_read before touching a stem's frames.
 *
 * Thread-safety: refcounting is atomic; filling a buffer is single-writer.
 */
#ifndef CADENZA_AUDIO_H
#define CADENZA_AUDIO_H

#include <stdint.h>
#include <stddef.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cz_audio cz_audio;

typedef struct cz_stem {
    char name[32];   /* track name, e.g. "bass", "drums" */
    cz_audio *audio; /* owned reference */
} cz_stem;

struct cz_audio {
    uint32_t rate;     /* frames per second: 44100, 48000, 96000 ... */
    uint32_t channels; /* 1 = mono, 2 = stereo */
    uint64_t frames;   /* samples per channel */
    float *samples;    /* frames * channels floats, interleaved */
    cz_stem *stems;
    uint32_t n_stems, cap_stems;
    int refs;          /* private to the host */
    int spool_fd;      /* private to the host: the scratch file, or -1 */
};

/* A zero-filled buffer with one reference; NULL when out of memory or when
 * rate or channels is zero. frames may be zero. */
cz_audio *cz_audio_new(uint32_t rate, uint32_t channels, uint64_t frames);

/* A deep copy of the samples (stems are shared, not copied). */
cz_audio *cz_audio_clone(const cz_audio *a);

void cz_audio_ref(const cz_audio *a);
void cz_audio_unref(const cz_audio *a);

/* Make *a safe to write in place, like GStreamer's make_writable: when the
 * buffer or any of its stems is shared (another reference exists), the
 * shared parts are copied and *a is replaced by a writable buffer holding
 * one reference (the caller's old reference is released). A buffer nobody
 * else holds is returned as it is, at no cost. CZ_ENOMEM on failure (then
 * *a is unchanged). Pair with cz_job_take_audio() to process a large
 * buffer in place instead of allocating a second one. */
int cz_audio_make_writable(cz_audio **a);

/* A zero-filled in-memory buffer of the given shape, without stems, that
 * reuses donor's sample memory when it can (ABI 1.2): donor is in memory,
 * nobody else holds it and its samples are at least as many. Takes over
 * the caller's reference to donor either way (its stems are released with
 * it). For a stage that turns one song-length buffer into another: zeroing
 * memory already touched is several times cheaper than first touching
 * fresh pages (on the development VM, 7 ms against 30 ms for 69 MB). NULL
 * when out of memory or when the shape is invalid (as cz_audio_new). */
cz_audio *cz_audio_recycle(cz_audio *donor, uint32_t rate, uint32_t channels, uint64_t frames);

/* Map an in-memory buffer's pages now, in one call, for a buffer about to
 * be written whole (ABI 1.2). Fresh pages otherwise come one fault at a
 * time as the writes reach them (two when the first access is the read of
 * a read-modify-write): on the development VM 19 ms against 40 ms for a
 * 69 MB song-length buffer. Not for buffers meant to stay mostly silent:
 * every page becomes resident. Only advice: nothing happens for spooled
 * buffers or where the system cannot do it. */
void cz_audio_prefault(cz_audio *a);

/* Attach `stem` under `name`, taking over the caller's reference.
 * CZ_EINVAL when rate, channels or length differ, or the name is taken
 * (the reference is released then too). */
int cz_audio_add_stem(cz_audio *a, const char *name, cz_audio *stem);

/* The stem called name, or NULL. Borrowed: valid while `a` lives. */
const cz_audio *cz_audio_stem(const cz_audio *a, const char *name);

/* A spooled buffer (see the top of this file): samples is NULL, the
 * frames live in an unlinked scratch file made in $CADENZA_SPOOL_DIR when
 * set, else $TMPDIR, else /var/tmp, else /tmp, and read back as silence
 * until written. For outputs produced and consumed a block at a time.
 * CZ_EINVAL for a zero rate or channel count, CZ_EIO (naming the folder)
 * when no scratch file can be made, CZ_ENOMEM. */
int cz_audio_new_spooled(uint32_t rate, uint32_t channels, uint64_t frames, cz_audio **out,
                         cz_error *err);

/* For messages about a failed cz_audio_read/write on a spooled buffer:
 * where the scratch files are and the likely cause. */
#define CZ_SPOOL_HINT "scratch file in CADENZA_SPOOL_DIR, TMPDIR or /var/tmp: disk full?"

/* Frames [at, at + n) of a, interleaved, into dst (n * channels floats),
 * from memory or from the spool. CZ_EINVAL when the span is not inside the
 * buffer, CZ_EIO when the scratch file cannot be read. Stems are not
 * included: read them as buffers of their own. */
int cz_audio_read(const cz_audio *a, uint64_t at, uint64_t n, float *dst);

/* Store n interleaved frames from src at frame `at` of a (in memory or
 * spooled); a must not be shared (see cz_audio_make_writable). CZ_EINVAL
 * outside the buffer, CZ_EIO when the scratch file cannot be written. */
int cz_audio_write(cz_audio *a, uint64_t at, uint64_t n, const float *src);

/* Bring a spooled buffer into memory (samples valid afterwards; the
 * scratch file goes); nothing to do for one already there. Leaves stems as
 * they are; cz_audio_load_all loads them too. Not safe while another
 * thread reads the same buffer. CZ_ENOMEM, CZ_EIO. */
int cz_audio_load(cz_audio *a);
int cz_audio_load_all(cz_audio *a);

/* Bytes a spooled buffer keeps free in front of its frames, for the header
 * of the file it may become (cz_audio_publish). 64 KiB keeps the frames
 * aligned with the page cache's large folios, so block writes fill whole
 * folios: with a 4 KiB head, production and mixing ran 10% slower. */
#define CZ_SPOOL_HEAD 65536

/* Deliver a spooled buffer as the file `path` without copying its frames
 * (ABI 1.2): the scratch file gets `head` (exactly CZ_SPOOL_HEAD bytes: pad
 * the container's header to that size, e.g. with a WAV "JUNK" chunk), the
 * frames as they are (native-endian 32-bit float, interleaved) and `tail`
 * (tail_len bytes, may be 0) after them, and is linked at path (an existing
 * file there is replaced). Use a path from cz_job_output_path.
 *
 * The buffer stays readable; its frames become read-only for everyone:
 * cz_audio_make_writable copies it and cz_audio_write returns CZ_EINVAL.
 *
 * CZ_ENOTSUP, with nothing changed and no message, when it cannot be done
 * here: the buffer is in memory or already published, the scratch file is
 * on another file system than path, or the system cannot name an unlinked
 * file. Write the file the ordinary way then, with the same bytes.
 * CZ_EIO (with a message) when writing or linking failed. */
int cz_audio_publish(const cz_audio *a, const char *path, const void *head, const void *tail,
                     size_t tail_len, cz_error *err);

/* A signal's gated level, the measure a mixer stages gain by (ABI 1.2):
 * the mean square of every 100 ms window (rate / 10 frames, all channels
 * together; the last window as long as it is), windows under -70 dBFS left
 * out, then those more than 20 dB under the mean of the rest; the level is
 * 10 log10 of the mean of what remains, in dBFS, or -200 when nothing
 * remains. Feed the frames in order, in blocks of any size: a window sums
 * its squares in double, in sixteen lanes by position, and adds the lanes
 * in a fixed order, so the figure does not depend on how the signal was
 * cut, nor on the machine.
 * A stage that writes a signal anyway can measure it on the way and hand
 * the figure on (production.levels, docs/bus-keys.md), sparing the next
 * stage a second read of every sample. */
typedef struct cz_level {
    uint32_t channels;
    uint64_t win;   /* samples per window */
    uint64_t pos;   /* samples into the current window */
    double lane[16];
    float *ms;      /* mean square of each finished window */
    uint32_t n, cap;
} cz_level;

/* CZ_EINVAL for a zero rate or channel count. */
int cz_level_init(cz_level *m, uint32_t rate, uint32_t channels);
/* The next `frames` frames, interleaved; x NULL: that many frames of
 * silence. CZ_ENOMEM. */
int cz_level_feed(cz_level *m, const float *x, uint64_t frames);
/* The level so far, in dBFS (-200: silence); m is left as it is. */
double cz_level_db(const cz_level *m);
void cz_level_free(cz_level *m);

/* The cz_level of a whole buffer's own frames (not its stems), in memory
 * or spooled. CZ_EIO when the scratch file cannot be read, CZ_ENOMEM. */
int cz_audio_level_db(const cz_audio *a, double *db);

/* Decode an audio file held in memory (WAV, FLAC, Ogg, AIFF, ... anything
 * libsndfile reads) into a new buffer with one reference, interleaved
 * float at the file's own rate and channel count. `what` names the data in
 * messages ("the ACE-Step download"). CZ_EPROTO when it is not readable
 * audio, CZ_ENOMEM. */
int cz_audio_decode(const void *data, size_t n, const char *what, cz_audio **out,
                    cz_error *err);

/* Length in seconds. */
static inline double cz_audio_seconds(const cz_audio *a)
{
    return a->rate ? (double)a->frames / a->rate : 0.0;
}

#ifdef __cplusplus
}
#endif
#endif
