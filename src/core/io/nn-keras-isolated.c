/* nn-keras-isolated.c: both ends of the reply of digits-model-reader, the spawn,
 * and what a reader that died means for the person who chose the file.
 * The protocol is described in nn-keras-isolated.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "nn-keras-isolated.h"
#include "nn-keras-config.h"
#include "nn-keras-config-write.h"
#include "nn-keras-info.h"
#include "nn-keras-names.h"
#include "nn-error.h"

#define MAGIC          "DGKR"
#define VERSION        1u
#define STATUS_MODEL   0u
#define STATUS_ERROR   1u
/* Caps on what the parent accepts: twice the cap on config.json in the file, as our
 * writer spells out the defaults a file may leave out (real configs are tens of KB). */
#define MAX_CONFIG     (2 * NN_KERAS_MAX_CONFIG_BYTES)
#define MAX_ITEMS      4096u
#define MAX_META       (2u << 20) /* all keys and values together */
#define MAX_MESSAGE    (64u << 10)
#define ERR_TAIL       4096       /* bytes of the reader's stderr kept for g_debug */

/* ---- the reader's side ---------------------------------------------------------- */

static gboolean
write_all (int fd, const void *data, gsize len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t n = write (fd, p, MIN (len, (gsize) 1 << 20));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n, len -= (gsize) n;
    }
  return TRUE;
}

static void
put_u32 (GString *s, guint32 v)
{
  g_string_append_len (s, (const char *) &v, sizeof v);
}

static void
put_text (GString *s, const char *text, gsize len)
{
  put_u32 (s, (guint32) len);
  g_string_append_len (s, text, (gssize) len);
}

static void
put_header (GString *s, guint32 status)
{
  g_string_append_len (s, MAGIC, 4);
  put_u32 (s, VERSION);
  put_u32 (s, status);
}

/* The parent rebuilds the model from our config text, then copies the parameters in
 * flat. That is only right if the rebuild lays them out as m does: check it here,
 * where a surprise costs only this file. */
static gboolean
check_rebuild (const char *display, const char *config, const NnModel *m, GError **error)
{
  NnKerasGraph g = { 0 };
  if (!nn_keras_config_parse (display, config, strlen (config), &g, error))
    return FALSE;
  const NnModel *b = g.model;
  gboolean same = b->n_params == m->n_params && b->n_layers == m->n_layers;
  for (int i = 0; same && i < m->n_layers; i++)
    {
      const NnLayer *x = &m->layers[i], *y = &b->layers[i];
      same = x->kind == y->kind && x->n_vars == y->n_vars && g_strcmp0 (x->name, y->name) == 0;
      for (int v = 0; same && v < x->n_vars; v++)
        same = x->vars[v].offset == y->vars[v].offset && x->vars[v].size == y->vars[v].size;
    }
  nn_keras_graph_clear (&g);
  if (!same)
    g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the model reads, but written "
                 "back its layers come out in another order, so it cannot be passed on "
                 "from the reader", display);
  return same;
}

static void
put_items (GString *s, const NnModel *m, const NnKerasInfo *info)
{
  g_autoptr (GPtrArray) kv = g_ptr_array_new ();
  if (info && info->keras_version)
    g_ptr_array_add (kv, "keras_version"), g_ptr_array_add (kv, info->keras_version);
  if (info && info->date_saved)
    g_ptr_array_add (kv, "date_saved"), g_ptr_array_add (kv, info->date_saved);
  if (m->metadata)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, m->metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_ptr_array_add (kv, k), g_ptr_array_add (kv, v ? v : "");
    }
  /* metadata.json is only ever informative: items beyond the caps are dropped. */
  guint n = 0;
  gsize total = 0;
  g_autoptr (GString) items = g_string_new (NULL);
  for (guint i = 0; i + 1 < kv->len && n < MAX_ITEMS; i += 2)
    {
      const char *k = kv->pdata[i], *v = kv->pdata[i + 1];
      gsize kl = strlen (k), vl = strlen (v);
      if (total + kl + vl > MAX_META)
        continue;
      total += kl + vl;
      put_text (items, k, kl);
      put_text (items, v, vl);
      n++;
    }
  put_u32 (s, n);
  g_string_append_len (s, items->str, (gssize) items->len);
}

