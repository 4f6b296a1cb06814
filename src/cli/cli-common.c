/* cli-common.c: messages, options, model loading and the progress bar. */
#include "cli-common.h"

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nn-error.h"
#include "nn-keras.h"

/* ---- messages ---------------------------------------------------------------- */

static void
print_error (const char *file, const char *message)
{
  /* Core errors usually name the file already; do not say it twice. */
  if (file != NULL && strstr (message, file) == NULL)
    fprintf (stderr, "digits-cli: %s: %s\n", file, message);
  else
    fprintf (stderr, "digits-cli: %s\n", message);
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
  fprintf (stderr, "digits-cli %s: %s\nTry 'digits-cli %s --help'.\n", command, message, command);
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
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_keras_load (path, &error);

  if (m == NULL)
    {
      cli_error_gerror (path, error);
      return NULL;
    }
  nn_model_set_threads (m, cli_threads (threads));
  return m;
}

static volatile sig_atomic_t sigint_count;

static void
on_sigint (int sig)
{
  if (sigint_count++ > 0)
    {
      signal (sig, SIG_DFL);
      raise (sig);
    }
}

void
cli_catch_sigint (void)
{
  signal (SIGINT, on_sigint);
}

gboolean
cli_cancelled (gpointer unused)
{
  return sigint_count > 0;
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

  p->label = g_strdup (label);
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
