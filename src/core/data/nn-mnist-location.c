/* nn-mnist-location.c: the places MNIST may be, and the check that a folder holds it.
 *
 * The check reads only each file's header and its size (for a gzipped file, the
 * uncompressed size gzip stores in its last four bytes), so finding MNIST costs
 * four small reads per place, not 55 MB of decompression.
 */
#include "nn-mnist-location.h"
#include "nn-mnist-private.h"
#include "nn-data-config.h"
#include "nn-error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const NnMnistFile nn_mnist_files[NN_MNIST_N_FILES] = {
  { "train-images-idx3-ubyte", 0x00000803u, 60000, 16, 28 * 28 },
  { "train-labels-idx1-ubyte", 0x00000801u, 60000, 8, 1 },
  { "t10k-images-idx3-ubyte", 0x00000803u, 10000, 16, 28 * 28 },
  { "t10k-labels-idx1-ubyte", 0x00000801u, 10000, 8, 1 },
};

/* ---- places -------------------------------------------------------------------- */

static void
place_free (gpointer p)
{
  NnMnistPlace *place = p;
  g_free (place->path);
  g_free (place);
}

static void
add_place (GPtrArray *places, NnMnistPlaceKind kind, const char *what, const char *path)
{
  NnMnistPlace *place = g_new0 (NnMnistPlace, 1);
  place->kind = kind;
  place->what = what;
  place->path = g_strdup (path);
  g_ptr_array_add (places, place);
}

/* A program inside the build tree may use the source tree's data; an installed
 * one never does, whatever path merely existed when it was built. */
static gboolean
running_from_build_tree (void)
{
  static int from_build = -1;
  if (g_atomic_int_get (&from_build) < 0)
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      g_atomic_int_set (&from_build, exe != NULL
                                       && g_str_has_prefix (exe, NN_DATA_BUILD_ROOT G_DIR_SEPARATOR_S));
    }
  return g_atomic_int_get (&from_build);
}

char *
nn_mnist_user_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digits", "mnist", NULL);
}

GPtrArray *
nn_mnist_places (const char *chosen)
{
  GPtrArray *places = g_ptr_array_new_with_free_func (place_free);
  const char *env = g_getenv ("DIGITS_MNIST_DIR");

  add_place (places, NN_MNIST_PLACE_ENV, "$DIGITS_MNIST_DIR", env != NULL && *env ? env : NULL);
  if (chosen != NULL && *chosen)
    add_place (places, NN_MNIST_PLACE_CHOSEN, "the chosen folder", chosen);
  g_autofree char *user = nn_mnist_user_dir ();
  add_place (places, NN_MNIST_PLACE_USER, "the user data folder", user);
  if (running_from_build_tree ())
    add_place (places, NN_MNIST_PLACE_SOURCE, "the source tree", NN_MNIST_SOURCE_DIR);
  add_place (places, NN_MNIST_PLACE_SYSTEM, "the system folder", NN_MNIST_SYSTEM_DIR);
  return places;
}

/* ---- one file -------------------------------------------------------------------- */

static guint32
read_be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* dir/name, or dir/name.gz when only that exists; NULL when neither does. */
static char *
existing_file (const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  char *gz = g_strconcat (path, ".gz", NULL);
  g_free (path);
  if (g_file_test (gz, G_FILE_TEST_EXISTS))
    return gz;
  g_free (gz);
  return NULL;
}

/* The header's fields against what MNIST's file f must say. */
static gboolean
check_header (const char *display, const NnMnistFile *f, const guint8 *h, GError **error)
{
  const char *kind = f->item_bytes == 1 ? "labels" : "images";
  guint32 magic = read_be32 (h), count = read_be32 (h + 4);

  if (magic != f->magic)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: not an IDX %s file (magic number 0x%08x, expected 0x%08x)", display, kind,
                   magic, f->magic);
      return FALSE;
    }
  if (count != f->count)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: holds %u %s, not MNIST's %u", display,
                   count, kind, f->count);
      return FALSE;
    }
  if (f->item_bytes > 1 && (read_be32 (h + 8) != 28 || read_be32 (h + 12) != 28))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: images are %u x %u, not 28 x 28",
                   display, read_be32 (h + 8), read_be32 (h + 12));
      return FALSE;
    }
  return TRUE;
}

