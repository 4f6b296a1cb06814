/* dg-model-actions.c: renaming and deleting the current model (see
 * dg-model-actions.h). */
#include "dg-config.h"
#include "dg-model-actions.h"
#include "dg-model-files.h"

#include <adwaita.h>

/* Every toast about a model file replaces the one before: the window keys the
 * Undo toast by its action, so the others use that as their topic. */
#define TOPIC "win.restore-model"

static DgContext *
context_of (GtkWidget *widget)
{
  return dg_window_get_context (DG_WINDOW (widget));
}

/* After a file moved: the list forgets the old path and, when it was the model in
 * use, the new one is opened in its place. */
static void
model_moved (DgContext *context, const char *from, const char *to)
{
  gboolean current = g_strcmp0 (dg_context_get_model_path (context), from) == 0;
  DgModelList *models = dg_context_get_models (context);

  dg_model_list_remove (models, from);
  if (to)
    dg_context_add_model (context, to);
  if (current && to)
    dg_context_open_model (context, to);
  else if (current && g_list_model_get_n_items (G_LIST_MODEL (models)) > 0)
    {
      int pos = dg_model_list_default_position (models);
      dg_context_open_model (context, dg_model_list_get_path (models, MAX (pos, 0)));
    }
}

static void update_enabled (DgWindow *window);

/* ---- rename ---------------------------------------------------------------------- */

typedef struct {
  DgContext *context;
  char *path;
  GtkEntry *entry;
  GtkLabel *problem;
} Rename;

static void
rename_free (gpointer data)
{
  Rename *r = data;
  g_object_unref (r->context);
  g_free (r->path);
  g_free (r);
}

/* The name as it is typed: Rename is offered only for a name that can be used. */
static void
on_rename_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  Rename *r = g_object_get_data (G_OBJECT (dialog), "rename");
  g_autofree char *clean = dg_model_name_clean (gtk_editable_get_text (entry));
  g_autofree char *problem = dg_model_name_problem (clean);
  g_autofree char *old = dg_model_title_from_path (r->path);

  if (!problem && g_strcmp0 (clean, old) != 0)
    {
      g_autofree char *dir = g_path_get_dirname (r->path);
      g_autofree char *base = g_strconcat (clean, ".keras", NULL);
      g_autofree char *target = g_build_filename (dir, base, NULL);
      if (g_file_test (target, G_FILE_TEST_EXISTS))
        /* TRANSLATORS: the rename dialog, when another model has the name typed */
        problem = g_strdup_printf (_("There is already a model called “%s”."), clean);
    }
  gtk_label_set_text (r->problem, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (r->problem), problem != NULL);
  if (problem)
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  adw_message_dialog_set_response_enabled (dialog, "rename",
                                           !problem && g_strcmp0 (clean, old) != 0);
}

static void
on_rename_response (AdwMessageDialog *dialog, const char *response, gpointer data)
{
  Rename *r = g_object_get_data (G_OBJECT (dialog), "rename");
  g_autoptr(GError) error = NULL;
  g_autofree char *to = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (response, "rename") != 0)
    return;
  to = dg_model_file_rename (r->path, gtk_editable_get_text (GTK_EDITABLE (r->entry)), &error);
  if (!to)
    {
      /* TRANSLATORS: a toast; %s is the system's reason */
      text = g_strdup_printf (_("Could not rename the model: %s"), error->message);
      dg_context_toast_about (r->context, TOPIC, text, NULL);
      return;
    }
  model_moved (r->context, r->path, to);
  {
    g_autofree char *title = dg_model_title_from_path (to);
    /* TRANSLATORS: a toast after renaming a model */
    text = g_strdup_printf (_("Renamed to “%s”"), title);
  }
  dg_context_toast_about (r->context, TOPIC, text, NULL);
}

