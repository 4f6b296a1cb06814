/* cli-common.c: messages, options, model loading, signals, output files and the
 * progress bar. */
#include "cli-common.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <glib-unix.h>

#include "nn-error.h"
#include "nn-keras.h"
#include "nn-keras-isolated.h"
#ifdef NN_HAVE_ONNX
#include "nn-model-file.h"
#endif

/* ---- messages ---------------------------------------------------------------- */

/* Characters a terminal may act on: C0 and C1 controls, DEL, and the bidirectional
 * overrides and isolates that reorder what is shown. */
static gboolean
is_unsafe (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
         || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *
cli_escape (const char *text, gboolean keep_newlines)
{
  const char *p, *end;
  GString *s;

  if (text == NULL)
    return g_strdup ("(null)");
  s = g_string_sized_new (strlen (text));
  end = text + strlen (text);
  for (p = text; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (s, "\\x%02x", (guchar) *p++);
          continue;
        }
      const char *next = g_utf8_next_char (p);
      if (keep_newlines && (c == '\n' || c == '\t'))
        g_string_append_c (s, (char) c);
      else if (c < 0x80 && is_unsafe (c))
        g_string_append_printf (s, "\\x%02x", c);
      else if (is_unsafe (c))
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_len (s, p, next - p);
      p = next;
    }
  return g_string_free (s, FALSE);
}

char *
cli_display_path (const char *path)
{
  g_autofree char *display = g_filename_display_name (path != NULL ? path : "");
  return cli_escape (display, FALSE);
}

void
cli_print (const char *format, ...)
{
  g_autofree char *text = NULL, *shown = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  shown = cli_escape (text, TRUE);
  fputs (shown, stdout);
}

void
cli_print_json_array (JsonBuilder *builder, gboolean pretty)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL, *safe = NULL;

  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, pretty);
  text = json_generator_to_data (gen, NULL);
  safe = cli_json_escape_c1 (text);
  fputs (safe, stdout);
  fputc ('\n', stdout);
}

char *
cli_json_escape_c1 (const char *json)
{
  GString *s = g_string_sized_new (strlen (json));

  for (const char *p = json; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c >= 0x7f && is_unsafe (c))
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_len (s, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (s, FALSE);
}

char *
cli_json_path (const char *path)
{
  if (g_utf8_validate (path, -1, NULL))
    return g_strdup (path);
  return g_filename_display_name (path);
}

static void
print_error (const char *file, const char *message)
{
  g_autofree char *shown = cli_escape (message, TRUE);

  /* Core errors usually name the file already; do not say it twice. */
  if (file != NULL && strstr (message, file) == NULL)
    {
      g_autofree char *name = cli_display_path (file);
      fprintf (stderr, "digits-cli: %s: %s\n", name, shown);
    }
  else
    fprintf (stderr, "digits-cli: %s\n", shown);
}

int
cli_error (const char *file, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fflush (stdout);
  print_error (file, message);
  return 1;
}

int
cli_error_gerror (const char *file, const GError *error)
{
  fflush (stdout);
  print_error (file, error != NULL ? error->message : "unknown error");
  return 1;
}

int
cli_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_autofree char *shown = cli_escape (message, TRUE);
  fprintf (stderr, "digits-cli %s: %s\nTry 'digits-cli %s --help'.\n", command, shown, command);
  return 2;
}

/* ---- options ----------------------------------------------------------------- */

gboolean
cli_parse_options (const char *command, const char *parameter_string, const char *summary,
                   const GOptionEntry *entries, int *argc, char ***argv, int *status)
{
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("digits-cli %s", command);

  g_set_prgname (prgname);
  ctx = g_option_context_new (parameter_string);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, TRUE);
  /* GOptionContext exits on --help; print it ourselves so the command returns 0. */
  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "--help") == 0 || strcmp ((*argv)[i], "-h") == 0)
      {
        g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
        fputs (help, stdout);
        *status = 0;
        return FALSE;
      }
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      *status = cli_usage_error (command, "%s", error->message);
      return FALSE;
    }
  *status = 0;
  return TRUE;
}

gboolean
cli_parse_int (const char *command, const char *option, const char *text, gint64 min,
               gint64 max, gint64 *value, int *status)
{
  char *end = NULL;
  gint64 v = 0;

  errno = 0;
  /* strtoll would skip leading blanks and stop at the first stray character. */
  if (text != NULL && *text != '\0' && !g_ascii_isspace (*text))
    v = g_ascii_strtoll (text, &end, 10);
  if (end == NULL || end == text || *end != '\0' || errno != 0 || v < min || v > max)
    {
      *status = cli_usage_error (command, "%s takes a whole number from %" G_GINT64_FORMAT
                                 " to %" G_GINT64_FORMAT ", not '%s'", option, min, max,
                                 text != NULL ? text : "");
      return FALSE;
    }
  *value = v;
  return TRUE;
}

