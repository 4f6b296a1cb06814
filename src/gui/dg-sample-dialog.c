/* dg-sample-dialog.c: "Save as Sample…" and the samples' file names. */
#include "dg-config.h"
#include "dg-sample-dialog.h"
#include "dg-file-chooser.h"
#include "dg-samples-window.h"
#include "nn-image.h"

#include <errno.h>
#include <glib/gstdio.h>

struct _DgSampleDialog {
  AdwWindow parent_instance;

  /* template */
  AdwToastOverlay *toast_overlay;
  GtkPicture *preview;
  GtkSpinButton *label_spin;
  GtkAdjustment *label_adjustment;
  AdwActionRow *folder_row;
  GtkGrid *count_grid;
  GtkWidget *save_button;

  /* owned */
  DgSettings *settings;
  NnGreyImage *image;
  GtkWidget *count_labels[10];
};

G_DEFINE_FINAL_TYPE (DgSampleDialog, dg_sample_dialog, ADW_TYPE_WINDOW)

enum { SAVED, DRAW_NEXT, N_SIGNALS };
static guint signals[N_SIGNALS];

void
dg_sample_count_folder (const char *folder, int counts[10])
{
  for (int d = 0; d < 10; d++)
    {
      char name[2] = { (char) ('0' + d), 0 };
      g_autofree char *dir_path = g_build_filename (folder, name, NULL);
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
      const char *entry;

      counts[d] = 0;
      while (dir && (entry = g_dir_read_name (dir)))
        {
          g_autofree char *lower = g_ascii_strdown (entry, -1);
          if (g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
              || g_str_has_suffix (lower, ".jpeg"))
            counts[d]++;
        }
    }
}

static void
update_counts (DgSampleDialog *self)
{
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);
  int counts[10], label = (int) gtk_adjustment_get_value (self->label_adjustment);

  adw_action_row_set_subtitle (self->folder_row, folder);
  dg_sample_count_folder (folder, counts);
  for (int d = 0; d < 10; d++)
    {
      char text[16];
      g_snprintf (text, sizeof text, "%d", counts[d]);
      gtk_label_set_text (GTK_LABEL (self->count_labels[d]), text);
      if (d == label)
        gtk_widget_add_css_class (self->count_labels[d], "accent");
      else
        gtk_widget_remove_css_class (self->count_labels[d], "accent");
    }
}

/* A name that sorts by time and never overwrites: 7/7-20261124-031502-2.png */
static char *
unique_path (const char *dir, int label)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  for (int n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup_printf ("%d-%s.png", label, stamp)
                                     : g_strdup_printf ("%d-%s-%d.png", label, stamp, n);
      char *path = g_build_filename (dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

char *
dg_sample_save (DgSettings *settings, const NnGreyImage *image, int label, GError **error)
{
  g_autofree char *folder = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  char name[2] = { 0, 0 };

  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (image != NULL && label >= 0 && label <= 9, NULL);

  name[0] = (char) ('0' + label);
  folder = dg_settings_dup_samples_folder (settings);
  dir = g_build_filename (folder, name, NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }
  path = unique_path (dir, label);
  if (!nn_grey_image_save_png (image, path, error))
    return NULL;
  return g_steal_pointer (&path);
}

char *
dg_sample_dialog_save (DgSampleDialog *self, GError **error)
{
  g_return_val_if_fail (DG_IS_SAMPLE_DIALOG (self), NULL);
  return dg_sample_save (self->settings, self->image,
                         (int) gtk_adjustment_get_value (self->label_adjustment), error);
}

static gboolean
save_and_report (DgSampleDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = dg_sample_dialog_save (self, &error);

  if (!path)
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
      return FALSE;
    }
  g_signal_emit (self, signals[SAVED], 0, path,
                 (int) gtk_adjustment_get_value (self->label_adjustment));
  return TRUE;
}

static void
save_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgSampleDialog *self = DG_SAMPLE_DIALOG (widget);

  if (save_and_report (self))
    gtk_window_close (GTK_WINDOW (self));
}

/* Save and Draw Next: the page clears the canvas and suggests the next digit */
static void
save_next_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgSampleDialog *self = DG_SAMPLE_DIALOG (widget);
  int label = (int) gtk_adjustment_get_value (self->label_adjustment);

  if (!save_and_report (self))
    return;
  g_signal_emit (self, signals[DRAW_NEXT], 0, (label + 1) % 10);
  gtk_window_close (GTK_WINDOW (self));
}

