/*
 * smf.c - Standard MIDI File byte writer.
 *
 * Big-endian chunk fields, delta times as variable-length quantities (7 bits
 * per byte, most significant group first, continuation bit 0x80 on every
 * byte but the last), running status for channel messages. Writing never
 * fails midway for the caller: the first error is latched in smf_buf.status
 * and later writes do nothing, so a track is written straight through and
 * checked once.
 */
#include <stdlib.h>
#include <string.h>

#include "midi_internal.h"

void smf_buf_free(smf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void put(smf_buf *b, const void *p, size_t n)
{
    if (b->status)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->status = CZ_ENOMEM;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u8(smf_buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_be(smf_buf *b, uint32_t v, unsigned bytes)
{
    uint8_t o[4];
    for (unsigned i = 0; i < bytes; i++)
        o[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    put(b, o, bytes);
}

size_t smf_vlq(uint32_t v, uint8_t out[4])
{
    if (v > SMF_MAX_VLQ)
        return 0;
    uint8_t tmp[4];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)(v & 0x7Fu);
        v >>= 7;
    } while (v);
    for (size_t i = 0; i < n; i++) /* most significant group first */
        out[i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80u : 0u));
    return n;
}

static void put_vlq(smf_buf *b, uint32_t v)
{
    uint8_t o[4];
    size_t n = smf_vlq(v, o);
    if (!n) {
        if (!b->status)
            b->status = CZ_EINTERNAL;
        return;
    }
    put(b, o, n);
}

void smf_header(smf_buf *b, uint16_t format, uint16_t ntracks,
                uint16_t division)
{
    put(b, "MThd", 4);
    put_be(b, 6, 4);
    put_be(b, format, 2);
    put_be(b, ntracks, 2);
    put_be(b, division, 2);
}

void smf_track_begin(smf_track *t, smf_buf *b)
{
    t->buf = b;
    t->tick = 0;
    t->running = 0;
    put(b, "MTrk", 4);
    t->len_at = b->len;
    put_be(b, 0, 4); /* patched by smf_track_end */
}

/* The delta from the previous event; an event before it is a bug here. */
static void put_delta(smf_track *t, uint32_t tick)
{
    if (tick < t->tick) {
        if (!t->buf->status)
            t->buf->status = CZ_EINTERNAL;
        return;
    }
    put_vlq(t->buf, tick - t->tick);
    t->tick = tick;
}

void smf_track_meta(smf_track *t, uint32_t tick, uint8_t type,
                    const void *data, size_t n)
{
    if (n > SMF_MAX_VLQ) {
        if (!t->buf->status)
            t->buf->status = CZ_EINTERNAL;
        return;
    }
    put_delta(t, tick);
    put_u8(t->buf, 0xFF);
    put_u8(t->buf, type);
    put_vlq(t->buf, (uint32_t)n);
    put(t->buf, data, n);
    t->running = 0; /* meta events cancel running status */
}

void smf_track_channel(smf_track *t, uint32_t tick, uint8_t status,
                       uint8_t d1, int d2)
{
    put_delta(t, tick);
    if (status != t->running)
        put_u8(t->buf, status);
    t->running = status;
    put_u8(t->buf, d1 & 0x7Fu);
    if (d2 >= 0)
        put_u8(t->buf, (uint8_t)d2 & 0x7Fu);
}

void smf_track_end(smf_track *t, uint32_t tick)
{
    smf_track_meta(t, tick > t->tick ? tick : t->tick, SMF_META_END_OF_TRACK,
                   NULL, 0);
    smf_buf *b = t->buf;
    if (b->status)
        return;
    size_t body = b->len - t->len_at - 4;
    if (body > 0xFFFFFFFFu) {
        b->status = CZ_EINTERNAL;
        return;
    }
    for (unsigned i = 0; i < 4; i++)
        b->data[t->len_at + i] = (uint8_t)(body >> (8 * (3 - i)));
}
