/* test-data-util.h: temporary folders for the data tests. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <gio/gio.h>

static inline char *
test_tmp_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("digits-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

/* Removes a tree without following symbolic links. */
static inline void
test_rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      GDir *d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          char *child = g_build_filename (path, name, NULL);
          test_rm_rf (child);
          g_free (child);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}