/* The uncompressed size: the file's own size, or for gzip the last four bytes
 * (the size modulo 2^32, exact for MNIST's files). */
static gboolean
data_size (int fd, const char *display, gboolean gzipped, guint64 file_size, guint64 *size,
           GError **error)
{
  if (!gzipped)
    {
      *size = file_size;
      return TRUE;
    }
  guint8 tail[4];
  if (file_size < 18 || pread (fd, tail, 4, (off_t) file_size - 4) != 4)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: truncated gzip file", display);
      return FALSE;
    }
  *size = (guint64) tail[0] | (guint64) tail[1] << 8 | (guint64) tail[2] << 16
          | (guint64) tail[3] << 24;
  return TRUE;
}

static gboolean
check_file (const char *path, const NnMnistFile *f, GError **error)
{
  g_autofree char *display = g_filename_display_name (path);
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot open %s: %s", display,
                   g_strerror (saved));
      return FALSE;
    }
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: not a regular file", display);
      close (fd);
      return FALSE;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);

  guint8 magic[2] = { 0, 0 };
  gboolean gzipped = pread (fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  guint64 size = 0;
  if (!data_size (fd, display, gzipped, (guint64) st.st_size, &size, error))
    {
      close (fd);
      return FALSE;
    }

  /* gzread reads a plain file as it is, so one path serves both. */
  guint8 h[16];
  int fd2 = dup (fd);
  gzFile gz = fd2 >= 0 ? gzdopen (fd2, "rb") : NULL;
  int got = gz != NULL ? gzread (gz, h, f->header) : -1;
  if (gz != NULL)
    gzclose (gz);
  else if (fd2 >= 0)
    close (fd2);
  close (fd);
  if (got != (int) f->header)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: too short for an IDX header%s",
                   display, gzipped ? " (or corrupt gzip data)" : "");
      return FALSE;
    }
  if (!check_header (display, f, h, error))
    return FALSE;

  guint64 want = f->header + (guint64) f->count * f->item_bytes;
  if (size != want)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT,
                   "%s: %s%" G_GUINT64_FORMAT " bytes, not %" G_GUINT64_FORMAT " (truncated?)",
                   display, gzipped ? "uncompresses to " : "is ", size, want);
      return FALSE;
    }
  return TRUE;
}

/* ---- a folder -------------------------------------------------------------------- */

gboolean
nn_mnist_folder_check (const char *dir, GError **error)
{
  g_return_val_if_fail (dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *display = g_filename_display_name (dir);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: %s", display,
                   g_file_test (dir, G_FILE_TEST_EXISTS) ? "not a folder" : "no such folder");
      return FALSE;
    }
  for (int i = 0; i < NN_MNIST_N_FILES; i++)
    {
      g_autofree char *path = existing_file (dir, nn_mnist_files[i].name);
      if (path == NULL)
        {
          g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: %s (or %s.gz) is missing", display,
                       nn_mnist_files[i].name, nn_mnist_files[i].name);
          return FALSE;
        }
      if (!check_file (path, &nn_mnist_files[i], error))
        return FALSE;
    }
  return TRUE;
}

char *
nn_mnist_find (const char *chosen, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_autoptr (GPtrArray) places = nn_mnist_places (chosen);
  g_autoptr (GString) looked = g_string_new ("MNIST was not found. Looked in:");
  for (guint i = 0; i < places->len; i++)
    {
      const NnMnistPlace *place = g_ptr_array_index (places, i);
      g_autoptr (GError) why = NULL;
      if (place->path == NULL)
        {
          g_string_append_printf (looked, "\n  %s: not set", place->what);
          continue;
        }
      /* The variable is an order, taken as given: it may name a smaller IDX set
       * (tests, quick runs), and a wrong folder is reported by the load, naming
       * the file, rather than papered over with MNIST found elsewhere. */
      if (place->kind == NN_MNIST_PLACE_ENV || nn_mnist_folder_check (place->path, &why))
        return g_strdup (place->path);
      g_string_append_printf (looked, "\n  %s: %s", place->what, why->message);
    }
  g_set_error_literal (error, NN_ERROR, NN_ERROR_NO_DATA, looked->str);
  return NULL;
}