gboolean
nn_keras_reply_write_model (int fd, const char *display, const NnModel *m,
                            const NnKerasInfo *info, GError **error)
{
  g_return_val_if_fail (display != NULL && m != NULL && m->params != NULL, FALSE);
  const NnKerasSaveOptions options = { .info = info };
  g_autofree char *config = nn_keras_config_write (m, &options, error);
  if (config == NULL)
    {
      g_prefix_error (error, "%s: ", display);
      return FALSE;
    }
  gsize config_len = strlen (config);
  if (config_len > MAX_CONFIG)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: the model's configuration "
                   "is too large to pass on (%" G_GSIZE_FORMAT " bytes)", display, config_len);
      return FALSE;
    }
  if (!check_rebuild (display, config, m, error))
    return FALSE;
  g_autoptr (GString) s = g_string_new (NULL);
  put_header (s, STATUS_MODEL);
  put_text (s, config, config_len);
  put_items (s, m, info);
  guint64 n_params = m->n_params;
  g_string_append_len (s, (const char *) &n_params, sizeof n_params);
  if (!write_all (fd, s->str, s->len) || !write_all (fd, m->params, m->n_params * sizeof (float)))
    {
      int e = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot send the model: %s", display,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

void
nn_keras_reply_write_error (int fd, const GError *error)
{
  const char *msg = error ? error->message : "unknown error";
  gsize len = MIN (strlen (msg), MAX_MESSAGE);
  guint32 code = error && error->domain == NN_ERROR ? (guint32) error->code : NN_ERROR_FORMAT;
  g_autoptr (GString) s = g_string_new (NULL);
  put_header (s, STATUS_ERROR);
  put_u32 (s, code);
  put_text (s, msg, len);
  write_all (fd, s->str, s->len);
}

/* ---- the parent's side: reading the reply ---------------------------------------- */

typedef struct {
  int out, err;       /* the reader's stdout and stderr; -1 once at their end */
  gint64 deadline;    /* g_get_monotonic_time */
  gboolean eof, timed_out;
  GString *err_tail;  /* the last ERR_TAIL bytes of its stderr */
  char *broken;       /* why the reply is not one, when it is not */
} Reply;

static void
drain_err (Reply *r)
{
  char buf[4096];
  ssize_t n = read (r->err, buf, sizeof buf);
  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0)
    {
      close (r->err);
      r->err = -1;
      return;
    }
  g_string_append_len (r->err_tail, buf, n);
  if (r->err_tail->len > ERR_TAIL)
    g_string_erase (r->err_tail, 0, (gssize) (r->err_tail->len - ERR_TAIL));
}

/* Exactly len bytes of the reply, or FALSE at its end, on a read error or at the deadline. */
static gboolean
reply_read (Reply *r, void *buf, gsize len)
{
  gsize got = 0;
  while (got < len)
    {
      gint64 left = r->deadline - g_get_monotonic_time ();
      if (left <= 0)
        {
          r->timed_out = TRUE;
          return FALSE;
        }
      struct pollfd fds[2] = { { r->out, POLLIN, 0 }, { r->err, POLLIN, 0 } };
      int n = poll (fds, 2, (int) MIN (left / 1000 + 1, G_MAXINT));
      if (n < 0 && errno != EINTR)
        return FALSE;
      if (n <= 0)
        continue;
      if (fds[1].revents)
        drain_err (r);
      if (fds[0].revents == 0)
        continue;
      ssize_t k = read (r->out, (char *) buf + got, MIN (len - got, (gsize) 1 << 20));
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        {
          r->eof = k == 0;
          return FALSE;
        }
      got += (gsize) k;
    }
  return TRUE;
}

static gboolean
reply_u32 (Reply *r, guint32 *v, guint32 max, const char *what)
{
  if (!reply_read (r, v, sizeof *v))
    return FALSE;
  if (*v > max)
    {
      r->broken = g_strdup_printf ("it announced %s: %u, more than the %u allowed", what, *v,
                                   max);
      return FALSE;
    }
  return TRUE;
}

