/* dg-model-files.h: the user's model files: what a model may be called, renaming
 * one, and deleting one to the trash with a way back (GTK-free). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Why name (without ".keras", which is allowed and dropped) cannot be a model's
 * file name, for the user; NULL when it can. A name is refused when empty, when it
 * holds a path separator (it would name another folder), when it starts with a
 * dot (the file would be hidden), or when it is too long for a file name. */
char     *dg_model_name_problem (const char *name);
/* The name without spaces around it and without ".keras". Free with g_free. */
char     *dg_model_name_clean (const char *name);

/* Whether path is in the user's models folder ($XDG_DATA_HOME/digits/models),
 * the models the app may rename and delete. */
gboolean  dg_model_file_is_users (const char *path);

/* Renames path to NEW_NAME.keras in its folder, never over another file; returns
 * the new path (free with g_free) or NULL with error. */
char     *dg_model_file_rename (const char *path, const char *new_name, GError **error);
/* Moves path to the trash (g_file_trash). */
gboolean  dg_model_file_trash (const char *path, GError **error);
/* Puts back the file last moved to the user's trash from path (the trash's
 * info files record where each came from), and removes its trash record. */
gboolean  dg_model_file_restore (const char *path, GError **error);

G_END_DECLS
