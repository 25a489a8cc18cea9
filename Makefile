# Cadenza: one entry point.
#   make              build build/cadenza, every module and the registry index
#   make check        every test (unit, conformance, integration)
#   make check SAN=1  the same, built with AddressSanitizer + UBSan in build-san/
#   make demo         the default pipeline on a sample prompt -> out/demo
#   make bench        benchmarks (figures and ratios, never pass/fail)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
V ?=
Q := $(if $(V),,@)
DESTDIR ?=
CC ?= cc
SAN ?=

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

# Install what is missing before anything else needs it.
DEP_PKGS := yaml-0.1 jansson libcurl sndfile flac fftw3f libebur128 fluidsynth check libmicrohttpd libpq
ifneq ($(shell pkg-config --exists $(DEP_PKGS) 2>/dev/null && echo yes),yes)
$(info make: some libraries are missing; running tools/install-deps)
DEP_STATUS := $(shell tools/install-deps >&2 && echo ok)
ifneq ($(DEP_STATUS),ok)
$(error tools/install-deps failed; see the message above)
endif
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS := -std=gnu11 $(OPT) -g $(WARN) $(SANFLAGS) -Isdk/include
LDSAN := $(SANFLAGS)

pc = $(shell pkg-config --cflags $(1))
pl = $(shell pkg-config --libs $(1))

