/*
 * Decoding a downloaded audio file (WAV, FLAC, Ogg, MP3 as libsndfile
 * supports them) from memory into a cz_audio.
 */
#ifndef REPLICATE_DECODE_H
#define REPLICATE_DECODE_H

#include <cadenza/cadenza.h>

/* CZ_EPROTO when the bytes are not audio libsndfile can read. `what`
 * names the source in messages. */
int decode_audio(const void *data, size_t n, const char *what, cz_audio **out, cz_error *err);

#endif