static char *
reply_text (Reply *r, guint32 max, const char *what, guint32 *len)
{
  if (!reply_u32 (r, len, max, what))
    return NULL;
  char *s = g_malloc (*len + 1);
  if (!reply_read (r, s, *len))
    {
      g_free (s);
      return NULL;
    }
  s[*len] = '\0';
  if (!g_utf8_validate (s, *len, NULL))
    {
      r->broken = g_strdup_printf ("its %s are not UTF-8", what);
      g_free (s);
      return NULL;
    }
  return s;
}

static gboolean
reply_items (Reply *r, NnModel *m, NnKerasInfo *info)
{
  guint32 n, total = 0;
  if (!reply_u32 (r, &n, MAX_ITEMS, "metadata items"))
    return FALSE;
  for (guint32 i = 0; i < n; i++)
    {
      guint32 kl, vl;
      g_autofree char *k = reply_text (r, MAX_META - total, "metadata bytes", &kl);
      if (k == NULL)
        return FALSE;
      total += kl;
      char *v = reply_text (r, MAX_META - total, "metadata bytes", &vl);
      if (v == NULL)
        return FALSE;
      total += vl;
      if (strcmp (k, "keras_version") == 0)
        g_free (info->keras_version), info->keras_version = v;
      else if (strcmp (k, "date_saved") == 0)
        g_free (info->date_saved), info->date_saved = v;
      else
        {
          if (m->metadata == NULL)
            m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (m->metadata, g_steal_pointer (&k), v);
        }
    }
  return TRUE;
}

/* The model of a STATUS_MODEL reply, or NULL with r->broken (or r->eof, r->timed_out). */
static NnModel *
reply_model (Reply *r, const char *display, NnKerasInfo **info)
{
  guint32 len;
  g_autofree char *config = reply_text (r, MAX_CONFIG, "configuration bytes", &len);
  if (config == NULL)
    return NULL;
  /* The text is our own writer's, but from a process that parsed a hostile file:
   * the parser's own limits still apply to it. */
  NnKerasGraph g = { 0 };
  g_autoptr (GError) error = NULL;
  if (!nn_keras_config_parse (display, config, len, &g, &error))
    {
      r->broken = g_strdup_printf ("its configuration does not read back (%s)", error->message);
      return NULL;
    }
  g_autoptr (NnModel) m = g_steal_pointer (&g.model);
  g_autoptr (NnKerasInfo) got = g_steal_pointer (&g.info);
  nn_keras_graph_clear (&g);
  guint64 n_params;
  if (!reply_items (r, m, got) || !reply_read (r, &n_params, sizeof n_params))
    return NULL;
  if (n_params != m->n_params)
    {
      r->broken = g_strdup_printf ("it sent %" G_GUINT64_FORMAT " weights for a model of %"
                                   G_GSIZE_FORMAT, n_params, m->n_params);
      return NULL;
    }
  if (!reply_read (r, m->params, m->n_params * sizeof (float)))
    return NULL;
  nn_model_params_changed (m);
  char extra;
  if (reply_read (r, &extra, 1) || !r->eof)
    {
      if (!r->timed_out)
        r->broken = g_strdup ("it sent more than the model");
      return NULL;
    }
  if (!nn_model_check_finite (m, &error))
    {
      r->broken = g_strdup (error->message);
      return NULL;
    }
  *info = g_steal_pointer (&got);
  return g_steal_pointer (&m);
}

/* Reads the whole reply: a model, or FALSE with the reader's own error in *error
 * (an error reply) or with r->broken, r->eof or r->timed_out set. */
static NnModel *
reply_receive (Reply *r, const char *display, NnKerasInfo **info, GError **error)
{
  char magic[4];
  guint32 version, status, code, len;
  if (!reply_read (r, magic, 4) || !reply_read (r, &version, 4) || !reply_read (r, &status, 4))
    return NULL;
  if (memcmp (magic, MAGIC, 4) != 0 || version != VERSION || status > STATUS_ERROR)
    {
      r->broken = g_strdup_printf ("it does not speak this program's protocol (version %u)",
                                   VERSION);
      return NULL;
    }
  if (status == STATUS_MODEL)
    return reply_model (r, display, info);
  if (!reply_read (r, &code, 4))
    return NULL;
  g_autofree char *msg = reply_text (r, MAX_MESSAGE, "error message bytes", &len);
  if (msg == NULL)
    return NULL;
  g_set_error_literal (error, NN_ERROR, code <= NN_ERROR_INVALID ? (int) code : NN_ERROR_FORMAT,
                       msg);
  return NULL;
}