static void
browse_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgSampleDialog *self = DG_SAMPLE_DIALOG (widget);
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  gtk_window_present (GTK_WINDOW (dg_samples_window_new (parent, self->settings)));
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_folder_chosen (gpointer object, const char *path)
{
  DgSampleDialog *self = object;

  dg_settings_set_samples_folder (self->settings, path);
  update_counts (self);
}

static void
choose_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgSampleDialog *self = DG_SAMPLE_DIALOG (widget);
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);

  dg_file_chooser_run (dg_file_chooser_new (widget, _("Choose a Samples Folder"),
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"),
                                            folder),
                       on_folder_chosen, self);
}

static void
on_label_changed (GtkAdjustment *adjustment, DgSampleDialog *self)
{
  update_counts (self);
}

static void
dg_sample_dialog_dispose (GObject *object)
{
  DgSampleDialog *self = DG_SAMPLE_DIALOG (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_SAMPLE_DIALOG);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->image, nn_grey_image_free);
  G_OBJECT_CLASS (dg_sample_dialog_parent_class)->dispose (object);
}

static void
dg_sample_dialog_class_init (DgSampleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dg_sample_dialog_dispose;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  /* after "saved", for Save and Draw Next: the digit to suggest next */
  signals[DRAW_NEXT] = g_signal_new ("draw-next", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-sample-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, preview);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, label_spin);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, label_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, count_grid);
  gtk_widget_class_bind_template_child (widget_class, DgSampleDialog, save_button);
  /* named for tests and tools, not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "next_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "browse_button", FALSE, 0);

  gtk_widget_class_install_action (widget_class, "sample.save", NULL, save_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "sample.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "sample.save", NULL);
  gtk_widget_class_install_action (widget_class, "sample.save-next", NULL, save_next_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "sample.save-next",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "sample.browse", NULL, browse_activated);
  gtk_widget_class_install_action (widget_class, "sample.choose-folder", NULL,
                                   choose_folder_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

/* Save is the default: Enter saves, also in the digit field, which has the focus
 * so that a wrong guess is corrected by typing a digit. GTK 4.8's spin button
 * has no activates-default of its own; its text field has. */
static void
make_save_the_default (DgSampleDialog *self)
{
  gtk_window_set_default_widget (GTK_WINDOW (self), self->save_button);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->label_spin)); c;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TEXT (c))
      {
        gtk_text_set_activates_default (GTK_TEXT (c), TRUE);
        gtk_window_set_focus (GTK_WINDOW (self), c);
      }
}

static void
dg_sample_dialog_init (DgSampleDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (int d = 0; d < 10; d++)
    {
      char name[2] = { (char) ('0' + d), 0 };
      GtkWidget *digit = gtk_label_new (name);

      gtk_widget_add_css_class (digit, "heading");
      self->count_labels[d] = gtk_label_new ("0");
      gtk_widget_add_css_class (self->count_labels[d], "numeric");
      gtk_grid_attach (self->count_grid, digit, d, 0, 1, 1);
      gtk_grid_attach (self->count_grid, self->count_labels[d], d, 1, 1, 1);
    }
  g_signal_connect (self->label_adjustment, "value-changed", G_CALLBACK (on_label_changed), self);
  make_save_the_default (self);
}

DgSampleDialog *
dg_sample_dialog_new (GtkWindow *parent, DgSettings *settings, const guint8 *grey, int width,
                      int height, int label)
{
  DgSampleDialog *self;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (grey != NULL && width > 0 && height > 0, NULL);

  self = g_object_new (DG_TYPE_SAMPLE_DIALOG, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  self->image = nn_grey_image_new (width, height);
  memcpy (self->image->pixels, grey, (size_t) width * height);

  bytes = g_bytes_new (grey, (size_t) width * height);
  /* GDK 4.8 has no 8-bit grey format; expand to RGB for the preview. */
  {
    g_autofree guint8 *rgb = g_malloc ((size_t) width * height * 3);
    for (int i = 0; i < width * height; i++)
      rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = grey[i];
    g_clear_pointer (&bytes, g_bytes_unref);
    bytes = g_bytes_new_take (g_steal_pointer (&rgb), (size_t) width * height * 3);
  }
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, (gsize) width * 3);
  gtk_picture_set_paintable (self->preview, GDK_PAINTABLE (texture));

  gtk_adjustment_set_value (self->label_adjustment, label >= 0 && label <= 9 ? label : 0);
  update_counts (self);
  return self;
}
