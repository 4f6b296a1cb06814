/* cli-common.h: what the subcommands of digits-cli share.
 *
 * Messages: errors go to stderr as "digits-cli: FILE: message"; a failure is
 * exit status 1, a usage error 2 (see cli.h).
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
#include <glib.h>

#include "nn-model.h"

G_BEGIN_DECLS

/* ---- messages ---------------------------------------------------------------- */

/* "digits-cli: FILE: message" (FILE left out when NULL or already named in the
 * message). Returns 1, the failure status, for `return cli_error (...)`. */
int  cli_error (const char *file, const char *format, ...) G_GNUC_PRINTF (2, 3);
int  cli_error_gerror (const char *file, const GError *error);
/* "digits-cli COMMAND: message" and a hint to --help. Returns 2. */
int  cli_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* ---- options ----------------------------------------------------------------- */

/* Parses argv (argv[0] is the command name) with entries. On a bad option prints a
 * usage error and returns FALSE with *status 2. --help prints and returns FALSE
 * with *status 0. */
gboolean cli_parse_options (const char *command, const char *parameter_string,
                            const char *summary, const GOptionEntry *entries, int *argc,
                            char ***argv, int *status);

/* --threads: 0 means every core. */
int      cli_threads (int requested);

/* Loads a .keras file, sets its threads, and reports a failure as
 * "digits-cli: FILE: message". NULL on failure. */
NnModel *cli_load_model (const char *path, int threads);

/* Ctrl+C: the first one raises a flag that cli_cancelled() reports (the work
 * stops after the current batch), a second one ends the process. */
void     cli_catch_sigint (void);
gboolean cli_cancelled (gpointer unused); /* an NnEvalCancelFunc */

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