/* ---- the parent's side: the reader process --------------------------------------- */

/* Waits for the reader until the deadline, then kills it. Returns its wait status;
 * *killed says whether we had to kill it. */
static int
reap (GPid pid, gint64 deadline, gboolean kill_now, gboolean *killed)
{
  int status = 0;
  *killed = FALSE;
  while (!kill_now)
    {
      pid_t w = waitpid (pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR))
        return status;
      if (g_get_monotonic_time () >= deadline)
        break;
      g_usleep (1000);
    }
  kill (pid, SIGKILL);
  *killed = TRUE;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

/* The message for a reply that did not come, from what happened to the reader. */
static void
set_unsafe_error (GError **error, const char *display, const Reply *r, int status,
                  gboolean killed)
{
  g_autofree char *why = NULL;
  if (r->timed_out || (WIFSIGNALED (status) && WTERMSIG (status) == SIGXCPU))
    why = g_strdup ("the reader took too long");
  else if (WIFSIGNALED (status) && !killed)
    why = WTERMSIG (status) == SIGKILL
          ? g_strdup ("the reader was killed (signal 9), perhaps for using too much memory")
          : g_strdup_printf ("the reader crashed (signal %d)", WTERMSIG (status));
  else if (WIFEXITED (status) && WEXITSTATUS (status) == NN_KERAS_READER_EXIT_NOMEM)
    why = g_strdup_printf ("the reader needed too much memory (more than %d MB)",
                           NN_KERAS_READER_MEMORY_MB);
  else if (r->broken)
    why = g_strdup_printf ("the reader's reply is not valid: %s", r->broken);
  else if (WIFEXITED (status))
    why = g_strdup_printf ("the reader stopped (exit status %d) without an answer",
                           WEXITSTATUS (status));
  else
    why = g_strdup ("the reader stopped without an answer");
  g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the file could not be read safely: %s",
               display, why);
}

static int
open_file (const char *path, const char *display, GError **error)
{
  /* O_NONBLOCK: a FIFO must not block us in open(); it is refused just below. */
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  struct stat st;
  int e = errno;
  if (fd >= 0 && fstat (fd, &st) == 0 && !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not a regular file", display);
      return -1;
    }
  if (fd < 0)
    g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot open: %s", display, g_strerror (e));
  return fd;
}

static gboolean
spawn_reader (const char *const *reader_argv, const char *display, int fd, GPid *pid,
              int *out, int *err, GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  for (int i = 0; reader_argv[i]; i++)
    g_ptr_array_add (argv, (gpointer) reader_argv[i]);
  g_ptr_array_add (argv, (gpointer) display);
  g_ptr_array_add (argv, NULL);
  /* One BLAS thread: the reader runs no model, and threads started before its
   * sandbox would only widen it. */
  g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "OPENBLAS_NUM_THREADS", "1", TRUE);
  g_autoptr (GError) spawn_error = NULL;
  if (g_spawn_async_with_pipes_and_fds ("/", (const char *const *) argv->pdata,
                                        (const char *const *) env,
                                        G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
                                        NULL, NULL, fd, -1, -1, NULL, NULL, 0, pid, NULL, out,
                                        err, &spawn_error))
    return TRUE;
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot start the model reader %s, which "
               "reads model files safely: %s", display, reader_argv[0], spawn_error->message);
  return FALSE;
}