gboolean
cli_parse_double (const char *command, const char *option, const char *text, double min,
                  gboolean min_exclusive, double max, double *value, int *status)
{
  char *end = NULL;
  double v = NAN;

  errno = 0;
  if (text != NULL && *text != '\0' && !g_ascii_isspace (*text))
    v = g_ascii_strtod (text, &end);
  if (end == NULL || end == text || *end != '\0' || errno != 0 || !isfinite (v)
      || (min_exclusive ? v <= min : v < min) || v > max)
    {
      *status = cli_usage_error (command, "%s takes a number %s %g and at most %g, not '%s'",
                                 option, min_exclusive ? "above" : "from", min, max,
                                 text != NULL ? text : "");
      return FALSE;
    }
  *value = v;
  return TRUE;
}

int
cli_threads (int requested)
{
  if (requested > 0)
    return MIN (requested, 256);
  return MAX (1, (int) g_get_num_processors ());
}

NnModel *
cli_load_model (const char *path, int threads)
{
  return cli_load_model_with_info (path, threads, NULL);
}

NnModel *
cli_load_model_with_info (const char *path, int threads, NnKerasInfo **info)
{
  g_autoptr (GError) error = NULL;
  /* .keras files in the sandboxed reader, .onnx files in-process with caps on
   * every size (nn-model-file.h) */
  NnModel *m = nn_model_file_load (path, FALSE, info, &error);

  if (m == NULL)
    {
      cli_error_gerror (path, error);
      return NULL;
    }
  nn_model_set_threads (m, cli_threads (threads));
  return m;
}

/* ---- signals and temporary files --------------------------------------------- */

/* The CLI's own temporary outputs, removable from a signal handler: fixed slots,
 * no allocation, no locks (0 free, 1 being filled, 2 holding a path). */
#define PARTIAL_SLOTS 4
static struct {
  gint state;
  char path[4096];
} partial[PARTIAL_SLOTS];

static void
partial_add (const char *tmp)
{
  if (strlen (tmp) >= sizeof partial[0].path)
    return;
  for (int i = 0; i < PARTIAL_SLOTS; i++)
    if (g_atomic_int_compare_and_exchange (&partial[i].state, 0, 1))
      {
        strcpy (partial[i].path, tmp);
        g_atomic_int_set (&partial[i].state, 2);
        return;
      }
}

static void
partial_remove (const char *tmp)
{
  for (int i = 0; i < PARTIAL_SLOTS; i++)
    if (g_atomic_int_get (&partial[i].state) == 2 && strcmp (partial[i].path, tmp) == 0)
      {
        g_atomic_int_set (&partial[i].state, 0);
        return;
      }
}

/* Lock-free atomics, not volatile sig_atomic_t: the signal may land on any thread,
 * including one of the engine's workers. g_cancellable_cancel is not
 * async-signal-safe (it locks and emits a signal), so the handler only writes a
 * byte to a pipe, and a thread of ours that waits on it cancels the work. */
static gint signal_count, catching;
static int cancel_pipe[2] = { -1, -1 };
static GCancellable *cancellable;

static void
on_signal (int sig)
{
  /* Async-signal-safe only: flags, write, unlink (in both removals), signal, raise. */
  if (g_atomic_int_get (&catching) && g_atomic_int_add (&signal_count, 1) == 0)
    {
      int saved = errno;
      /* One byte per process, so the pipe is never full; were the write to fail,
       * the work would only go on, as it does without cli_catch_signals. */
      ssize_t n = write (cancel_pipe[1], "c", 1);
      (void) n;
      errno = saved;
      return; /* the work stops at its next check, and ends as it would */
    }
  for (int i = 0; i < PARTIAL_SLOTS; i++)
    if (g_atomic_int_get (&partial[i].state) == 2)
      unlink (partial[i].path);
  nn_keras_remove_partial_saves ();
  signal (sig, SIG_DFL);
  raise (sig); /* delivered on return: the exit status says which signal */
}

