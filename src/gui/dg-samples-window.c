/* dg-samples-window.c: the samples browser (see dg-samples-window.h). */
#include "dg-config.h"
#include "dg-samples-window.h"

#define THUMB 56

struct _DgSamplesWindow {
  AdwWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  GtkBox *sections;
  AdwStatusPage *empty_page;
  GtkStack *stack;

  DgSettings *settings;
  GPtrArray *pending;      /* of GtkWidget * (a tile, hidden): deleted, not yet trashed */
  int n_shown;
};

G_DEFINE_FINAL_TYPE (DgSamplesWindow, dg_samples_window, ADW_TYPE_WINDOW)

enum { SHOWN, DELETED, RESTORED, TRASHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_shown (DgSamplesWindow *self, int n)
{
  self->n_shown = n;
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "samples" : "empty");
  g_signal_emit (self, signals[SHOWN], 0, n);
}

static void
trash_tile (DgSamplesWindow *self, GtkWidget *tile)
{
  const char *path = g_object_get_data (G_OBJECT (tile), "path");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  gboolean ok = g_file_trash (file, NULL, &error);

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      /* TRANSLATORS: a toast; %s is a file name. Details has the reason */
      g_autofree char *text = g_strdup_printf (_("Could not move “%s” to the trash"), path);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
      gtk_widget_set_visible (tile, TRUE);
      set_shown (self, self->n_shown + 1);
    }
  g_signal_emit (self, signals[TRASHED], 0, path, ok);
}

/* The toast went without Undo: now the file goes to the trash. */
static void
on_toast_dismissed (AdwToast *toast, DgSamplesWindow *self)
{
  GtkWidget *tile = g_object_get_data (G_OBJECT (toast), "tile");

  /* (closing the window trashed every pending one and dismisses the toasts) */
  if (tile && self->pending && g_ptr_array_remove (self->pending, tile))
    trash_tile (self, tile);
}

static void
undo_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  DgSamplesWindow *self = DG_SAMPLES_WINDOW (widget);
  GtkWidget *tile;

  if (self->pending->len == 0)
    return;
  tile = g_ptr_array_steal_index (self->pending, self->pending->len - 1);
  gtk_widget_set_visible (tile, TRUE);
  set_shown (self, self->n_shown + 1);
  g_signal_emit (self, signals[RESTORED], 0, g_object_get_data (G_OBJECT (tile), "path"));
  g_object_unref (tile);
}

static void
on_delete_clicked (GtkButton *button, DgSamplesWindow *self)
{
  GtkWidget *tile = gtk_widget_get_parent (GTK_WIDGET (button));
  const char *path = g_object_get_data (G_OBJECT (tile), "path");
  g_autofree char *base = g_path_get_basename (path);
  /* TRANSLATORS: a toast in the samples window; %s is a file name */
  g_autofree char *text = g_strdup_printf (_("Deleted “%s”"), base);
  AdwToast *toast = adw_toast_new (text);

  gtk_widget_set_visible (tile, FALSE);
  g_ptr_array_add (self->pending, g_object_ref (tile));
  set_shown (self, self->n_shown - 1);
  g_signal_emit (self, signals[DELETED], 0, path);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "samples.undo");
  g_object_set_data (G_OBJECT (toast), "tile", tile);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static GtkWidget *
make_tile (DgSamplesWindow *self, const char *path)
{
  GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, NULL);
  /* an image at a fixed size: a picture would ask for the sample's own 280 px */
  GtkWidget *picture = texture ? gtk_image_new_from_paintable (GDK_PAINTABLE (texture))
                               : gtk_image_new_from_icon_name ("image-missing-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *base = g_path_get_basename (path);

  gtk_image_set_pixel_size (GTK_IMAGE (picture), THUMB);
  gtk_widget_set_halign (tile, GTK_ALIGN_START);
  gtk_widget_set_tooltip_text (picture, base);
  gtk_widget_add_css_class (picture, "card");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_halign (remove, GTK_ALIGN_CENTER);
  /* TRANSLATORS: tooltip of a sample's delete button */
  gtk_widget_set_tooltip_text (remove, _("Move to the Trash"));
  g_signal_connect (remove, "clicked", G_CALLBACK (on_delete_clicked), self);
  gtk_box_append (GTK_BOX (tile), picture);
  gtk_box_append (GTK_BOX (tile), remove);
  g_object_set_data_full (G_OBJECT (tile), "path", g_strdup (path), g_free);
  return tile;
}

