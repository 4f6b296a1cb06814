/* dg-file-chooser.h: the app's one way to ask for a file or a folder.
 *
 *   GtkFileChooserNative *c = dg_file_chooser_new (widget, _("Export to a Folder"),
 *                                                  GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
 *                                                  _("_Export"), NULL);
 *   dg_file_chooser_run (c, on_chosen, self);   // on_chosen (self, "/chosen/path")
 *
 * The chooser is modal for widget's window. done runs only if the user accepted a
 * local file and object still exists (the chooser holds a weak reference); the
 * chooser is destroyed after the response either way.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef void (*DgFileChosen) (gpointer object, const char *path);

/* initial: the folder to start in, or NULL. Add filters before running it. */
GtkFileChooserNative *dg_file_chooser_new (GtkWidget *widget, const char *title,
                                           GtkFileChooserAction action, const char *accept_label,
                                           const char *initial);
void                  dg_file_chooser_add_filter (GtkFileChooserNative *chooser, const char *name,
                                                  const char *pattern);
void                  dg_file_chooser_run (GtkFileChooserNative *chooser, DgFileChosen done,
                                           gpointer object);

G_END_DECLS
