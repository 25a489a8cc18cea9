/*
 * cadenza/cadenza.h - everything a module may include, in one header.
 */
#ifndef CADENZA_CADENZA_H
#define CADENZA_CADENZA_H

#include "error.h"
#include "log.h"
#include "rng.h"
#include "score.h"
#include "audio.h"
#include "bus.h"
#include "job.h"
#include "provider.h"
#include "dsp.h"
#include "module.h"
#include "http.h"

#endif
