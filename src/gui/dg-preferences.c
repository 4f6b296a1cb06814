/* dg-preferences.c: the Preferences window: the canvas, Grad-CAM and where
 * samples are saved (chosen with a folder chooser, or reset to the default). */
#include "dg-config.h"
#include "dg-preferences.h"
#include "dg-file-chooser.h"

struct _DgPreferences {
  AdwPreferencesWindow parent_instance;

  /* template */
  GtkAdjustment *brush_adjustment;
  GtkWidget *dark_switch;
  GtkWidget *gradcam_switch;
  GtkWidget *overlay_switch;
  AdwActionRow *samples_row;

  /* owned */
  DgSettings *settings;
};

G_DEFINE_FINAL_TYPE (DgPreferences, dg_preferences, ADW_TYPE_PREFERENCES_WINDOW)

static void
update_samples_row (DgPreferences *self)
{
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);

  adw_action_row_set_subtitle (self->samples_row, folder);
}

static void
on_samples_folder_changed (DgSettings *settings, GParamSpec *pspec, DgPreferences *self)
{
  update_samples_row (self);
}

static void
reset_samples_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  dg_settings_set_samples_folder (DG_PREFERENCES (widget)->settings, "");
}

static void
on_samples_folder_chosen (gpointer object, const char *path)
{
  dg_settings_set_samples_folder (DG_PREFERENCES (object)->settings, path);
}

static void
choose_samples_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgPreferences *self = DG_PREFERENCES (widget);
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);
  GtkFileChooserNative *chooser = dg_file_chooser_new (widget, _("Choose the Samples Folder"),
                                                       GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                       _("_Select"),
                                                       g_file_test (folder, G_FILE_TEST_IS_DIR)
                                                         ? folder : NULL);

  dg_file_chooser_run (chooser, on_samples_folder_chosen, self);
}

static void
dg_preferences_dispose (GObject *object)
{
  DgPreferences *self = DG_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dg_preferences_parent_class)->dispose (object);
}

static void
dg_preferences_class_init (DgPreferencesClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dg_preferences_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, DgPreferences, brush_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DgPreferences, dark_switch);
  gtk_widget_class_bind_template_child (widget_class, DgPreferences, gradcam_switch);
  gtk_widget_class_bind_template_child (widget_class, DgPreferences, overlay_switch);
  gtk_widget_class_bind_template_child (widget_class, DgPreferences, samples_row);
  /* named for tests and tools, not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "choose_samples_button", FALSE, 0);
  gtk_widget_class_install_action (widget_class, "prefs.reset-samples", NULL,
                                   reset_samples_activated);
  gtk_widget_class_install_action (widget_class, "prefs.choose-samples", NULL,
                                   choose_samples_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
dg_preferences_init (DgPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DgPreferences *
dg_preferences_new (GtkWindow *parent, DgSettings *settings)
{
  GBindingFlags flags = G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL;
  DgPreferences *self;

  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);

  self = g_object_new (DG_TYPE_PREFERENCES, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  g_object_bind_property (settings, "brush-size", self->brush_adjustment, "value", flags);
  g_object_bind_property (settings, "dark-canvas", self->dark_switch, "active", flags);
  g_object_bind_property (settings, "show-gradcam", self->gradcam_switch, "active", flags);
  g_object_bind_property (settings, "gradcam-on-canvas", self->overlay_switch, "active", flags);
  g_signal_connect_object (settings, "notify::samples-folder",
                           G_CALLBACK (on_samples_folder_changed), self, 0);
  update_samples_row (self);
  return self;
}
