/* dg-window.c: the header bar's model selector and info popover around the
 * pages. The models themselves, and what the pages share, live in the DgContext;
 * the window follows it: the selector shows its model, a failed load becomes a
 * toast, and a failed default falls back to the next model found.
 */
#include "dg-config.h"
#include "dg-window-private.h"
#include "dg-evaluate-page.h"
#include "dg-inside-view.h"
#include "dg-job-runner.h"
#include "dg-model-actions.h"
#include "dg-prob-bars.h"
#include "dg-test-hooks.h"
#include "dg-train-page.h"

G_DEFINE_FINAL_TYPE (DgWindow, dg_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *props[N_PROPS];

/* ---- the info popover ---------------------------------------------------------- */

static void
add_info_cell (DgWindow *self, const char *text, int column, int row, gboolean numeric)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1.f : 0.f);
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (row == 0)
    gtk_widget_add_css_class (label, "heading");
  else if (column == 1)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_grid_attach (self->info_layers, label, column, row, 1, 1);
}

static char *
format_count (gsize n)
{
  /* grouped as the locale groups thousands: 203,626 in English, 203.626 in German */
  return g_strdup_printf ("%'" G_GSIZE_FORMAT, n);
}

static void
update_model_info (DgWindow *self)
{
  DgModel *model = dg_context_get_model (self->context);
  GtkWidget *child;
  g_autofree char *layers = NULL;
  g_autofree char *params = NULL;
  g_autofree char *summary = NULL;
  g_auto(GStrv) lines = NULL;
  const char *accuracy;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->info_layers))))
    gtk_grid_remove (self->info_layers, child);
  gtk_widget_set_sensitive (GTK_WIDGET (self->info_button), model != NULL);
  if (!model)
    return;

  gtk_label_set_text (self->info_title, dg_model_get_title (model));
  params = format_count (dg_model_get_n_params (model));
  accuracy = dg_model_get_test_accuracy (model);
  if (accuracy)
    {
      char *end = NULL;
      double a = g_ascii_strtod (accuracy, &end);
      g_autofree char *number = g_strdup_printf ("%.2f", a * 100.0);
      g_autofree char *acc = (end && *end == '\0' && a <= 1.0) ? dg_percent_text (number)
                                                              : g_strdup (accuracy);
      /* TRANSLATORS: model summary: layers, parameters, accuracy on the MNIST test set */
      summary = g_strdup_printf (_("%d layers · %s parameters · test accuracy %s"),
                                 dg_model_get_nn (model)->n_layers, params, acc);
    }
  else
    summary = g_strdup_printf (_("%d layers · %s parameters · no test accuracy stored"),
                               dg_model_get_nn (model)->n_layers, params);
  gtk_label_set_text (self->info_summary, summary);

  add_info_cell (self, _("Layer"), 0, 0, FALSE);
  add_info_cell (self, _("Type"), 1, 0, FALSE);
  add_info_cell (self, _("Output"), 2, 0, FALSE);
  add_info_cell (self, _("Parameters"), 3, 0, TRUE);
  layers = dg_model_describe_layers (model);
  lines = g_strsplit (layers, "\n", -1);
  for (int r = 0; lines[r]; r++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[r], "\t", 4);
      for (int c = 0; c < 4 && cells[c]; c++)
        add_info_cell (self, cells[c], c, r + 1, c >= 2);
    }
}

/* ---- models ---------------------------------------------------------------------- */

static void
select_position (DgWindow *self, int position)
{
  self->selecting++;
  gtk_drop_down_set_selected (self->model_dropdown,
                              position >= 0 ? (guint) position : GTK_INVALID_LIST_POSITION);
  self->selecting--;
}

static void
on_model_changed (DgWindow *self)
{
  DgModel *model = dg_context_get_model (self->context);
  DgModelList *models = dg_context_get_models (self->context);

  if (!self->model_stamped)
    dg_test_stamp ("model");
  self->model_stamped = TRUE;
  update_model_info (self);
  if (!model)
    return;
  if (dg_model_get_test_accuracy (model))
    g_hash_table_insert (self->accuracies, g_strdup (dg_model_get_path (model)),
                         g_strdup (dg_model_get_test_accuracy (model)));
  self->selecting++;
  select_position (self, dg_model_list_add (models, dg_model_get_path (model)));
  self->selecting--;
  dg_settings_set_last_model (dg_context_get_settings (self->context), dg_model_get_path (model));
}