static GPtrArray *
list_samples (const char *dir)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      if (g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".jpg")
          || g_str_has_suffix (lower, ".jpeg"))
        g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
    }
  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  return paths;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static void
load (DgSamplesWindow *self)
{
  g_autofree char *folder = dg_settings_dup_samples_folder (self->settings);
  GtkWidget *c;
  int n = 0;

  while ((c = gtk_widget_get_first_child (GTK_WIDGET (self->sections))))
    gtk_box_remove (self->sections, c);
  adw_status_page_set_description (self->empty_page, folder);
  for (int d = 0; d < 10; d++)
    {
      char name[2] = { (char) ('0' + d), 0 };
      g_autofree char *dir = g_build_filename (folder, name, NULL);
      g_autoptr(GPtrArray) paths = list_samples (dir);
      GtkWidget *flow, *title;
      g_autofree char *heading = NULL;

      g_ptr_array_sort (paths, compare_paths);
      if (paths->len == 0)
        continue;
      /* TRANSLATORS: a section of the samples window: the digit and how many samples */
      heading = g_strdup_printf (ngettext ("%s · %u sample", "%s · %u samples", paths->len), name,
                                 paths->len);
      title = gtk_label_new (heading);
      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_add_css_class (title, "heading");
      flow = gtk_flow_box_new ();
      gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
      gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 12);
      gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 6);
      gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 6);
      gtk_widget_set_name (flow, name);
      for (guint i = 0; i < paths->len; i++, n++)
        gtk_flow_box_append (GTK_FLOW_BOX (flow), make_tile (self, g_ptr_array_index (paths, i)));
      gtk_box_append (self->sections, title);
      gtk_box_append (self->sections, flow);
    }
  set_shown (self, n);
}

int
dg_samples_window_get_n_shown (DgSamplesWindow *self)
{
  g_return_val_if_fail (DG_IS_SAMPLES_WINDOW (self), 0);
  return self->n_shown;
}

static void
flush_pending (DgSamplesWindow *self)
{
  while (self->pending && self->pending->len > 0)
    {
      g_autoptr(GtkWidget) tile = g_ptr_array_steal_index (self->pending, 0);
      trash_tile (self, tile);
    }
}

static gboolean
dg_samples_window_close_request (GtkWindow *window)
{
  flush_pending (DG_SAMPLES_WINDOW (window));
  return GTK_WINDOW_CLASS (dg_samples_window_parent_class)->close_request (window);
}

static void
dg_samples_window_dispose (GObject *object)
{
  DgSamplesWindow *self = DG_SAMPLES_WINDOW (object);

  flush_pending (self);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_SAMPLES_WINDOW);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dg_samples_window_parent_class)->dispose (object);
}

static void
dg_samples_window_class_init (DgSamplesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dg_samples_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = dg_samples_window_close_request;

  signals[SHOWN] = g_signal_new ("shown", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[DELETED] = g_signal_new ("deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[RESTORED] = g_signal_new ("restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[TRASHED] = g_signal_new ("trashed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-samples-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DgSamplesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DgSamplesWindow, sections);
  gtk_widget_class_bind_template_child (widget_class, DgSamplesWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, DgSamplesWindow, stack);
  gtk_widget_class_install_action (widget_class, "samples.undo", NULL, undo_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "samples.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dg_samples_window_init (DgSamplesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
}

DgSamplesWindow *
dg_samples_window_new (GtkWindow *parent, DgSettings *settings)
{
  DgSamplesWindow *self;

  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);
  self = g_object_new (DG_TYPE_SAMPLES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  load (self);
  return self;
}
