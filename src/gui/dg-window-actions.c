/* dg-window-actions.c: the window's actions, each with its shortcut next to it.
 * The pages reach the window only through these (and the application's). */
#include "dg-config.h"
#include "dg-window-private.h"

static void
on_open_response (GtkNativeDialog *dialog, int response, DgWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path)
        dg_window_open_model (self, path);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
open_model_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) keras = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (keras, _("Keras Models"));
  gtk_file_filter_add_pattern (keras, "*.keras");
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), keras);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
show_error_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (widget), _("Could Not Open the Model"),
                                              g_variant_get_string (param, NULL));

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* win.show-page('draw' | 'train' | 'evaluate') */
static void
show_page_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  const char *page = g_variant_get_string (param, NULL);

  if (adw_view_stack_get_child_by_name (self->view_stack, page))
    adw_view_stack_set_visible_child_name (self->view_stack, page);
}

/* win.draw-image(ay): a 28 x 28 image (white ink on black) replaces the drawing,
 * and the Draw page shows it with the model's reading */
static void
draw_image_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  gsize n = 0;
  const guint8 *pixels = g_variant_get_fixed_array (param, &n, 1);

  if (n != 28 * 28)
    return;
  dg_draw_page_show_image (self->draw_page, pixels);
  adw_view_stack_set_visible_child_name (self->view_stack, "draw");
}

void
dg_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-model", NULL);

  gtk_widget_class_install_action (widget_class, "win.show-error", "s", show_error_activated);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_activated);
  gtk_widget_class_install_action (widget_class, "win.draw-image", "ay", draw_image_activated);
}
