/* dg-window-actions.c: the window's actions, each with its shortcut next to it. */
#include "dg-config.h"
#include "dg-window-private.h"
#include "dg-sample-dialog.h"
#include "dg-test-hooks.h"

static void
undo_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  dg_canvas_undo (DG_WINDOW (widget)->canvas);
}

static void
redo_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  dg_canvas_redo (DG_WINDOW (widget)->canvas);
}

static void
clear_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  dg_canvas_clear (DG_WINDOW (widget)->canvas);
}

static void
predict_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  dg_window_predict (DG_WINDOW (widget));
}

static void
brush_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  int step = g_str_equal (name, "win.brush-larger") ? 2 : -2;

  dg_settings_set_brush_size (self->settings, dg_settings_get_brush_size (self->settings) + step);
}

static void
on_open_response (GtkNativeDialog *dialog, int response, DgWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      dg_test_print ("CHOSEN %s", path ? path : "");
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
on_sample_saved (DgSampleDialog *dialog, const char *path, int label, DgWindow *self)
{
  g_autofree char *text = g_strdup_printf (_("Saved as a “%d”"), label);

  dg_test_print ("SAMPLE saved label=%d path=%s", label, path);
  dg_window_show_toast (self, text);
}

static void
save_sample_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  g_autofree guint8 *grey = g_malloc (DG_CANVAS_UNITS * DG_CANVAS_UNITS);
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);
  DgSampleDialog *dialog;

  if (dg_canvas_is_empty (self->canvas))
    return;
  dg_canvas_render_grey (self->canvas, grey);
  dialog = dg_sample_dialog_new (GTK_WINDOW (self), self->settings, grey, DG_CANVAS_UNITS,
                                 DG_CANVAS_UNITS, self->prediction);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_sample_saved), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_error_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (widget), _("Could Not Open the Model"),
                                              g_variant_get_string (param, NULL));

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

void
dg_window_update_actions (DgWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean drawn = !dg_canvas_is_empty (self->canvas);

  gtk_widget_action_set_enabled (widget, "win.undo", dg_canvas_get_can_undo (self->canvas));
  gtk_widget_action_set_enabled (widget, "win.redo", dg_canvas_get_can_redo (self->canvas));
  gtk_widget_action_set_enabled (widget, "win.clear", drawn);
  gtk_widget_action_set_enabled (widget, "win.predict", drawn && self->model);
  gtk_widget_action_set_enabled (widget, "win.save-sample", drawn);
}

void
dg_window_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo", NULL);

  gtk_widget_class_install_action (widget_class, "win.redo", NULL, redo_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);

  gtk_widget_class_install_action (widget_class, "win.clear", NULL, clear_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "win.clear", NULL);

  gtk_widget_class_install_action (widget_class, "win.predict", NULL, predict_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.predict", NULL);

  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-model", NULL);

  gtk_widget_class_install_action (widget_class, "win.save-sample", NULL, save_sample_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-sample", NULL);

  gtk_widget_class_install_action (widget_class, "win.show-error", "s", show_error_activated);

  gtk_widget_class_install_action (widget_class, "win.brush-smaller", NULL, brush_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0,
                                       "win.brush-smaller", NULL);
  gtk_widget_class_install_action (widget_class, "win.brush-larger", NULL, brush_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0,
                                       "win.brush-larger", NULL);
}