static void
rename_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgContext *context = context_of (widget);
  const char *path = dg_context_get_model_path (context);
  g_autofree char *title = path ? dg_model_title_from_path (path) : NULL;
  GtkWidget *dialog, *box, *entry, *problem;
  Rename *r;

  if (!path || !dg_model_file_is_users (path))
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (widget), _("Rename Model"), NULL);
  gtk_window_set_title (GTK_WINDOW (dialog), _("Rename Model"));
  /* TRANSLATORS: the rename dialog's text; %s is the model's name */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), _("A new name for “%s”:"), title);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), title);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Model name"), -1);
  problem = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (problem), TRUE);
  gtk_label_set_xalign (GTK_LABEL (problem), 0);
  gtk_widget_add_css_class (problem, "error");
  gtk_widget_set_visible (problem, FALSE);
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), problem);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  r = g_new0 (Rename, 1);
  r->context = g_object_ref (context);
  r->path = g_strdup (path);
  r->entry = GTK_ENTRY (entry);
  r->problem = GTK_LABEL (problem);
  g_object_set_data_full (G_OBJECT (dialog), "rename", r, rename_free);
  g_signal_connect (entry, "changed", G_CALLBACK (on_rename_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_rename_response), NULL);
  on_rename_changed (GTK_EDITABLE (entry), ADW_MESSAGE_DIALOG (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* ---- delete and undo ---------------------------------------------------------------- */

static void
delete_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgContext *context = context_of (widget);
  g_autofree char *path = g_strdup (dg_context_get_model_path (context));
  g_autofree char *title = path ? dg_model_title_from_path (path) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!path || !dg_model_file_is_users (path))
    return;
  if (!dg_model_file_trash (path, &error))
    {
      /* TRANSLATORS: a toast; %s is the system's reason */
      text = g_strdup_printf (_("Could not move the model to the trash: %s"), error->message);
      dg_context_toast_about (context, TOPIC, text, NULL);
      return;
    }
  model_moved (context, path, NULL);
  /* the last model stays loaded with its file in the trash: nothing more to do to it */
  update_enabled (DG_WINDOW (widget));
  /* TRANSLATORS: a toast with an Undo button */
  text = g_strdup_printf (_("“%s” moved to the trash"), title);
  dg_context_toast_action (context, text, _("_Undo"), "win.restore-model",
                           g_variant_new_string (path));
}

static void
restore_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgContext *context = context_of (widget);
  const char *path = g_variant_get_string (param, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *title = dg_model_title_from_path (path);
  g_autofree char *text = NULL;

  if (!dg_model_file_restore (path, &error))
    {
      /* TRANSLATORS: a toast; %s is the reason */
      text = g_strdup_printf (_("Could not restore the model: %s"), error->message);
      dg_context_toast_about (context, TOPIC, text, NULL);
      return;
    }
  dg_context_add_model (context, path);
  dg_context_open_model (context, path);
  update_enabled (DG_WINDOW (widget));
  /* TRANSLATORS: a toast after Undo put a deleted model back */
  text = g_strdup_printf (_("“%s” is back"), title);
  dg_context_toast_about (context, TOPIC, text, NULL);
}

/* ---- enabled with the user's own models ---------------------------------------------- */

static void
update_enabled (DgWindow *window)
{
  const char *path = dg_context_get_model_path (dg_window_get_context (window));
  gboolean own = path && dg_model_file_is_users (path) && g_file_test (path, G_FILE_TEST_IS_REGULAR);

  gtk_widget_action_set_enabled (GTK_WIDGET (window), "win.rename-model", own);
  gtk_widget_action_set_enabled (GTK_WIDGET (window), "win.delete-model", own);
}

void
dg_model_actions_attach (DgWindow *window)
{
  g_return_if_fail (DG_IS_WINDOW (window));
  g_signal_connect_object (dg_window_get_context (window), "notify::model",
                           G_CALLBACK (update_enabled), window, G_CONNECT_SWAPPED);
  update_enabled (window);
}

void
dg_model_actions_install (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.rename-model", NULL, rename_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-model", NULL);
  gtk_widget_class_install_action (widget_class, "win.delete-model", NULL, delete_activated);
  gtk_widget_class_install_action (widget_class, "win.restore-model", "s", restore_activated);
}
