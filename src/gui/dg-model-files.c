/* dg-model-files.c: naming, renaming, trashing and restoring model files.
 *
 * Restoring follows the freedesktop.org trash specification as GLib writes the
 * user's trash: $XDG_DATA_HOME/Trash/files/NAME and Trash/info/NAME.trashinfo,
 * whose Path= is the escaped original path; GIO has no call to put a file back
 * without gvfs.
 */
#include "dg-config.h"
#include "dg-model-files.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#define MAX_NAME_BYTES 200  /* with ".keras", below the 255 of common file systems */

char *
dg_model_name_clean (const char *name)
{
  char *clean = g_strstrip (g_strdup (name ? name : ""));

  if (g_str_has_suffix (clean, ".keras"))
    clean[strlen (clean) - strlen (".keras")] = '\0';
  return clean;
}

char *
dg_model_name_problem (const char *name)
{
  g_autofree char *clean = dg_model_name_clean (name);

  if (!*clean)
    return g_strdup (_("Type a name for the model."));
  if (strchr (clean, '/') || strchr (clean, '\\'))
    return g_strdup (_("A model name cannot contain “/” or “\\”: it would name another folder."));
  if (clean[0] == '.')
    return g_strdup (_("A model name cannot start with a dot: the file would be hidden."));
  if (strlen (clean) > MAX_NAME_BYTES)
    return g_strdup (_("The name is too long for a file name."));
  if (!g_utf8_validate (clean, -1, NULL))
    return g_strdup (_("The name is not valid text."));
  return NULL;
}

gboolean
dg_model_file_is_users (const char *path)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "digits", "models", NULL);
  g_autofree char *parent = path ? g_path_get_dirname (path) : NULL;
  g_autoptr(GFile) a = g_file_new_for_path (dir);
  g_autoptr(GFile) b = parent ? g_file_new_for_path (parent) : NULL;

  return b && g_file_equal (a, b) && g_str_has_suffix (path, ".keras");
}

char *
dg_model_file_rename (const char *path, const char *new_name, GError **error)
{
  g_autofree char *problem = dg_model_name_problem (new_name);
  g_autofree char *clean = dg_model_name_clean (new_name);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_strconcat (clean, ".keras", NULL);
  char *target = g_build_filename (dir, base, NULL);
  g_autoptr(GFile) from = g_file_new_for_path (path);
  g_autoptr(GFile) to = g_file_new_for_path (target);

  if (problem)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, problem);
      g_free (target);
      return NULL;
    }
  /* no G_FILE_COPY_OVERWRITE: an existing file of that name stays */
  if (!g_file_move (from, to, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error))
    {
      g_free (target);
      return NULL;
    }
  return target;
}

gboolean
dg_model_file_trash (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return g_file_trash (file, NULL, error);
}

gboolean
dg_model_file_restore (const char *path, GError **error)
{
  g_autofree char *trash = g_build_filename (g_get_user_data_dir (), "Trash", NULL);
  g_autofree char *info_dir = g_build_filename (trash, "info", NULL);
  g_autoptr(GDir) dir = g_dir_open (info_dir, 0, NULL);
  g_autofree char *best = NULL, *best_date = NULL;
  const char *entry;

  /* the newest record of a file from path */
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autoptr(GKeyFile) info = g_key_file_new ();
      g_autofree char *file = g_build_filename (info_dir, entry, NULL);
      g_autofree char *escaped = NULL, *original = NULL, *date = NULL;

      if (!g_str_has_suffix (entry, ".trashinfo")
          || !g_key_file_load_from_file (info, file, G_KEY_FILE_NONE, NULL))
        continue;
      escaped = g_key_file_get_string (info, "Trash Info", "Path", NULL);
      date = g_key_file_get_string (info, "Trash Info", "DeletionDate", NULL);
      original = escaped ? g_uri_unescape_string (escaped, NULL) : NULL;
      if (g_strcmp0 (original, path) != 0)
        continue;
      if (!best || g_strcmp0 (date, best_date) >= 0)
        {
          g_free (best);
          g_free (best_date);
          best = g_strndup (entry, strlen (entry) - strlen (".trashinfo"));
          best_date = g_steal_pointer (&date);
        }
    }
  if (!best)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s is not in the trash"), path);
      return FALSE;
    }
  {
    g_autofree char *trashed = g_build_filename (trash, "files", best, NULL);
    g_autofree char *info_name = g_strconcat (best, ".trashinfo", NULL);
    g_autofree char *info = g_build_filename (info_dir, info_name, NULL);
    g_autoptr(GFile) from = g_file_new_for_path (trashed);
    g_autoptr(GFile) to = g_file_new_for_path (path);

    if (!g_file_move (from, to, G_FILE_COPY_NOFOLLOW_SYMLINKS, NULL, NULL, NULL, error))
      return FALSE;
    g_remove (info);
  }
  return TRUE;
}
