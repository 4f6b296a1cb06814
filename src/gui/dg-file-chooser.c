/* dg-file-chooser.c: a modal native file chooser and its response (see the header). */
#include "dg-config.h"
#include "dg-file-chooser.h"

typedef struct {
  DgFileChosen done;
  GWeakRef object;
} Pending;

GtkFileChooserNative *
dg_file_chooser_new (GtkWidget *widget, const char *title, GtkFileChooserAction action,
                     const char *accept_label, const char *initial)
{
  GtkRoot *root = widget ? gtk_widget_get_root (widget) : NULL;
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, action,
                                 accept_label, _("_Cancel"));

  if (initial && g_file_test (initial, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GFile) folder = g_file_new_for_path (initial);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return chooser;
}

void
dg_file_chooser_add_filter (GtkFileChooserNative *chooser, const char *name, const char *pattern)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
}

static void
on_response (GtkNativeDialog *chooser, int response, Pending *pending)
{
  g_autoptr(GObject) object = g_weak_ref_get (&pending->object);

  if (response == GTK_RESPONSE_ACCEPT && object)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        pending->done (object, path);
    }
  g_weak_ref_clear (&pending->object);
  g_free (pending);
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

void
dg_file_chooser_run (GtkFileChooserNative *chooser, DgFileChosen done, gpointer object)
{
  Pending *pending = g_new0 (Pending, 1);

  g_return_if_fail (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  g_return_if_fail (done != NULL && G_IS_OBJECT (object));
  pending->done = done;
  g_weak_ref_init (&pending->object, object);
  g_signal_connect (chooser, "response", G_CALLBACK (on_response), pending);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
