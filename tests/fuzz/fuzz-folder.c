/* fuzz-folder.c: the image folder reader (fine-tuning and evaluate --data) on a
 * folder the input describes.
 *
 * Input: a flags byte (bit 0: require all ten classes), then up to 24 records of
 * [kind (1 byte)][length (2 bytes, little-endian)][content]. The kind's low nibble
 * places the entry: 0..9 in that class folder, 10 at the top, 11 in a folder "x",
 * 12 in a folder nested in class 7; its high nibble names it: by extension .png,
 * .jpg, .jpeg, .PNG, none, .txt, a hidden name, a 200-byte name, and from 8 on a
 * directory, a symbolic link to the previous entry, a FIFO or an empty file. */
#include "fuzz-util.h"
#include "nn-folder.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *root;

static void rm_rf (const char *path);

static void
remove_root (void)
{
  rm_rf (root);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* Every input writes a folder tree: in memory (tmpfs) it runs several times faster. */
  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR))
    root = g_mkdtemp (g_strdup ("/dev/shm/digits-fuzz-folder-XXXXXX"));
  if (root == NULL)
    {
      GError *error = NULL;
      root = g_dir_make_tmp ("digits-fuzz-folder-XXXXXX", &error);
      if (root == NULL)
        g_error ("%s", error->message);
    }
  atexit (remove_root);
  return 0;
}

static void
rm_rf (const char *path)
{
  GStatBuf st;
  if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static char *
entry_path (guint kind, int index)
{
  static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".PNG", "", ".txt" };
  guint where = kind & 0xf, how = kind >> 4;
  g_autofree char *dir = where <= 9 ? g_strdup_printf ("%s/%u", root, where)
                         : where == 10 ? g_strdup (root)
                         : where == 11 ? g_strdup_printf ("%s/x", root)
                         : g_strdup_printf ("%s/7/nested", root);
  g_mkdir_with_parents (dir, 0700);
  if (how < G_N_ELEMENTS (ext))
    return g_strdup_printf ("%s/f%02d%s", dir, index, ext[how]);
  if (how == 6)
    return g_strdup_printf ("%s/.f%02d.png", dir, index);
  if (how == 7)
    {
      g_autofree char *long_name = g_strnfill (196, 'n');
      return g_strdup_printf ("%s/%s%02d.png", dir, long_name, index);
    }
  return g_strdup_printf ("%s/e%02d.png", dir, index);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  gboolean require_all = data[0] & 1;
  size_t at = 1;
  g_autofree char *previous = NULL;
  for (int i = 0; i < 24 && at + 3 <= size; i++)
    {
      guint kind = data[at], how = kind >> 4;
      size_t len = MIN ((size_t) (data[at + 1] | (data[at + 2] << 8)), size - at - 3);
      const guint8 *content = data + at + 3;
      at += 3 + len;
      char *path = entry_path (kind, i);
      if (how == 8)
        g_mkdir (path, 0700);
      else if (how == 9 && previous)
        (void) !symlink (previous, path);
      else if (how == 10)
        mkfifo (path, 0600);
      else if (how == 11)
        g_file_set_contents (path, "", 0, NULL);
      else
        g_file_set_contents (path, (const char *) content, (gssize) len, NULL);
      g_free (previous);
      previous = path;
    }
  NnFolderReport report = { 0 };
  GError *error = NULL;
  NnDataset *ds = nn_folder_load (root, require_all, &report, &error);
  g_assert ((ds == NULL) != (error == NULL));
  fuzz_report ("folder", error);
  if (ds)
    {
      int total = 0;
      for (int c = 0; c < 10; c++)
        total += report.per_class[c];
      g_assert (total == ds->n);
      for (int i = 0; i < ds->n; i++)
        g_assert (ds->labels[i] <= 9 && ds->paths[i] != NULL);
      nn_dataset_free (ds);
    }
  nn_folder_report_clear (&report);
  g_clear_error (&error);
  /* Empty the folder for the next input, keeping the folder itself. */
  GDir *d = g_dir_open (root, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (root, name, NULL);
      rm_rf (child);
    }
  if (d)
    g_dir_close (d);
  return 0;
}
