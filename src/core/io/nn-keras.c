/* nn-keras.c: the .keras zip container, metadata.json, the public entry points
 * (nn_keras_load*, nn_keras_save) and atomic saves with their partial-file cleanup.
 * It puts together the pieces of the other files (see nn-keras-names.h), none of
 * which calls back into it. See ../shared/docs/KERAS_FORMAT.md for what Keras 3.12
 * writes and reads. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <zip.h>
#include "nn-keras.h"
#include "nn-keras-config.h"
#include "nn-keras-config-write.h"
#include "nn-keras-h5.h"
#include "nn-keras-info.h"
#include "nn-keras-json.h"
#include "nn-keras-names.h"
#include "nn-error.h"

/* ---- reading the zip ------------------------------------------------------------ */

static char *
read_entry (zip_t *za, const char *display, const char *name, guint64 max, gsize *len,
            gboolean required, GError **error)
{
  zip_int64_t idx = zip_name_locate (za, name, 0);
  zip_stat_t st;
  if (idx < 0)
    {
      if (required)
        g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the archive has no %s; is it a "
                     "Keras 3 .keras file?", display, name);
      return NULL;
    }
  zip_stat_init (&st);
  if (zip_stat_index (za, idx, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: %s cannot be read from the archive",
                   display, name);
      return NULL;
    }
  if (st.size > max)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: %s is too large (%" G_GUINT64_FORMAT
                   " bytes; at most %" G_GUINT64_FORMAT " are expected)", display, name,
                   (guint64) st.size, max);
      return NULL;
    }
  zip_file_t *zf = zip_fopen_index (za, idx, 0);
  if (zf == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: %s cannot be opened in the archive: %s",
                   display, name, zip_strerror (za));
      return NULL;
    }
  char *buf = g_try_malloc (st.size + 1);
  if (buf == NULL)
    {
      zip_fclose (zf);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not enough memory to read %s (%"
                   G_GUINT64_FORMAT " bytes)", display, name, (guint64) st.size);
      return NULL;
    }
  zip_uint64_t got = 0;
  while (got < st.size)
    {
      zip_int64_t n = zip_fread (zf, buf + got, st.size - got);
      if (n <= 0)
        break;
      got += (zip_uint64_t) n;
    }
  /* One more read reaches the end, where libzip checks the CRC. */
  char probe;
  gboolean ok = got == st.size && zip_fread (zf, &probe, 1) == 0;
  if (!ok)
    g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: %s is truncated or corrupt in the "
                 "archive (%s)", display, name, zip_file_strerror (zf));
  zip_fclose (zf);
  if (!ok)
    {
      g_free (buf);
      return NULL;
    }
  buf[st.size] = '\0';
  *len = st.size;
  return buf;
}

/* metadata.json's values as strings (a number as Python's json writes it), or
 * NULL when the file is broken: Keras never reads it, so a broken one costs only
 * the metadata. */
static GHashTable *
metadata_values (const char *text, gsize len)
{
  if (!g_utf8_validate (text, (gssize) len, NULL)
      || nn_json_scan (text, len, 8, NN_KERAS_MAX_META_VALUES) != NN_JSON_OK)
    return NULL;
  g_autoptr (JsonParser) p = json_parser_new_immutable ();
  if (!json_parser_load_from_data (p, text, (gssize) len, NULL))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObjectIter it;
  const char *key;
  JsonNode *v;
  json_object_iter_init_ordered (&it, json_node_get_object (root));
  while (json_object_iter_next_ordered (&it, &key, &v))
    {
      if (!JSON_NODE_HOLDS_VALUE (v))
        continue;
      char *value = NULL;
      GType t = json_node_get_value_type (v);
      if (t == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (v));
      else if (t == G_TYPE_INT64)
        value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
      else if (t == G_TYPE_DOUBLE)
        {
          GString *s = g_string_new (NULL);
          nn_json_write_double (s, json_node_get_double (v));
          value = g_string_free (s, FALSE);
        }
      else
        continue;
      g_hash_table_insert (values, g_strdup (key), value);
    }
  return values;
}