void
cli_signals_init (void)
{
  static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  struct sigaction sa = { 0 }, old;

  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset (&sa.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    /* nohup and friends ignore a signal on purpose: keep it ignored. */
    if (sigaction (signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction (signals[i], &sa, NULL);
}

static gpointer
cancel_on_signal (gpointer data)
{
  char c;
  while (read (cancel_pipe[0], &c, 1) < 0 && errno == EINTR)
    ;
  g_cancellable_cancel (data);
  return NULL; /* a thread left waiting here at exit costs nothing */
}

void
cli_catch_signals (void)
{
  if (cancellable != NULL)
    return;
  if (!g_unix_open_pipe (cancel_pipe, FD_CLOEXEC, NULL))
    return; /* no pipe: signals end the process, as before cli_catch_signals */
  cancellable = g_cancellable_new ();
  g_thread_unref (g_thread_new ("digits-cancel", cancel_on_signal, cancellable));
  g_atomic_int_set (&catching, 1);
}

GCancellable *
cli_cancellable (void)
{
  return cancellable;
}

/* ---- output files -------------------------------------------------------------- */

static gboolean
set_write_error (const char *path, int e, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot write %s: %s", display,
               g_strerror (e != 0 ? e : EIO));
  return FALSE;
}

char *
cli_output_begin (const char *path, GError **error)
{
  GStatBuf st;
  char *tmp;
  int fd;

  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    return g_strdup (path); /* a device or a pipe: written in place */
  tmp = g_strconcat (path, ".XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      set_write_error (path, errno, error);
      g_free (tmp);
      return NULL;
    }
  close (fd);
  partial_add (tmp);
  return tmp;
}

gboolean
cli_output_end (const char *path, char *tmp, gboolean ok, GError **error)
{
  int e = 0;

  if (strcmp (tmp, path) == 0)
    {
      g_free (tmp);
      return ok;
    }
  if (ok)
    {
      int fd = open (tmp, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || fsync (fd) != 0)
        e = errno;
      if (fd >= 0)
        close (fd);
      if (e == 0 && g_rename (tmp, path) != 0)
        e = errno;
    }
  if (!ok || e != 0)
    g_unlink (tmp);
  partial_remove (tmp);
  g_free (tmp);
  if (ok && e == 0)
    {
      /* the new name is in the folder's entries: sync them too */
      g_autofree char *dir = g_path_get_dirname (path);
      int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dfd >= 0)
        {
          fsync (dfd);
          close (dfd);
        }
    }
  if (ok && e != 0)
    return set_write_error (path, e, error);
  return ok;
}

gboolean
cli_write_file (const char *path, const char *data, gssize len, GError **error)
{
  char *tmp = cli_output_begin (path, error);
  size_t n = len < 0 ? strlen (data) : (size_t) len;
  FILE *f;
  int e = 0;

  if (tmp == NULL)
    return FALSE;
  errno = 0;
  f = fopen (tmp, "w");
  if (f == NULL || (n > 0 && fwrite (data, 1, n, f) != n) || fflush (f) != 0)
    e = errno != 0 ? errno : EIO;
  if (f != NULL && fclose (f) != 0 && e == 0)
    e = errno != 0 ? errno : EIO;
  if (e != 0)
    {
      cli_output_end (path, tmp, FALSE, NULL);
      return set_write_error (path, e, error);
    }
  return cli_output_end (path, tmp, TRUE, error);
}

int
cli_finish_stdout (int status)
{
  errno = 0;
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int e = errno != 0 ? errno : EIO;
      fprintf (stderr, "digits-cli: cannot write the output: %s\n", g_strerror (e));
      return status == 0 ? 1 : status;
    }
  return status;
}

/* ---- formatting -------------------------------------------------------------- */

const char *
cli_format_count (char *buf, size_t size, gint64 n)
{
  char digits[32];
  int len, out = 0;

  len = g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, n < 0 ? -n : n);
  if (n < 0 && out + 1 < (int) size)
    buf[out++] = '-';
  for (int i = 0; i < len && out + 1 < (int) size; i++)
    {
      if (i > 0 && (len - i) % 3 == 0 && out + 2 < (int) size)
        buf[out++] = ',';
      buf[out++] = digits[i];
    }
  buf[out] = '\0';
  return buf;
}

