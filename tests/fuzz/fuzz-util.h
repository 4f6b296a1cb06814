/* fuzz-util.h: what the fuzz targets share.
 *
 * Every target defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize). Under clang's -fsanitize=fuzzer libFuzzer calls them;
 * otherwise fuzz-main.c runs them once on every file named on the command line,
 * so the corpora run in the normal unit suite.
 *
 * The readers take paths, so inputs reach them as memory files: the bytes go into
 * a memfd and the reader opens /proc/self/fd/N. Nothing touches the disk.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* A memory file holding data; returns its /proc/self/fd path (valid until the
 * next call with the same slot). Slots 0..3 are separate files. */
const char *fuzz_memfd_path (int slot, const void *data, size_t len);

/* The source tree (to find models/ for fixed inputs): $DIGITS_SOURCE_DIR or the
 * folder the build was configured from. */
const char *fuzz_source_dir (void);

/* A stored (uncompressed) zip of n entries, as a .keras file holds them. g_free. */
guint8 *fuzz_zip_stored (int n, const char *const *names, const guint8 *const *data,
                         const size_t *lens, size_t *out_len);

/* Reads one entry of a zip file on disk (libzip), or aborts: fixed inputs only. */
guint8 *fuzz_zip_entry (const char *zip_path, const char *name, size_t *len);

/* With FUZZ_VERBOSE set, prints what the reader said (to check that seeds load). */
void fuzz_report (const char *what, const GError *error);

G_END_DECLS