/* keras_version and date_saved go to info, the rest to the model's metadata. */
static void
read_metadata (NnModel *m, NnKerasInfo *info, const char *text, gsize len)
{
  g_autoptr (GHashTable) values = metadata_values (text, len);
  if (values == NULL)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, values);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      g_hash_table_iter_steal (&it);
      if (strcmp (key, "keras_version") == 0)
        g_free (info->keras_version), info->keras_version = value, g_free (key);
      else if (strcmp (key, "date_saved") == 0)
        g_free (info->date_saved), info->date_saved = value, g_free (key);
      else
        {
          if (m->metadata == NULL)
            m->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (m->metadata, key, value);
        }
    }
}

static void
set_zip_error (int zerr, const char *display, GError **error)
{
  zip_error_t ze;
  zip_error_init_with_code (&ze, zerr);
  g_set_error (error, NN_ERROR, zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ ? NN_ERROR_IO
               : NN_ERROR_FORMAT, "%s: not a readable .keras file (a .keras file is a zip "
               "archive): %s", display, zip_error_strerror (&ze));
  zip_error_fini (&ze);
}

static gboolean
check_stat (const GStatBuf *st, const char *display, GError **error)
{
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not a regular file", display);
      return FALSE;
    }
  if (st->st_size == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: the file is empty", display);
      return FALSE;
    }
  return TRUE;
}

/* The most bytes model.weights.h5 can take for this model: its variables with up
 * to three optimizer slots each, and HDF5's own structures. Anything beyond is
 * padding that would only cost memory. */
static guint64
weights_cap (const NnModel *m)
{
  return (guint64) m->n_params * sizeof (float) * NN_KERAS_WEIGHTS_SLOTS
         + NN_KERAS_WEIGHTS_OVERHEAD + (guint64) m->n_layers * NN_KERAS_LAYER_OVERHEAD;
}

static zip_t *
open_zip (const char *path, const char *display, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot open: %s", display, g_strerror (e));
      return NULL;
    }
  if (!check_stat (&st, display, error))
    return NULL;
  int zerr = 0;
  zip_t *za = zip_open (path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
  if (za == NULL)
    set_zip_error (zerr, display, error);
  return za;
}

/* The file already open: the sandboxed reader gets it this way, as it may open none. */
static zip_t *
open_zip_fd (int fd, const char *display, GError **error)
{
  struct stat st;
  if (fstat (fd, &st) != 0)
    {
      int e = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot read: %s", display, g_strerror (e));
      return NULL;
    }
  if (!check_stat (&st, display, error))
    return NULL;
  int own = fcntl (fd, F_DUPFD_CLOEXEC, 0); /* zip_fdopen closes it with the archive */
  int zerr = 0;
  zip_t *za = NULL;
  if (own < 0 || lseek (own, 0, SEEK_SET) != 0)
    zerr = ZIP_ER_READ;
  else
    za = zip_fdopen (own, ZIP_CHECKCONS, &zerr);
  if (za == NULL)
    {
      if (own >= 0)
        close (own);
      set_zip_error (zerr, display, error);
    }
  return za;
}

static NnModel *
load_zip (zip_t *za, const char *display, NnKerasInfo **info, GError **error)
{
  /* config.json first: the model it describes bounds what the weights can need. */
  gsize config_len = 0, weights_len = 0, meta_len = 0;
  g_autofree char *config = read_entry (za, display, "config.json", NN_KERAS_MAX_CONFIG_BYTES,
                                        &config_len, TRUE, error);
  g_autofree char *weights = NULL;
  g_autofree char *meta = NULL;
  NnKerasGraph g = { 0 };
  if (config != NULL && zip_name_locate (za, "model.weights.h5", 0) < 0
      && zip_name_locate (za, "model.weights.npz", 0) >= 0)
    g_set_error (error, NN_ERROR, NN_ERROR_UNSUPPORTED, "%s: weights saved as "
                 "model.weights.npz are not supported (only model.weights.h5)", display);
  else if (config != NULL && nn_keras_config_parse (display, config, config_len, &g, error))
    weights = read_entry (za, display, "model.weights.h5", weights_cap (g.model),
                          &weights_len, TRUE, error);
  if (weights != NULL)
    meta = read_entry (za, display, "metadata.json", NN_KERAS_MAX_META_BYTES, &meta_len, FALSE,
                       NULL);
  zip_discard (za);
  g_clear_pointer (&config, g_free);
  if (weights == NULL)
    {
      nn_keras_graph_clear (&g);
      return NULL;
    }
  if (!nn_keras_h5_read (display, weights, weights_len, &g, error))
    {
      nn_keras_graph_clear (&g);
      return NULL;
    }
  g_clear_pointer (&weights, g_free);
  if (!nn_model_check_finite (g.model, error))
    {
      g_prefix_error (error, "%s: ", display);
      nn_keras_graph_clear (&g);
      return NULL;
    }
  NnModel *m = g_steal_pointer (&g.model);
  if (meta)
    read_metadata (m, g.info, meta, meta_len);
  if (info)
    *info = g_steal_pointer (&g.info);
  nn_keras_graph_clear (&g);
  return m;
}