const char *
cli_format_duration (char *buf, size_t size, double seconds)
{
  long s = isfinite (seconds) && seconds > 0 ? lround (seconds) : 0;

  if (s >= 3600)
    g_snprintf (buf, size, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    g_snprintf (buf, size, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

gboolean
cli_utf8 (void)
{
  return g_get_charset (NULL);
}

/* ---- progress ---------------------------------------------------------------- */

struct _CliProgress {
  char *label, *unit;
  gint64 total, done;
  gint64 start, last_draw; /* µs */
  gboolean tty, drawn;
};

CliProgress *
cli_progress_new (const char *label, gint64 total, const char *unit)
{
  CliProgress *p = g_new0 (CliProgress, 1);

  p->label = cli_escape (label, FALSE);
  p->unit = g_strdup (unit != NULL ? unit : "");
  p->total = MAX (total, 1);
  p->start = g_get_monotonic_time ();
  p->tty = isatty (STDERR_FILENO);
  return p;
}

void
cli_progress_set_tty (CliProgress *p, gboolean tty)
{
  g_return_if_fail (p != NULL);
  p->tty = tty;
}

static int
terminal_columns (void)
{
  struct winsize ws;

  if (ioctl (STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 80;
}

static void
progress_draw (CliProgress *p, const char *status)
{
  double elapsed = (g_get_monotonic_time () - p->start) / 1e6;
  double rate = elapsed > 0 ? p->done / elapsed : 0;
  double frac = CLAMP ((double) p->done / p->total, 0.0, 1.0);
  char count[32], total[32], eta[32];
  g_autoptr (GString) line = g_string_new (NULL);
  g_autoptr (GString) tail = g_string_new (NULL);
  gboolean utf8 = cli_utf8 ();
  int width, filled_8;

  g_string_append_printf (tail, " %3d%%  %s/%s %s", (int) floor (frac * 100),
                          cli_format_count (count, sizeof count, p->done),
                          cli_format_count (total, sizeof total, p->total), p->unit);
  if (rate > 0)
    g_string_append_printf (tail, "  %s %s/s", cli_format_count (count, sizeof count, (gint64) rate),
                            p->unit);
  if (rate > 0 && p->done < p->total)
    g_string_append_printf (tail, "  ETA %s",
                            cli_format_duration (eta, sizeof eta, (p->total - p->done) / rate));
  if (status != NULL)
    g_string_append_printf (tail, "  %s", status);

  /* The bar takes what the label and the numbers leave, 10 to 40 cells. */
  width = terminal_columns () - (int) strlen (p->label) - (int) g_utf8_strlen (tail->str, -1) - 5;
  width = CLAMP (width, 10, 40);
  filled_8 = (int) (frac * width * 8);
  g_string_append_printf (line, "\r%s ", p->label);
  g_string_append (line, utf8 ? "▕" : "[");
  for (int i = 0; i < width; i++)
    {
      int eighths = CLAMP (filled_8 - i * 8, 0, 8);
      if (!utf8)
        g_string_append_c (line, eighths == 8 ? '#' : eighths > 0 ? '>' : '-');
      else if (eighths == 8)
        g_string_append (line, "█");
      else if (eighths == 0)
        g_string_append_c (line, ' ');
      else /* the partial cell: ▏▎▍▌▋▊▉ */
        g_string_append (line, (const char *[]) { "▏", "▎", "▍", "▌", "▋", "▊", "▉" }[eighths - 1]);
    }
  g_string_append (line, utf8 ? "▏" : "]");
  g_string_append (line, tail->str);
  g_string_append (line, "\033[K");
  fputs (line->str, stderr);
  fflush (stderr);
  p->drawn = TRUE;
}

void
cli_progress_update (CliProgress *p, gint64 done, const char *status)
{
  gint64 now;

  g_return_if_fail (p != NULL);
  p->done = CLAMP (done, 0, p->total);
  if (!p->tty)
    return;
  now = g_get_monotonic_time ();
  if (p->drawn && now - p->last_draw < 100000 && p->done < p->total)
    return;
  p->last_draw = now;
  progress_draw (p, status);
}

void
cli_progress_callback (gint64 done, gint64 total, gpointer user_data)
{
  cli_progress_update (user_data, done, NULL);
}

static void
progress_free (CliProgress *p)
{
  g_free (p->label);
  g_free (p->unit);
  g_free (p);
}

void
cli_progress_finish (CliProgress *p, const char *summary)
{
  double elapsed;
  char count[32];

  g_return_if_fail (p != NULL);
  elapsed = (g_get_monotonic_time () - p->start) / 1e6;
  if (p->drawn)
    fputs ("\r\033[K", stderr);
  fprintf (stderr, "%s: %s %s in %.1f s", p->label, cli_format_count (count, sizeof count, p->done),
           p->unit, elapsed);
  if (elapsed > 0 && p->done > 0)
    fprintf (stderr, " (%s %s/s)",
             cli_format_count (count, sizeof count, (gint64) (p->done / elapsed)), p->unit);
  if (summary != NULL)
    fprintf (stderr, ", %s", summary);
  fputc ('\n', stderr);
  fflush (stderr);
  progress_free (p);
}

void
cli_progress_abort (CliProgress *p)
{
  if (p == NULL)
    return;
  if (p->drawn)
    fputs ("\r\033[K", stderr);
  fflush (stderr);
  progress_free (p);
}
