/* cli-common.h: what the subcommands of digits-cli share.
 *
 * Messages: errors go to stderr as "digits-cli: FILE: message"; a failure is
 * exit status 1, a usage error 2 (see cli.h). Text that can come from a file name
 * or a file's contents reaches the terminal escaped (cli_escape): a name holding
 * "\033]0;x\007" prints as "\x1b]0;x\x07", never as a terminal command.
 *
 * Progress: CliProgress draws a bar with rate and ETA on stderr when stderr is a
 * terminal, redrawn at most ten times a second; otherwise it stays quiet and
 * prints one line when the work finishes, so logs and pipes get no carriage
 * returns. stdout stays free for results (tables, JSON).
 *
 *   CliProgress *p = cli_progress_new ("evaluate", n, "img");
 *   for (...) cli_progress_update (p, done, NULL);
 *   cli_progress_finish (p, NULL);      // prints the summary line, frees p
 */
#pragma once

#include <stdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "nn-model.h"
#include "nn-keras-info.h"

G_BEGIN_DECLS

/* ---- messages ---------------------------------------------------------------- */

/* "digits-cli: FILE: message" (FILE left out when NULL or already named in the
 * message). Returns 1, the failure status, for `return cli_error (...)`. */
int  cli_error (const char *file, const char *format, ...) G_GNUC_PRINTF (2, 3);
int  cli_error_gerror (const char *file, const GError *error);
/* "digits-cli COMMAND: message" and a hint to --help. Returns 2. */
int  cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* text with C0 and C1 controls, DEL, bidirectional overrides and invalid UTF-8
 * shown as \xNN or \uNNNN; newlines and tabs kept when keep_newlines. */
char *cli_escape (const char *text, gboolean keep_newlines);
/* A file name for a message: g_filename_display_name, escaped (newlines too). */
char *cli_display_path (const char *path);
/* printf to stdout, escaped (keeping newlines and tabs): for every line that may
 * hold a file name or text from a file. */
void  cli_print (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* JSON text with C1 controls (which json-glib leaves raw, and some terminals obey)
 * written as \u0080 ... \u009f. Only valid inside JSON strings, where they can occur. */
char *cli_json_escape_c1 (const char *json);
/* Ends the array builder holds (one object per input file) and prints it to stdout,
 * C1-escaped, with a final newline. */
void  cli_print_json_array (JsonBuilder *builder, gboolean pretty);
/* A file name for a JSON string: valid UTF-8 (display name when it is not). */
char *cli_json_path (const char *path);

/* ---- options ----------------------------------------------------------------- */

/* Parses argv (argv[0] is the command name) with entries. On a bad option prints a
 * usage error and returns FALSE with *status 2. --help prints and returns FALSE
 * with *status 0. */
gboolean cli_parse_options (const char *command, const char *parameter_string,
                            const char *summary, const GOptionEntry *entries, int *argc,
                            char ***argv, int *status);

/* Numbers of options, checked whole: "12x", "", "nan", out of range are usage
 * errors naming the option ("--epochs takes a whole number from 1 to 100000, not
 * 'abc'"). On a bad value print it, set *status 2 and return FALSE. */
gboolean cli_parse_int (const char *command, const char *option, const char *text, gint64 min,
                        gint64 max, gint64 *value, int *status);
/* Finite, at least min (above it when min_exclusive) and at most max. */
gboolean cli_parse_double (const char *command, const char *option, const char *text,
                           double min, gboolean min_exclusive, double max, double *value,
                           int *status);

/* --threads: 0 means every core. */
int      cli_threads (int requested);

/* Loads a .keras file (or, in builds with NN_HAVE_ONNX, an .onnx file), sets its
 * threads, and reports a failure as "digits-cli: FILE: message". NULL on failure. */
NnModel *cli_load_model (const char *path, int threads);
/* The same, with what only Keras needs (version, date saved...) in *info. */
NnModel *cli_load_model_with_info (const char *path, int threads, NnKerasInfo **info);

/* SIGINT, SIGTERM and SIGHUP end the process without leaving temporary files
 * (the CLI's outputs and the core's saves). Installed by main() for every command. */
void     cli_signals_init (void);
/* For cancellable work: from now on the first SIGINT or SIGTERM only cancels
 * cli_cancellable() (the work stops after the current batch); a second one ends the
 * process as above. */
void          cli_catch_signals (void);
/* NULL before cli_catch_signals(); pass it to the core's runners. */
GCancellable *cli_cancellable (void);

/* ---- MNIST ------------------------------------------------------------------------ */

/* The MNIST folder: option (a --mnist DIR) when given, as it is, else the first of
 * nn_mnist_find's places. On failure prints where it looked and how to get
 * MNIST (digits-cli download-mnist) and returns NULL. In cli-mnist.c. */
char    *cli_find_mnist (const char *option);

/* ---- output files ------------------------------------------------------------- */

/* Outputs replace their file atomically: a writer that takes a path is given
 * cli_output_begin's temporary file beside path (or path itself when path is not
 * a regular file, e.g. /dev/stdout), then cli_output_end (path, tmp, ok) syncs it
 * and renames it over path (or removes it when !ok) and frees tmp. A signal on
 * the way removes the temporary file. */
char    *cli_output_begin (const char *path, GError **error);
gboolean cli_output_end (const char *path, char *tmp, gboolean ok, GError **error);
/* The whole of data into path, atomically as above; every write checked. */
gboolean cli_write_file (const char *path, const char *data, gssize len, GError **error);
/* At exit: stdout flushed and checked ("cannot write the output: ..."). Returns
 * status, or 1 when status was 0 and stdout failed. */
int      cli_finish_stdout (int status);

/* ---- formatting -------------------------------------------------------------- */

/* 1234567 -> "1,234,567" (into buf, returned). */
const char *cli_format_count (char *buf, size_t size, gint64 n);
/* 75.4 s -> "1:15", 3725 s -> "1:02:05". */
const char *cli_format_duration (char *buf, size_t size, double seconds);
/* TRUE when the terminal takes UTF-8, for the bar's block characters. */
gboolean    cli_utf8 (void);

/* ---- progress ---------------------------------------------------------------- */

typedef struct _CliProgress CliProgress;

/* label: what is running ("evaluate"); unit: what is counted ("img"). total > 0. */
CliProgress *cli_progress_new (const char *label, gint64 total, const char *unit);
/* Force the terminal or the quiet mode, e.g. for tests; the default follows isatty(2). */
void         cli_progress_set_tty (CliProgress *p, gboolean tty);
/* done of total; status is an optional short text shown after the ETA ("loss 0.12"). */
void         cli_progress_update (CliProgress *p, gint64 done, const char *status);
/* Clears the bar and prints one line: "label: N unit in T (R unit/s)" followed by
 * summary when given. Frees p. */
void         cli_progress_finish (CliProgress *p, const char *summary);
/* Clears the bar without a summary (on an error) and frees p. */
void         cli_progress_abort (CliProgress *p);
/* An NnEvalProgressFunc-shaped callback: user_data is the CliProgress. */
void         cli_progress_callback (gint64 done, gint64 total, gpointer user_data);

G_END_DECLS