NnModel *
nn_keras_load (const char *path, GError **error)
{
  return nn_keras_load_with_info (path, NULL, error);
}

NnModel *
nn_keras_load_with_info (const char *path, NnKerasInfo **info, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (info == NULL || *info == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_autofree char *display = g_filename_display_name (path);
  zip_t *za = open_zip (path, display, error);
  return za ? load_zip (za, display, info, error) : NULL;
}

NnModel *
nn_keras_load_fd (int fd, const char *display, NnKerasInfo **info, GError **error)
{
  g_return_val_if_fail (fd >= 0 && display != NULL, NULL);
  g_return_val_if_fail (info == NULL || *info == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  zip_t *za = open_zip_fd (fd, display, error);
  return za ? load_zip (za, display, info, error) : NULL;
}

char *
nn_keras_read_metadata_value (const char *path, const char *key, GError **error)
{
  g_return_val_if_fail (path != NULL && key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_autofree char *display = g_filename_display_name (path);
  zip_t *za = open_zip (path, display, error);
  if (za == NULL)
    return NULL;
  gsize len = 0;
  g_autofree char *text = read_entry (za, display, "metadata.json", NN_KERAS_MAX_META_BYTES,
                                      &len, FALSE, NULL);
  zip_discard (za);
  g_autoptr (GHashTable) values = text ? metadata_values (text, len) : NULL;
  return values ? g_strdup (g_hash_table_lookup (values, key)) : NULL;
}

/* ---- writing ------------------------------------------------------------------- */

float **
nn_keras_optimizer_slots (const NnModel *model, float *const *arrays, int n_arrays)
{
  g_return_val_if_fail (model != NULL && arrays != NULL && n_arrays > 0, NULL);
  GPtrArray *slots = g_ptr_array_new ();
  for (int i = 0; i < model->n_layers; i++)
    for (int v = 0; v < model->layers[i].n_vars; v++)
      if (model->layers[i].trainable && model->layers[i].vars[v].trainable)
        for (int s = 0; s < n_arrays; s++)
          g_ptr_array_add (slots, arrays[s] + model->layers[i].vars[v].offset);
  g_ptr_array_add (slots, NULL);
  return (float **) g_ptr_array_free (slots, FALSE);
}

static gboolean
looks_numeric (const char *s)
{
  char *end = NULL;
  if (s == NULL || *s == '\0' || g_ascii_isspace (*s))
    return FALSE;
  double v = g_ascii_strtod (s, &end);
  return end && *end == '\0' && isfinite (v) && strpbrk (s, "nNiIxX") == NULL;
}

static char *
metadata_json (const NnModel *m)
{
  GString *s = g_string_new ("{\"keras_version\": \"3.12.0\", \"date_saved\": ");
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%Y-%m-%d@%H:%M:%S");
  nn_json_write_string (s, date);
  if (m->metadata)
    {
      /* Sorted, so the same model always writes the same text. */
      GList *keys = g_list_sort (g_hash_table_get_keys (m->metadata), (GCompareFunc) strcmp);
      for (GList *k = keys; k; k = k->next)
        {
          const char *v = g_hash_table_lookup (m->metadata, k->data);
          if (strcmp (k->data, "keras_version") == 0 || strcmp (k->data, "date_saved") == 0)
            continue;
          g_string_append (s, ", ");
          nn_json_write_string (s, k->data);
          g_string_append (s, ": ");
          if (looks_numeric (v) && strspn (v + (*v == '-'), "0123456789") == strlen (v + (*v == '-')))
            g_string_append (s, v); /* an integer, as it is */
          else if (looks_numeric (v))
            nn_json_write_double (s, g_ascii_strtod (v, NULL)); /* "1e+06" as 1000000.0 */
          else
            nn_json_write_string (s, v ? v : "");
        }
      g_list_free (keys);
    }
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

static gboolean
archive_add (zip_t *za, const char *name, const void *data, gsize len, time_t mtime)
{
  zip_source_t *src = zip_source_buffer (za, data, len, 0);
  if (src == NULL)
    return FALSE;
  zip_int64_t idx = zip_file_add (za, name, src, 0);
  if (idx < 0)
    {
      zip_source_free (src);
      return FALSE;
    }
  return zip_set_file_compression (za, idx, ZIP_CM_STORE, 0) == 0
         && zip_file_set_mtime (za, idx, mtime, 0) == 0
         && zip_file_set_external_attributes (za, idx, 0, ZIP_OPSYS_UNIX, 0600u << 16) == 0;
}

static guint
get16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static guint32
get32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

static void
put16 (guint8 *p, guint v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

/* libzip stamps "made by 6.3, needs 1.0"; Python's zipfile, and so Keras, writes
 * 2.0 for both (on Unix). Only header fields change, so the CRCs still hold. */
static void
patch_versions (guint8 *zip, gsize len)
{
  if (len < 22 || get32 (zip + len - 22) != 0x06054b50)
    return; /* not the comment-free archive we just built: leave it */
  const guint8 *eocd = zip + len - 22;
  guint n = get16 (eocd + 10);
  gsize at = get32 (eocd + 16);
  for (guint i = 0; i < n && at + 46 <= len && get32 (zip + at) == 0x02014b50; i++)
    {
      gsize local = get32 (zip + at + 42);
      put16 (zip + at + 4, (3 << 8) | 20);
      put16 (zip + at + 6, 20);
      if (local + 30 <= len && get32 (zip + local) == 0x04034b50)
        put16 (zip + local + 4, 20);
      at += 46 + get16 (zip + at + 28) + get16 (zip + at + 30) + get16 (zip + at + 32);
    }
}

/* The archive in memory: Keras's three entries, stored, in Keras's order. */
static guint8 *
build_zip (const char *meta, const char *config, const guint8 *h5, gsize h5_len, gsize *len,
           GError **error)
{
  zip_error_t ze;
  zip_error_init (&ze);
  zip_source_t *mem = zip_source_buffer_create (NULL, 0, 0, &ze);
  zip_t *za = NULL;
  guint8 *out = NULL;
  /* zipfile dates entries it opens for writing 1980-01-01, and writestr()'s now. */
  struct tm epoch = { .tm_year = 80, .tm_mon = 0, .tm_mday = 1, .tm_isdst = -1 };
  time_t t1980 = mktime (&epoch);
  if (mem == NULL)
    goto fail;
  zip_source_keep (mem);
  za = zip_open_from_source (mem, ZIP_TRUNCATE, &ze);
  if (za == NULL)
    goto fail;
  if (!archive_add (za, "metadata.json", meta, strlen (meta), t1980)
      || !archive_add (za, "config.json", config, strlen (config), t1980)
      || !archive_add (za, "model.weights.h5", h5, h5_len, time (NULL)))
    {
      zip_error_set (&ze, zip_error_code_zip (zip_get_error (za)), 0);
      zip_discard (za);
      goto fail;
    }
  if (zip_close (za) < 0)
    {
      zip_error_set (&ze, zip_error_code_zip (zip_get_error (za)), 0);
      zip_discard (za);
      goto fail;
    }
  zip_stat_t st;
  zip_stat_init (&st);
  if (zip_source_stat (mem, &st) < 0 || zip_source_open (mem) < 0)
    goto fail;
  out = g_malloc (st.size ? st.size : 1);
  if (zip_source_read (mem, out, st.size) != (zip_int64_t) st.size)
    {
      zip_source_close (mem);
      g_clear_pointer (&out, g_free);
      goto fail;
    }
  zip_source_close (mem);
  zip_source_free (mem);
  patch_versions (out, st.size);
  *len = st.size;
  return out;
fail:
  g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot build the .keras archive: %s",
               zip_error_strerror (&ze));
  zip_error_fini (&ze);
  if (mem)
    zip_source_free (mem);
  return NULL;
}

/* The temporary files of the saves under way, so that a signal handler can remove
 * them (nn_keras_remove_partial_saves): fixed slots, no allocation, no locks. A
 * slot is 0 free, 1 being filled, 2 holding a path. */
#define PARTIAL_SLOTS 8
static struct {
  gint state;
  char path[4096];
} partial[PARTIAL_SLOTS];

static int
partial_add (const char *tmp)
{
  if (strlen (tmp) >= sizeof partial[0].path)
    return -1;
  for (int i = 0; i < PARTIAL_SLOTS; i++)
    if (g_atomic_int_compare_and_exchange (&partial[i].state, 0, 1))
      {
        strcpy (partial[i].path, tmp);
        g_atomic_int_set (&partial[i].state, 2);
        return i;
      }
  return -1; /* more saves at once than slots: this one is not covered */
}

static void
partial_remove (int slot)
{
  if (slot >= 0)
    g_atomic_int_set (&partial[slot].state, 0);
}

void
nn_keras_remove_partial_saves (void)
{
  /* Async-signal-safe: atomic loads and unlink(2) only. */
  for (int i = 0; i < PARTIAL_SLOTS; i++)
    if (g_atomic_int_get (&partial[i].state) == 2)
      unlink (partial[i].path);
}

/* After a rename the new name lives in the folder's entries: sync them too, or a
 * power cut can bring the old file back. Some file systems cannot sync a folder
 * (EINVAL); that is not a failure of the save. */
static int
sync_folder (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return 0;
  int e = fsync (dfd) != 0 && errno != EINVAL && errno != EROFS ? errno : 0;
  close (dfd);
  return e;
}

/* Writes PATH.XXXXXX beside PATH and renames it over PATH, so that PATH is either
 * the old file or the complete new one, never half of either; then syncs the folder. */
gboolean
nn_keras_write_atomically (const char *path, const guint8 *data, gsize len, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot save “%s”: %s", display,
                   g_strerror (e));
      return FALSE;
    }
  int slot = partial_add (tmp);
  gsize done = 0;
  int e = 0;
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          e = n < 0 ? errno : EIO;
          break;
        }
      done += (gsize) n;
    }
  if (e == 0 && fsync (fd) != 0)
    e = errno;
  if (close (fd) != 0 && e == 0)
    e = errno;
  gboolean renamed = FALSE;
  if (e == 0 && g_rename (tmp, path) != 0)
    e = errno;
  else if (e == 0)
    renamed = TRUE;
  if (!renamed)
    g_unlink (tmp);
  partial_remove (slot);
  if (renamed)
    e = sync_folder (path);
  if (e != 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot save “%s”: %s", display,
                   g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_savable (const NnModel *m, const NnKerasSaveOptions *options, GError **error)
{
  if (m->params == NULL || m->n_layers < 2 || m->layers[0].kind != NN_LAYER_INPUT
      || m->output < 1 || m->output >= m->n_layers)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "Model “%s” is not finished; nothing to "
                   "save", m->name ? m->name : "?");
      return FALSE;
    }
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < m->n_layers; i++)
    {
      const char *n = m->layers[i].name;
      if (n == NULL || *n == '\0' || !g_utf8_validate (n, -1, NULL)
          || !g_hash_table_add (names, (gpointer) n))
        {
          g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "Model “%s”: layer %d has an empty, "
                       "invalid or repeated name “%s”; Keras needs unique names",
                       m->name ? m->name : "?", i, n ? n : "");
          return FALSE;
        }
    }
  const NnKerasOptimizer *o = options ? options->optimizer : NULL;
  if (o && (o->slots_per_var < 0 || (o->slots_per_var > 0 && o->slots == NULL)))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_INVALID, "The optimizer state to save is "
                   "incomplete");
      return FALSE;
    }
  if (!nn_model_check_finite (m, error))
    {
      g_prefix_error (error, "Not saving model “%s”: ", m->name ? m->name : "?");
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_keras_save (const NnModel *model, const char *path, const NnKerasSaveOptions *options,
               GError **error)
{
  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!check_savable (model, options, error))
    return FALSE;
  g_autofree char *config = nn_keras_config_write (model, options, error);
  if (config == NULL)
    return FALSE;
  g_autofree char *meta = metadata_json (model);
  gsize h5_len = 0, zip_len = 0;
  g_autofree guint8 *h5 = nn_keras_h5_write (model, options, &h5_len, error);
  if (h5 == NULL)
    return FALSE;
  g_autofree guint8 *zip = build_zip (meta, config, h5, h5_len, &zip_len, error);
  if (zip == NULL)
    return FALSE;
  return nn_keras_write_atomically (path, zip, zip_len, error);
}
