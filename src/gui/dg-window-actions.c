/* dg-window-actions.c: the window's actions, each with its shortcut next to it.
 * The pages reach the window only through these (and the application's). */
#include "dg-config.h"
#include "dg-window-private.h"
#include "dg-file-chooser.h"
#include "dg-model-export.h"
#include "dg-page-util.h"

static void
on_model_chosen (gpointer object, const char *path)
{
  dg_window_open_model (DG_WINDOW (object), path);
}

static void
open_model_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  /* where the app keeps the models it trains */
  g_autofree char *models = dg_page_models_dir ();
  GtkFileChooserNative *chooser = dg_file_chooser_new (widget, _("Open Model"),
                                                       GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                                       g_file_test (models, G_FILE_TEST_IS_DIR)
                                                         ? models : NULL);
  GtkFileFilter *models_filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (models_filter, _("Keras and ONNX Models"));
  gtk_file_filter_add_pattern (models_filter, "*.keras");
  gtk_file_filter_add_pattern (models_filter, "*.onnx");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), models_filter);
  g_object_unref (models_filter);
  dg_file_chooser_add_filter (chooser, _("All Files"), "*");
  dg_file_chooser_run (chooser, on_model_chosen, widget);
}

static void
on_image_chosen (gpointer object, const char *path)
{
  dg_window_open_image (DG_WINDOW (object), path);
}

/* win.open-image: the file chooser for a PNG or JPEG to read */
static void
open_image_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  GtkFileChooserNative *chooser = dg_file_chooser_new (widget, _("Open Image"),
                                                       GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL);
  GtkFileFilter *images = gtk_file_filter_new ();

  gtk_file_filter_set_name (images, _("PNG and JPEG Images"));
  gtk_file_filter_add_mime_type (images, "image/png");
  gtk_file_filter_add_mime_type (images, "image/jpeg");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), images);
  g_object_unref (images);
  dg_file_chooser_add_filter (chooser, _("All Files"), "*");
  dg_file_chooser_run (chooser, on_image_chosen, widget);
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

/* win.previous-page, win.next-page: the pages in turn, round */
static void
step_page_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgWindow *self = DG_WINDOW (widget);
  g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (self->view_stack);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (pages)), current = 0;
  int step = g_str_equal (name, "win.next-page") ? 1 : -1;
  g_autoptr(AdwViewStackPage) page = NULL;

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    if (gtk_selection_model_is_selected (pages, i))
      current = i;
  page = g_list_model_get_item (G_LIST_MODEL (pages), (current + n + step) % n);
  adw_view_stack_set_visible_child (self->view_stack, adw_view_stack_page_get_child (page));
}

/* win.draw-image(ay): a 28 x 28 image (white ink on black) becomes the drawing's
 * raster layer, and the Draw page shows it with the model's reading */
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

  dg_model_export_install_action (widget_class);
  gtk_widget_class_install_action (widget_class, "win.show-error", "s", show_error_activated);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "draw");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "train");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s",
                                       "evaluate");
  gtk_widget_class_install_action (widget_class, "win.previous-page", NULL, step_page_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK,
                                       "win.previous-page", NULL);
  gtk_widget_class_install_action (widget_class, "win.next-page", NULL, step_page_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK,
                                       "win.next-page", NULL);
  gtk_widget_class_install_action (widget_class, "win.draw-image", "ay", draw_image_activated);
  gtk_widget_class_install_action (widget_class, "win.open-image", NULL, open_image_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.open-image", NULL);
}
