/* dg-model-export.c: win.export-model (dg-model-export.h). The model is read again
 * from its file and written by the core (nn_model_file_save: .onnx or .keras by the
 * name, to a temporary file renamed into place) in a GTask's thread, so the window
 * never waits and never shares the model it predicts with. */
#include "dg-config.h"
#include "dg-model-export.h"
#include "dg-context.h"
#include "dg-file-chooser.h"
#include "dg-model.h"
#include "dg-page-util.h"
#include "dg-window.h"
#include "nn-model-file.h"

typedef struct {
  char *from;
  char *to;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_free (job->from);
  g_free (job->to);
  g_free (job);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportJob *job = data;
  GError *error = NULL;
  g_autoptr(NnKerasInfo) info = NULL;
  g_autoptr(NnModel) model = nn_model_file_load (job->from, FALSE, &info, &error);
  /* a .keras file keeps what only Keras needs of the file it came from */
  NnKerasSaveOptions options = { .info = info };

  if (model && nn_model_file_save (model, job->to, &options, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DgContext *context = dg_window_get_context (DG_WINDOW (source));
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_filename_display_basename (job->to);

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* TRANSLATORS: a toast: "Exported mnist_cnn.onnx" */
      g_autofree char *text = g_strdup_printf (_("Exported %s"), name);
      dg_context_toast_about (context, "export-model", text, NULL);
    }
  else
    {
      /* TRANSLATORS: a toast: "Could not export mnist_cnn.onnx" (the error in Details) */
      g_autofree char *text = g_strdup_printf (_("Could not export %s"), name);
      dg_context_toast_about (context, "export-model", text, error->message);
    }
}

static void
on_export_chosen (gpointer object, const char *path)
{
  DgModel *model = dg_context_get_model (dg_window_get_context (DG_WINDOW (object)));
  ExportJob *job;
  g_autoptr(GTask) task = NULL;

  if (!model)
    return;
  job = g_new0 (ExportJob, 1);
  job->from = g_strdup (dg_model_get_path (model));
  /* a name without .onnx or .keras becomes ONNX, the format the menu item offers */
  job->to = nn_model_file_is_model (path) ? g_strdup (path) : g_strconcat (path, ".onnx", NULL);
  task = g_task_new (object, NULL, export_done, NULL);
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

static void
export_model_activated (GtkWidget *widget, const char *name, GVariant *param)
{
  DgContext *context = dg_window_get_context (DG_WINDOW (widget));
  DgModel *model = dg_context_get_model (context);
  g_autofree char *models = dg_page_models_dir ();
  g_autofree char *file = NULL;
  GtkFileChooserNative *chooser;

  if (!model)
    {
      dg_context_toast_about (context, "export-model", _("Open a model to export first"), NULL);
      return;
    }
  chooser = dg_file_chooser_new (widget, _("Export Model"), GTK_FILE_CHOOSER_ACTION_SAVE,
                                 _("_Export"), g_file_test (models, G_FILE_TEST_IS_DIR) ? models : NULL);
  dg_file_chooser_add_filter (chooser, _("ONNX Models"), "*.onnx");
  dg_file_chooser_add_filter (chooser, _("Keras Models"), "*.keras");
  file = g_strconcat (dg_model_get_title (model), ".onnx", NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), file);
  dg_file_chooser_run (chooser, on_export_chosen, widget);
}

void
dg_model_export_install_action (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-model", NULL, export_model_activated);
}
