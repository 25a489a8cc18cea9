/*
 * midi_internal.h - shared declarations of finalization.midi (not SDK).
 *
 * The module is split by job:
 *   smf.c        the Standard MIDI File byte writer: chunks, variable-length
 *                quantities, running status, meta and channel events
 *   meta.c       the numbers the conductor track carries: tempo, time and
 *                key signature, derived from the score (and spec spelling)
 *   channels.c   which MIDI channel each score track plays on
 *   notes.c      note-on/off events per track, overlaps resolved per channel
 *   midi.c       the stage: options, reading the bus, assembling the file,
 *                writing it through the host and reporting on the bus
 */
#ifndef FINALIZATION_MIDI_INTERNAL_H
#define FINALIZATION_MIDI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cadenza/cadenza.h>

/* The largest delta-time (and, to keep every delta in range, the largest
 * absolute tick) a variable-length quantity can carry: 4 bytes of 7 bits. */
#define SMF_MAX_VLQ 0x0FFFFFFFu

/* Meta event types used here. */
#define SMF_META_TRACK_NAME 0x03u
#define SMF_META_MARKER 0x06u
#define SMF_META_END_OF_TRACK 0x2Fu
#define SMF_META_TEMPO 0x51u
#define SMF_META_TIME_SIG 0x58u
#define SMF_META_KEY_SIG 0x59u

/* ---- smf.c ------------------------------------------------------------ */

/* A growing byte buffer. `status` latches the first failure (CZ_ENOMEM, or
 * CZ_EINTERNAL for an event written out of time order) so callers may write
 * a whole track and check once. */
typedef struct smf_buf {
    uint8_t *data;
    size_t len, cap;
    int status;
} smf_buf;

void smf_buf_free(smf_buf *b);

/* Encode v (<= SMF_MAX_VLQ) as a variable-length quantity into out; returns
 * the number of bytes (1..4), or 0 when v is too large. */
size_t smf_vlq(uint32_t v, uint8_t out[4]);

/* Append the 14-byte MThd chunk. */
void smf_header(smf_buf *b, uint16_t format, uint16_t ntracks,
                uint16_t division);

/* One MTrk chunk being written. Events go in time order; channel events
 * use running status (the status byte is left out when it repeats), which
 * meta events cancel, as the SMF specification requires. */
typedef struct smf_track {
    smf_buf *buf;
    size_t len_at;   /* offset of the chunk's length field */
    uint32_t tick;   /* absolute time of the last event */
    uint8_t running; /* last channel status byte written, 0 = none */
} smf_track;

void smf_track_begin(smf_track *t, smf_buf *b);
void smf_track_meta(smf_track *t, uint32_t tick, uint8_t type,
                    const void *data, size_t n);
/* A channel message: status (0x80..0xEF) and one or two data bytes
 * (pass d2 < 0 for program change and channel pressure). */
void smf_track_channel(smf_track *t, uint32_t tick, uint8_t status,
                       uint8_t d1, int d2);
/* Write the end-of-track meta at `tick` (at least the last event's) and
 * patch the chunk length. */
void smf_track_end(smf_track *t, uint32_t tick);

/* ---- meta.c ----------------------------------------------------------- */

/* Microseconds per quarter note for bpm (> 0, finite); clamped into the
 * 24-bit field (1 .. 0xFFFFFF). */
uint32_t midi_tempo_us(double bpm);

/* Time signature bytes nn dd cc bb for num/den; CZ_EINVAL when den is not a
 * power of two or num is zero. */
int midi_time_signature(uint8_t num, uint8_t den, uint8_t out[4],
                        cz_error *err);

/* Key signature: sf (-7..7, negative = flats) and mi (0 major, 1 minor)
 * for tonic pitch class + mode. `spelling` ("F#", "Gb"; may be NULL) picks
 * between enharmonic signatures when it names the same pitch class.
 * CZ_EINVAL for a tonic above 11 or an unknown mode. */
int midi_key_signature(uint8_t tonic, uint8_t mode, const char *spelling,
                       int8_t *sf, uint8_t *mi, cz_error *err);

/* ---- channels.c -------------------------------------------------------- */

/* Fill chan[i] for every track of s: drums and percussion on
 * CZ_DRUM_CHANNEL, others on their own channel, moved off the drum channel
 * to a free one when they claim it. CZ_EINVAL when a channel is above 15
 * or no channel is free. */
int midi_assign_channels(const cz_score *s, uint8_t *chan, cz_error *err);

/* ---- notes.c ----------------------------------------------------------- */

/* One note event of a track, in file order. */
typedef struct midi_event {
    uint32_t tick;
    uint8_t on;       /* 1 note-on, 0 note-off */
    uint8_t pitch;
    uint8_t velocity; /* note-on velocity (note-offs use 64) */
    uint8_t pad;
} midi_event;

/* Every track's note events, ready to write. */
typedef struct midi_events {
    midi_event *ev;     /* all tracks' events, track after track */
    size_t *first;      /* track i owns ev[first[i] .. first[i + 1]) */
    uint32_t n_tracks;
    uint32_t truncated; /* notes cut short by a later same-pitch note */
    uint32_t dropped;   /* notes duplicating another's start and pitch */
} midi_events;

/* Build the events of every track of s on the channels in chan. Notes that
 * overlap a later note of the same pitch on the same channel (in any track)
 * end where it starts; a note starting with another of the same pitch at
 * the same tick is dropped (the longer is kept). At one tick, note-offs
 * come before note-ons. CZ_EINVAL (naming track and note) for a note with
 * zero length, a pitch above 127, a velocity of 0 or above 127, or a time
 * past SMF_MAX_VLQ; CZ_ENOMEM. */
int midi_build_events(const cz_score *s, const uint8_t *chan, midi_events *out,
                      cz_error *err);
void midi_events_free(midi_events *e);

#endif