# ---- the host: kernel/ (the core), runtime/ (the SDK's data types), cli/ --
KERNEL_PKGS := yaml-0.1 jansson libcurl sndfile
KERNEL_SRC := $(wildcard kernel/*.c runtime/*.c cli/*.c)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_SRC))
KERNEL_LIB_OBJ := $(filter-out $(BUILD)/obj/cli/main.o,$(KERNEL_OBJ))
KERNEL_CFLAGS := $(BASE_CFLAGS) -D_GNU_SOURCE -Ikernel $(call pc,$(KERNEL_PKGS)) -DCZ_VERSION='"$(shell cat VERSION)"'
# The host API (cz_*) is exported so that dlopen()ed modules bind to it.
KERNEL_LDFLAGS := $(LDSAN) -Wl,--export-dynamic-symbol='cz_*'
KERNEL_LIBS := $(call pl,$(KERNEL_PKGS)) -ldl -lpthread -lm
SDK_HEADERS := $(wildcard sdk/include/cadenza/*.h)

all: $(BUILD)/cadenza modules registry

$(BUILD)/obj/%.o: %.c $(wildcard kernel/*.h runtime/*.h) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

$(BUILD)/cadenza: $(KERNEL_OBJ)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -o $@.tmp $^ $(KERNEL_LDFLAGS) $(KERNEL_LIBS) && mv -f $@.tmp $@

# ---- modules: modules/<group>/<name>/ -> $(BUILD)/modules/<name>.so ------
# A module folder may hold a file `pkg` naming the pkg-config packages it
# links. Builds write a new file and rename it over the old one, because
# overwriting a loaded .so in place corrupts the process using it.
MODULE_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard modules/*/*/*.c))))
MODULE_SOS := $(foreach d,$(MODULE_DIRS),$(BUILD)/modules/$(notdir $(d)).so)
MOD_CFLAGS := $(BASE_CFLAGS) -fPIC -fvisibility=hidden $(call pc,jansson)

define MODULE_RULE
$(BUILD)/modules/$(notdir $(1)).so: $(wildcard $(1)/*.c $(1)/*.h $(1)/pkg) $(SDK_HEADERS)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  MODULE  $$@")
	$$(Q)$$(CC) $$(MOD_CFLAGS) -I$(1) $$(if $$(wildcard $(1)/pkg),$$(call pc,$$(shell cat $(1)/pkg))) -shared -o $$@.tmp $(wildcard $(1)/*.c) $$(LDSAN) $$(if $$(wildcard $(1)/pkg),$$(call pl,$$(shell cat $(1)/pkg))) $$(call pl,jansson) -lm && mv -f $$@.tmp $$@
endef
$(foreach d,$(MODULE_DIRS),$(eval $(call MODULE_RULE,$(d))))

modules: $(MODULE_SOS)

# ---- registry -------------------------------------------------------------
REGISTRY := $(if $(filter build,$(BUILD)),registry/index.json,$(BUILD)/registry/index.json)
registry: $(REGISTRY)
$(REGISTRY): $(BUILD)/cadenza $(MODULE_SOS)
	@mkdir -p $(dir $@)
	$(Q)CADENZA_REGISTRY=$@ $(BUILD)/cadenza registry build $(BUILD)/modules

# ---- tests ----------------------------------------------------------------
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_MOD_SRC := $(wildcard tests/modules/*.c)
TEST_MODS := $(patsubst tests/modules/%.c,$(BUILD)/tests/modules/%.so,$(TEST_MOD_SRC))
TEST_PKGS := check jansson yaml-0.1 sndfile fftw3f libebur128 libcurl libmicrohttpd
TEST_CFLAGS := $(KERNEL_CFLAGS) -Itests $(call pc,$(TEST_PKGS))

$(BUILD)/tests/%: tests/unit/%.c $(KERNEL_LIB_OBJ) $(wildcard tests/*.h tests/*.c)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $< $(wildcard tests/*.c) $(KERNEL_LIB_OBJ) $(KERNEL_LDFLAGS) $(call pl,$(TEST_PKGS)) $(KERNEL_LIBS)

# These tests compile their module's sources in (to force each vector build).
$(BUILD)/tests/test_synth: $(wildcard modules/stages/production.synth/*.c modules/stages/production.synth/*.h)
$(BUILD)/tests/test_files: $(wildcard modules/stages/finalization.files/*.c modules/stages/finalization.files/*.h)
$(BUILD)/tests/test_eq: $(wildcard modules/dsp/dsp.eq_biquad/*.c modules/dsp/dsp.eq_biquad/*.h)
$(BUILD)/tests/test_mixing: $(wildcard modules/stages/mixing.console/*.c modules/stages/mixing.console/*.h)

$(BUILD)/tests/modules/%.so: tests/modules/%.c $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MODULE  $@")
	$(Q)$(CC) $(MOD_CFLAGS) -shared -o $@.tmp $< $(LDSAN) $(call pl,jansson) && mv -f $@.tmp $@

check: all $(TEST_BIN) $(TEST_MODS)
	@BUILD=$(BUILD) SAN=$(SAN) CADENZA_REGISTRY=$(REGISTRY) tools/run-tests $(TEST_BIN)

# ---- benchmarks (tools/bench/*.c link the kernel and the test harness) ------
BENCH_SRC := $(wildcard tools/bench/*.c)
BENCH_BIN := $(patsubst tools/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
$(BUILD)/bench/%: tools/bench/%.c $(KERNEL_LIB_OBJ) $(wildcard tests/*.h tests/*.c)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(wildcard tests/*.c) $(KERNEL_LIB_OBJ) $(KERNEL_LDFLAGS) $(call pl,$(TEST_PKGS)) $(KERNEL_LIBS)

# ---- demo, bench, install -------------------------------------------------
PROMPT ?= an upbeat synthwave song about driving at night, 110 bpm
demo: all
	CADENZA_REGISTRY=$(REGISTRY) $(BUILD)/cadenza run config/pipelines/default.yaml --prompt "$(PROMPT)" --seed 7 --out out/demo

bench: all $(BENCH_BIN) $(TEST_MODS)
	@BUILD=$(BUILD) CADENZA_REGISTRY=$(REGISTRY) tools/run-benches

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/cadenza \
	  $(DESTDIR)$(PREFIX)/lib/cadenza/modules $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/cadenza/pipelines $(DESTDIR)$(PREFIX)/share/cadenza/template
	install -m 755 $(BUILD)/cadenza $(DESTDIR)$(PREFIX)/bin/cadenza
	install -m 644 $(SDK_HEADERS) $(DESTDIR)$(PREFIX)/include/cadenza/
	install -m 755 $(MODULE_SOS) $(DESTDIR)$(PREFIX)/lib/cadenza/modules/
	install -m 644 config/pipelines/*.yaml $(DESTDIR)$(PREFIX)/share/cadenza/pipelines/
	install -m 644 sdk/template/* $(DESTDIR)$(PREFIX)/share/cadenza/template/
	install -d $(DESTDIR)$(PREFIX)/share/cadenza/registry
	$(DESTDIR)$(PREFIX)/bin/cadenza registry build $(DESTDIR)$(PREFIX)/lib/cadenza/modules \
	  --registry $(DESTDIR)$(PREFIX)/share/cadenza/registry/index.json
	$(if $(DESTDIR),sed -i 's|$(DESTDIR)||g' $(DESTDIR)$(PREFIX)/share/cadenza/registry/index.json)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(shell cat VERSION)|g' \
	  -e 's|@ABI@|$(shell sed -n 's/^#define CZ_ABI_MAJOR \([0-9]*\)u/\1/p' sdk/include/cadenza/module.h)|g' \
	  sdk/cadenza.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cadenza.pc

clean:
	rm -rf build build-san registry/index.json

.PHONY: all modules registry check demo bench install clean
.DELETE_ON_ERROR:
