/* nn-folder.c: a folder of class subfolders 0 ... 9 as a dataset.
 *
 * Only DIR/<digit>/<file> is read, one level deep: nothing recurses, so a
 * symbolic link loop cannot trap the reader. Names are sorted bytewise, so the
 * same folder gives the same dataset (and the same seeded split) everywhere.
 */
#include "nn-folder.h"
#include "nn-error.h"
#include "nn-image-private.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static void
skipped_file_free (gpointer p)
{
  NnSkippedFile *s = p;
  g_free (s->path);
  g_free (s->reason);
  g_free (s);
}

void
nn_folder_report_clear (NnFolderReport *report)
{
  g_return_if_fail (report != NULL);
  g_clear_pointer (&report->skipped, g_ptr_array_unref);
  memset (report->per_class, 0, sizeof report->per_class);
}

static void
skip (NnFolderReport *report, const char *path, const char *reason)
{
  NnSkippedFile *s = g_new (NnSkippedFile, 1);
  s->path = g_strdup (path);
  s->reason = g_strdup (reason);
  g_ptr_array_add (report->skipped, s);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The entries of dir, sorted; NULL when it cannot be listed. */
static GPtrArray *
sorted_entries (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

static int
class_of (const char *name)
{
  return name[0] >= '0' && name[0] <= '9' && name[1] == '\0' ? name[0] - '0' : -1;
}

/* Why a path that stat() refused or that is not a regular file is skipped. */
static const char *
special_reason (int stat_errno, const struct stat *st)
{
  if (stat_errno == ELOOP)
    return "symbolic link loop";
  if (stat_errno == ENOENT)
    return "broken symbolic link";
  if (stat_errno != 0)
    return g_strerror (stat_errno);
  if (S_ISDIR (st->st_mode))
    return "a folder inside a class folder (only files directly in 0 ... 9 are read)";
  return "not a regular file (device, pipe or socket)";
}

typedef struct {
  GByteArray *images; /* (N, 28, 28) */
  GByteArray *labels; /* (N,) */
  GPtrArray *paths;
} Collected;

/* Reads the files of one class folder into c. */
static void
read_class (const char *class_dir, int label, Collected *c, NnFolderReport *report)
{
  g_autoptr (GPtrArray) names = sorted_entries (class_dir);
  if (names == NULL)
    {
      skip (report, class_dir, "cannot list the class folder (no permission?)");
      return;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (class_dir, name, NULL);
      struct stat st;
      int serr = stat (path, &st) == 0 ? 0 : errno;
      if (serr != 0 || !S_ISREG (st.st_mode))
        {
          skip (report, path, special_reason (serr, &st));
          continue;
        }

      NnImageProblem problem;
      g_autofree char *reason = NULL;
      g_autoptr (NnGreyImage) img = nn_grey_image_decode (path, &problem, &reason);
      if (img == NULL)
        {
          skip (report, path, reason);
          continue;
        }
      float field[NN_IMAGE_PIXELS];
      g_autoptr (GError) error = NULL;
      if (!nn_preprocess_digit (img->pixels, img->width, img->height, img->width,
                                NN_BACKGROUND_AUTO, field, &error))
        {
          g_autofree char *why = g_strdup_printf ("blank image: %s", error->message);
          skip (report, path, why);
          continue;
        }
      guint8 bytes[NN_IMAGE_PIXELS];
      for (int k = 0; k < NN_IMAGE_PIXELS; k++)
        bytes[k] = (guint8) (field[k] * 255.0f + 0.5f);
      guint8 lab = (guint8) label;
      g_byte_array_append (c->images, bytes, NN_IMAGE_PIXELS);
      g_byte_array_append (c->labels, &lab, 1);
      g_ptr_array_add (c->paths, g_steal_pointer (&path));
      report->per_class[label]++;
    }
}

/* Lists DIR's top level: class folders into class_dirs[10] (NULL if absent),
 * everything else into the report. Returns FALSE with error if DIR cannot be read. */
static gboolean
scan_top (const char *dir, char *class_dirs[10], NnFolderReport *report, GError **error)
{
  struct stat st;
  int serr = stat (dir, &st) == 0 ? 0 : errno;
  if (serr != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "%s: %s", dir,
                   serr == ENOENT ? "no such folder"
                   : serr != 0 ? g_strerror (serr) : "not a folder of class folders 0 ... 9");
      return FALSE;
    }
  g_autoptr (GPtrArray) names = sorted_entries (dir);
  if (names == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA, "%s: cannot list the folder", dir);
      return FALSE;
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (dir, name, NULL);
      int label = class_of (name);
      serr = stat (path, &st) == 0 ? 0 : errno;
      if (serr != 0)
        skip (report, path, special_reason (serr, &st));
      else if (!S_ISDIR (st.st_mode))
        skip (report, path, "not in a class folder 0 ... 9");
      else if (label < 0)
        {
          g_autoptr (GPtrArray) inside = sorted_entries (path);
          guint n = inside ? inside->len : 0;
          g_autofree char *why = g_strdup_printf (
            "unexpected folder (class folders are named 0 ... 9), not read: %u %s", n,
            n == 1 ? "entry" : "entries");
          skip (report, path, why);
        }
      else
        class_dirs[label] = g_steal_pointer (&path);
    }
  return TRUE;
}

NnDataset *
nn_folder_load (const char *dir, gboolean require_all_classes, NnFolderReport *report,
                GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  NnFolderReport local = { { 0 }, NULL };
  if (report == NULL)
    report = &local;
  memset (report->per_class, 0, sizeof report->per_class);
  if (report->skipped == NULL)
    report->skipped = g_ptr_array_new_with_free_func (skipped_file_free);
  else
    g_ptr_array_set_size (report->skipped, 0);

  char *class_dirs[10] = { NULL };
  Collected c = { g_byte_array_new (), g_byte_array_new (), g_ptr_array_new () };
  NnDataset *ds = NULL;
  if (!scan_top (dir, class_dirs, report, error))
    goto out;
  for (int k = 0; k < 10; k++)
    if (class_dirs[k])
      read_class (class_dirs[k], k, &c, report);

  /* Every problem with the classes at once, so one run shows all that is missing. */
  GString *missing = g_string_new (NULL);
  for (int k = 0; k < 10 && require_all_classes; k++)
    if (report->per_class[k] == 0)
      {
        char name[2] = { (char) ('0' + k), '\0' };
        g_autofree char *p = g_build_filename (dir, name, NULL);
        g_string_append_printf (missing, "%s%s (%s)", missing->len ? ", " : "", p,
                                class_dirs[k] ? "no usable images" : "missing");
      }
  if (missing->len > 0)
    g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA,
                 "%s: every class folder 0 ... 9 needs images; missing or empty: %s",
                 dir, missing->str);
  else if (c.labels->len == 0)
    g_set_error (error, NN_ERROR, NN_ERROR_NO_DATA,
                 "%s: no usable images in class folders 0 ... 9", dir);
  else
    {
      int n = (int) c.labels->len;
      ds = nn_dataset_new (n);
      memcpy (ds->images, c.images->data, (size_t) n * NN_IMAGE_PIXELS);
      memcpy (ds->labels, c.labels->data, (size_t) n);
      ds->paths = g_new0 (char *, (size_t) n + 1);
      for (int i = 0; i < n; i++)
        ds->paths[i] = c.paths->pdata[i];
      g_ptr_array_set_size (c.paths, 0); /* ownership moved to ds */
    }
  g_string_free (missing, TRUE);

out:
  for (int k = 0; k < 10; k++)
    g_free (class_dirs[k]);
  g_byte_array_unref (c.images);
  g_byte_array_unref (c.labels);
  g_ptr_array_set_free_func (c.paths, g_free);
  g_ptr_array_unref (c.paths);
  if (report == &local)
    nn_folder_report_clear (&local);
  return ds;
}
