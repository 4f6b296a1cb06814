/* nn-keras-isolated.h: reading a .keras file someone handed us, in a separate process.
 *
 * libhdf5, libzip and json-glib parse the file inside digits-model-reader
 * (src/reader), which runs under memory, CPU-time and file limits and, where
 * libseccomp is available, a seccomp filter that refuses new files, sockets and
 * exec. A crash, hang or exhausted memory there becomes a GError here, and the
 * calling program keeps running.
 *
 * Which loader to call:
 *   nn_keras_load_isolated  any file a user chose, downloaded or named on a command line
 *   nn_keras_load           only files the program ships or has just written itself
 *
 * The reply protocol (reader stdout -> parent), in native byte order, as both ends
 * are the same build on the same machine:
 *   "DGKR" u32 version
 *   u32 status                          0 = model, 1 = error
 *   error: u32 code (NnErrorCode), u32 n, n bytes of message; end of stream
 *   model: u32 n, n bytes of config.json as nn_keras_config_write writes it (with the
 *                 compile_config and layer config items of the file's NnKerasInfo)
 *          u32 items, then per item u32 n, key, u32 n, value   (metadata.json strings;
 *                                   "keras_version", "date_saved" go to NnKerasInfo)
 *          u64 n_params, n_params floats in the model's parameter order; end of stream
 * The parent rebuilds the model from that config with nn_keras_config_parse; the reader
 * has checked that this rebuild lays the parameters out exactly as its own model does.
 */
#pragma once

#include <glib.h>
#include "nn-model.h"
#include "nn-keras-info.h"

G_BEGIN_DECLS

/* Limits the reader sets on itself (the parent names them in its messages). */
#define NN_KERAS_READER_MEMORY_MB 768    /* RLIMIT_AS */
#define NN_KERAS_READER_CPU_S     10     /* RLIMIT_CPU, then SIGXCPU */
#define NN_KERAS_READER_TIMEOUT_MS 15000 /* wall clock, then the parent kills it */
/* The reader's exit status when an allocation failed (GLib aborts otherwise). */
#define NN_KERAS_READER_EXIT_NOMEM 3

/* Reads path in digits-model-reader and rebuilds the model here. Errors name the file;
 * a reader that crashed, ran too long or out of memory is "the file could not be read
 * safely: ...". Fails (never falls back to reading in this process) when the reader is
 * missing. Blocks for up to NN_KERAS_READER_TIMEOUT_MS: call it off the GUI thread. */
NnModel *nn_keras_load_isolated (const char *path, GError **error);
/* The same, keeping what only Keras needs in *info (see nn_keras_load_with_info). */
NnModel *nn_keras_load_isolated_with_info (const char *path, NnKerasInfo **info,
                                           GError **error);

/* Where nn_keras_load_isolated finds the reader: beside the build when the running
 * program is in the build tree, else in the installed libexecdir. */
const char *nn_keras_reader_path (void);

/* ---- the two ends of the protocol (the reader and the tests use these) ---- */

/* As nn_keras_load_isolated_with_info (info may be NULL), running reader_argv
 * (NULL-terminated) followed by the file's display name, with the file on its stdin;
 * timeout_ms of wall time. */
NnModel *nn_keras_load_with_reader (const char *const *reader_argv, const char *path,
                                    guint timeout_ms, NnKerasInfo **info, GError **error);
/* The reader's side: writes model m and its info (read from the file named display;
 * info may be NULL) to fd as the reply above, or fails before writing anything if the
 * parent could not rebuild it. */
gboolean nn_keras_reply_write_model (int fd, const char *display, const NnModel *m,
                                     const NnKerasInfo *info, GError **error);
/* The reader's side: writes error as an error reply. */
void     nn_keras_reply_write_error (int fd, const GError *error);

G_END_DECLS