NnModel *
nn_keras_load_with_reader (const char *const *reader_argv, const char *path, guint timeout_ms,
                           NnKerasInfo **info, GError **error)
{
  g_return_val_if_fail (reader_argv != NULL && reader_argv[0] != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_autofree char *display = g_filename_display_name (path);
  int fd = open_file (path, display, error);
  if (fd < 0)
    return NULL;
  GPid pid;
  Reply r = { .out = -1, .err = -1 };
  gboolean started = spawn_reader (reader_argv, display, fd, &pid, &r.out, &r.err, error);
  close (fd);
  if (!started)
    return NULL;

  r.deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  r.err_tail = g_string_new (NULL);
  g_autoptr (GError) reader_error = NULL;
  g_autoptr (NnKerasInfo) got = NULL;
  NnModel *m = reply_receive (&r, display, &got, &reader_error);
  gboolean answered = m != NULL || reader_error != NULL;
  close (r.out);
  if (r.err >= 0)
    close (r.err);
  gboolean killed;
  /* At the end of its output the reader is exiting: wait for how (a crash shows only
   * there). A broken or late reply ends it now. */
  int status = reap (pid, r.deadline, !answered && !r.eof, &killed);
  if (killed && answered)
    r.timed_out = TRUE; /* answered, then would not exit */
  gboolean clean = WIFEXITED (status) && WEXITSTATUS (status) == (m ? 0 : 1);
  if (answered && clean && !r.timed_out)
    {
      if (reader_error)
        g_propagate_error (error, g_steal_pointer (&reader_error));
    }
  else
    {
      g_clear_pointer (&m, nn_model_free);
      if (r.err_tail->len)
        g_debug ("digits-model-reader on %s: %s", display, r.err_tail->str);
      set_unsafe_error (error, display, &r, status, killed);
    }
  g_string_free (r.err_tail, TRUE);
  g_free (r.broken);
  if (m && info)
    *info = g_steal_pointer (&got);
  return m;
}

/* An installed tree moved as a whole (a staged `meson install --destdir`, an
 * unpacked bundle) keeps its layout: PREFIX/bin/digits finds the reader installed
 * with it at PREFIX/libexec/digits-model-reader, when that is there. NULL otherwise. */
static char *
reader_beside (const char *exe)
{
#if defined(NN_KERAS_BINDIR_REL) && defined(NN_KERAS_READER_REL)
  g_autofree char *dir = exe ? g_path_get_dirname (exe) : NULL;
  size_t cut;
  g_autofree char *root = NULL;
  char *path;

  if (!dir || !g_str_has_suffix (dir, G_DIR_SEPARATOR_S NN_KERAS_BINDIR_REL))
    return NULL;
  cut = strlen (dir) - strlen (G_DIR_SEPARATOR_S NN_KERAS_BINDIR_REL);
  root = g_strndup (dir, cut);
  path = g_build_filename (*root ? root : G_DIR_SEPARATOR_S, NN_KERAS_READER_REL, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE) && !g_file_test (path, G_FILE_TEST_IS_DIR))
    return path;
  g_free (path);
#endif
  return NULL;
}

const char *
nn_keras_reader_path (void)
{
  /* A program in the build tree uses the reader built with it (an installed one may
   * be older and speak another protocol version); an installed program only ever
   * uses the reader installed with it, never a path that merely existed at build time. */
  static char *path;
  if (g_once_init_enter (&path))
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      const char *root = NN_KERAS_BUILD_ROOT G_DIR_SEPARATOR_S;
      char *p = exe && g_str_has_prefix (exe, root) ? g_strdup (NN_KERAS_READER_BUILT)
                                                    : reader_beside (exe);
      if (!p)
        p = g_strdup (NN_KERAS_READER_INSTALLED);
      g_once_init_leave (&path, p);
    }
  return path;
}

NnModel *
nn_keras_load_isolated (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  const char *argv[] = { nn_keras_reader_path (), NULL };
  return nn_keras_load_with_reader (argv, path, NN_KERAS_READER_TIMEOUT_MS, NULL, error);
}

NnModel *
nn_keras_load_isolated_with_info (const char *path, NnKerasInfo **info, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (info == NULL || *info == NULL, NULL);
  const char *argv[] = { nn_keras_reader_path (), NULL };
  return nn_keras_load_with_reader (argv, path, NN_KERAS_READER_TIMEOUT_MS, info, error);
}