static void
on_toast_dismissed (AdwToast *toast, DgWindow *self)
{
  GHashTableIter iter;
  gpointer value;

  if (!self->toasts)
    return;  /* the window is going */
  g_hash_table_iter_init (&iter, self->toasts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == toast)
      g_hash_table_iter_remove (&iter);
}

/* A toast replaces the one still showing about the same topic (or with the same
 * text): four failed opens leave one toast, not a queue of them that hides the
 * next news for half a minute. */
static void
on_toast (DgContext *context, const char *text, const char *details, DgWindow *self)
{
  const char *topic = dg_context_get_toast_topic (context);
  AdwToast *toast = adw_toast_new (text), *old;

  old = g_hash_table_lookup (self->toasts, topic ? topic : text);
  if (old)
    adw_toast_dismiss (old);
  g_hash_table_insert (self->toasts, g_strdup (topic ? topic : text), toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);

  adw_toast_set_timeout (toast, details ? 10 : 6);
  if (details)
    {
      /* TRANSLATORS: a toast's button; it shows the engine's full message */
      adw_toast_set_button_label (toast, _("Details"));
      adw_toast_set_action_name (toast, "win.show-error");
      adw_toast_set_action_target_value (toast, g_variant_new_string (details));
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_toast_action (DgContext *context, const char *text, const char *button_label,
                 const char *action_name, GVariant *target, DgWindow *self)
{
  AdwToast *toast = adw_toast_new (text), *old;

  /* keyed by its action, like on_toast's topics: a newer finished run replaces
   * the older one's toast */
  old = g_hash_table_lookup (self->toasts, action_name);
  if (old)
    adw_toast_dismiss (old);
  g_hash_table_insert (self->toasts, g_strdup (action_name), toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_toast_dismissed), self, 0);

  adw_toast_set_timeout (toast, 10);
  adw_toast_set_button_label (toast, button_label);
  adw_toast_set_action_name (toast, action_name);
  if (target)
    adw_toast_set_action_target_value (toast, target);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* A finished run's toast repeats the Train page's own "Use This Model" button;
 * once that page shows, the toast would only cover the page's buttons. */
static void
on_page_shown (DgWindow *self)
{
  AdwToast *toast;

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "train") != 0)
    return;
  toast = g_hash_table_lookup (self->toasts, "app.use-model");
  if (toast)
    adw_toast_dismiss (toast);
}

static void
on_load_failed (DgContext *context, const char *path, const char *message, DgWindow *self)
{
  DgModel *model = dg_context_get_model (context);
  DgModelList *models = dg_context_get_models (context);
  g_autofree char *base = g_path_get_basename (path);
  /* TRANSLATORS: a toast; the Details button shows the engine's full message */
  g_autofree char *text = g_strdup_printf (_("Could not open “%s”"), base);

  if (!self->model_stamped)
    dg_test_stamp ("model");
  self->model_stamped = TRUE;
  dg_context_toast (context, text, message);
  if (model)
    {
      /* the previous model stays, and so does its entry in the selector */
      select_position (self, dg_model_list_find (models, dg_model_get_path (model)));
    }
  else
    {
      /* no model yet (the default failed): fall back to the next one found */
      int failed = dg_model_list_find (models, path);
      guint n = g_list_model_get_n_items (G_LIST_MODEL (models));

      if (failed >= 0 && (guint) failed + 1 < n)
        {
          select_position (self, failed + 1);
          dg_context_open_model (context, dg_model_list_get_path (models, failed + 1));
        }
      else
        select_position (self, -1);
    }
}

void
dg_window_open_model (DgWindow *self, const char *path)
{
  g_return_if_fail (DG_IS_WINDOW (self));
  g_return_if_fail (path != NULL);
  dg_context_open_model (self->context, path);
}

void
dg_window_open_image (DgWindow *self, const char *path_or_uri)
{
  g_return_if_fail (DG_IS_WINDOW (self));
  g_return_if_fail (path_or_uri != NULL);
  adw_view_stack_set_visible_child_name (self->view_stack, "draw");
  gtk_widget_activate_action (GTK_WIDGET (self->draw_page), "draw.open-image", "s", path_or_uri);
}

static void
on_model_selected (GtkDropDown *dropdown, GParamSpec *pspec, DgWindow *self)
{
  guint position = gtk_drop_down_get_selected (dropdown);
  const char *path, *current = dg_context_get_model_path (self->context);

  if (self->selecting || position == GTK_INVALID_LIST_POSITION)
    return;
  path = dg_model_list_get_path (dg_context_get_models (self->context), position);
  if (!path || g_strcmp0 (path, current) == 0)
    return;
  dg_context_open_model (self->context, path);
}

static char *
model_title_closure (GtkStringObject *item)
{
  return dg_model_title_from_path (gtk_string_object_get_string (item));
}

/* The selector's button shows the model's name, shortened when the window is
 * narrow, so a long name does not make the whole window wider. */
static void
setup_title_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 6);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
bind_title_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkStringObject *path = gtk_list_item_get_item (item);
  g_autofree char *title = dg_model_title_from_path (gtk_string_object_get_string (path));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), title);
}

/* The list under the selector: each name with its folder and, once this window
 * has loaded it, its stored test accuracy, so that two models of the same name
 * can be told apart. */
static void
setup_model_row (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL), *subtitle = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_width_chars (GTK_LABEL (subtitle), 28);
  gtk_label_set_max_width_chars (GTK_LABEL (subtitle), 48);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_model_row (GtkSignalListItemFactory *factory, GtkListItem *item, DgWindow *self)
{
  const char *path = gtk_string_object_get_string (gtk_list_item_get_item (item));
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  g_autofree char *name = dg_model_title_from_path (path);
  g_autofree char *dir = g_path_get_dirname (path);
  const char *home = g_get_home_dir ();
  g_autofree char *shown_dir = g_str_has_prefix (dir, home) && dir[strlen (home)] == '/'
                                 ? g_strconcat ("~", dir + strlen (home), NULL)
                                 : g_strdup (dir);
  const char *accuracy = g_hash_table_lookup (self->accuracies, path);
  g_autofree char *text = NULL;

  if (!accuracy) /* a model not opened yet: what its file says */
    accuracy = dg_model_list_get_stored_accuracy (dg_context_get_models (self->context), path);

  if (accuracy)
    {
      g_autofree char *number = g_strdup_printf ("%.2f", g_ascii_strtod (accuracy, NULL) * 100.0);
      g_autofree char *percent = dg_percent_text (number);
      /* TRANSLATORS: under a model's name in the selector: its folder · its test accuracy */
      text = g_strdup_printf (_("%s · %s"), shown_dir, percent);
    }
  gtk_label_set_text (GTK_LABEL (title), name);
  gtk_label_set_text (GTK_LABEL (subtitle), text ? text : shown_dir);
}

static void
choose_first_model (DgWindow *self)
{
  DgModelList *models = dg_context_get_models (self->context);
  const char *last = dg_settings_get_last_model (dg_context_get_settings (self->context));
  int position = -1;

  if (last && *last && g_file_test (last, G_FILE_TEST_IS_REGULAR))
    {
      position = dg_model_list_find (models, last);
      if (position < 0)
        {
          self->selecting++;
          position = (int) dg_model_list_add (models, last);
          self->selecting--;
        }
    }
  if (position < 0)
    position = dg_model_list_default_position (models);
  update_model_info (self);
  if (position < 0)
    return; /* the Draw page says where models go */
  select_position (self, position);
  dg_context_open_model (self->context, dg_model_list_get_path (models, position));
}

/* ---- life cycle ------------------------------------------------------------------ */

/* Closing while a job runs asks first; stopping keeps the best checkpoint and
 * the job ends within one batch (it holds the application until then). */
static gboolean
close_after_dialog (gpointer data)
{
  gtk_window_close (GTK_WINDOW (data));
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
on_close_response (AdwMessageDialog *dialog, const char *response, DgWindow *self)
{
  if (g_strcmp0 (response, "stop") == 0)
    {
      dg_job_runner_cancel_all ();
      g_object_set_data (G_OBJECT (self), "close-confirmed", GINT_TO_POINTER (1));
      /* once the dialog has finished with its parent */
      g_idle_add (close_after_dialog, g_object_ref (self));
    }
}

static gboolean
dg_window_close_request (GtkWindow *window)
{
  GtkWidget *dialog;

  if (dg_job_runner_n_lasting () == 0 || g_object_get_data (G_OBJECT (window), "close-confirmed"))
    return GTK_WINDOW_CLASS (dg_window_parent_class)->close_request (window);
  dialog = adw_message_dialog_new (window, _("Stop the Running Job?"),
                                   _("A model is training or being evaluated. Stopping keeps the "
                                     "best checkpoint saved so far."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "keep", _("_Keep Running"),
                                    "stop", _("_Stop and Close"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_signal_connect (dialog, "response", G_CALLBACK (on_close_response), window);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

static void
dg_window_map (GtkWidget *widget)
{
  dg_test_stamp ("map");
  GTK_WIDGET_CLASS (dg_window_parent_class)->map (widget);
}

/* A page wider than the window scrolls sideways rather than hold every page of
 * the stack (which measures them all) and so the window at its width: the
 * window must fit half of a 1366-pixel screen, and a phone. */
static void
add_page (DgWindow *self, GtkWidget *page, const char *name, const char *title, const char *icon,
          gboolean scroll_wide)
{
  GtkWidget *child = page;
  AdwViewStackPage *p;

  if (scroll_wide)
    {
      child = gtk_scrolled_window_new ();
      gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (child), GTK_POLICY_AUTOMATIC,
                                      GTK_POLICY_NEVER);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (child), page);
    }
  p = adw_view_stack_add_titled (self->view_stack, child, name, title);
  adw_view_stack_page_set_icon_name (p, icon);
}

static void
bind_settings (DgWindow *self)
{
  GSettings *gsettings = dg_settings_get_gsettings (dg_context_get_settings (self->context));

  if (gsettings)
    {
      g_settings_bind (gsettings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (gsettings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (gsettings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
    }
}

static void
dg_window_constructed (GObject *object)
{
  DgWindow *self = DG_WINDOW (object);
  g_autoptr(GtkExpression) title = NULL;

  G_OBJECT_CLASS (dg_window_parent_class)->constructed (object);
  g_return_if_fail (DG_IS_CONTEXT (self->context));

  self->draw_page = DG_DRAW_PAGE (dg_draw_page_new (self->context));
  self->train_page = dg_train_page_new (self->context);
  self->evaluate_page = dg_evaluate_page_new (self->context);
  add_page (self, dg_inside_view_new_beside (self->context, self->draw_page), "draw", _("Draw"),
            "document-edit-symbolic", FALSE);
  add_page (self, self->train_page, "train", _("Train"), "system-run-symbolic", TRUE);
  add_page (self, self->evaluate_page, "evaluate", _("Evaluate"), "view-grid-symbolic", TRUE);
  /* the header bar's menu offers Save as Sample */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "draw",
                                  dg_draw_page_get_actions (self->draw_page));

  title = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                       G_CALLBACK (model_title_closure), NULL, NULL);
  gtk_drop_down_set_expression (self->model_dropdown, title);
  {
    g_autoptr(GtkListItemFactory) button = gtk_signal_list_item_factory_new ();
    g_signal_connect (button, "setup", G_CALLBACK (setup_title_item), NULL);
    g_signal_connect (button, "bind", G_CALLBACK (bind_title_item), NULL);
    gtk_drop_down_set_factory (self->model_dropdown, button);
  }
  {
    g_autoptr(GtkListItemFactory) rows = gtk_signal_list_item_factory_new ();
    g_signal_connect (rows, "setup", G_CALLBACK (setup_model_row), NULL);
    g_signal_connect (rows, "bind", G_CALLBACK (bind_model_row), self);
    gtk_drop_down_set_list_factory (self->model_dropdown, rows);
  }
  self->selecting++;
  gtk_drop_down_set_model (self->model_dropdown, G_LIST_MODEL (dg_context_get_models (self->context)));
  self->selecting--;
  g_signal_connect (self->model_dropdown, "notify::selected", G_CALLBACK (on_model_selected), self);
  g_signal_connect_swapped (self->view_stack, "notify::visible-child-name",
                            G_CALLBACK (on_page_shown), self);
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->context, "load-failed", G_CALLBACK (on_load_failed), self, 0);
  g_signal_connect_object (self->context, "toast", G_CALLBACK (on_toast), self, 0);
  g_signal_connect_object (self->context, "toast-action", G_CALLBACK (on_toast_action), self, 0);
  bind_settings (self);
  dg_model_actions_attach (self);
}

static void
dg_window_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, DG_WINDOW (object)->context); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_window_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: DG_WINDOW (object)->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_window_dispose (GObject *object)
{
  DgWindow *self = DG_WINDOW (object);

  g_clear_handle_id (&self->reveal_source, g_source_remove);
  g_clear_pointer (&self->toasts, g_hash_table_unref);
  g_clear_pointer (&self->accuracies, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_WINDOW);
  self->draw_page = NULL;
  self->train_page = self->evaluate_page = NULL;
  G_OBJECT_CLASS (dg_window_parent_class)->dispose (object);
  g_clear_object (&self->context);
}

/* ---- the bottom switcher ----------------------------------------------------------- */

static gboolean
reveal_switcher_bar (gpointer data)
{
  DgWindow *self = data;

  self->reveal_source = 0;
  gtk_revealer_set_reveal_child (self->switcher_bar,
                                 adw_view_switcher_title_get_title_visible (self->switcher_title));
  return G_SOURCE_REMOVE;
}

/* The title shows the window's name instead of the switcher when the header is too
 * narrow for it; the bar at the bottom takes over then. The title decides while the
 * header is being allocated, and a size change queued during an allocation is lost
 * (the bar stayed 0 px high in a window opened narrow), so the bar follows after it. */
static void
on_title_visible (DgWindow *self)
{
  if (self->reveal_source == 0)
    self->reveal_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, reveal_switcher_bar, self, NULL);
}

static void
dg_window_class_init (DgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dg_window_constructed;
  object_class->get_property = dg_window_get_property;
  object_class->set_property = dg_window_set_property;
  object_class->dispose = dg_window_dispose;
  widget_class->map = dg_window_map;
  GTK_WINDOW_CLASS (klass)->close_request = dg_window_close_request;

  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgWindow, name)
  BIND (toast_overlay);
  BIND (model_dropdown);
  BIND (info_button);
  BIND (info_title);
  BIND (info_summary);
  BIND (info_layers);
  BIND (view_stack);
  BIND (switcher_title);
  BIND (switcher_bar);
#undef BIND
  /* named for tests and tools (gtk_widget_get_template_child), not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "open_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "menu_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "header_bar", FALSE, 0);

  dg_window_install_actions (widget_class);
  dg_model_actions_install (widget_class);
}

static void
dg_window_init (DgWindow *self)
{
  dg_test_stamp ("window");
  /* topic -> the AdwToast showing about it (borrowed: the overlay owns it) */
  self->toasts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->accuracies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->switcher_title, "notify::title-visible",
                            G_CALLBACK (on_title_visible), self);
  dg_test_stamp ("template");
}

DgWindow *
dg_window_new (AdwApplication *app, DgSettings *settings)
{
  g_autoptr(DgContext) context = NULL;
  DgWindow *self;

  g_return_val_if_fail (ADW_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (DG_IS_SETTINGS (settings), NULL);

  context = dg_context_new (settings);
  self = g_object_new (DG_TYPE_WINDOW, "application", app, "context", context, NULL);
  choose_first_model (self);
  dg_test_stamp ("window-done");
  return self;
}

DgContext *
dg_window_get_context (DgWindow *self)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), NULL);
  return self->context;
}

GtkWidget *
dg_window_get_page (DgWindow *self, const char *name)
{
  g_return_val_if_fail (DG_IS_WINDOW (self), NULL);
  if (g_strcmp0 (name, "draw") == 0)
    return GTK_WIDGET (self->draw_page);
  if (g_strcmp0 (name, "train") == 0)
    return self->train_page;
  if (g_strcmp0 (name, "evaluate") == 0)
    return self->evaluate_page;
  return NULL;
}
