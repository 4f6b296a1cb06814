/* dg-evaluate-page.c: how good is the selected model, and where does it fail.
 *
 * Evaluation and the robustness sweep run in job-runner threads on their own
 * copy of the model, loaded from its file, so the Draw page keeps its model.
 * The confusion matrix is the plot library's heat map drawn into a
 * GtkDrawingArea, with the library's hit-testing for clicks; a click on an
 * off-diagonal cell opens a gallery of those images.
 */
#include "dg-config.h"
#include "dg-evaluate-page.h"
#include "dg-data-gate.h"
#include "dg-file-chooser.h"
#include "dg-job-runner.h"
#include "dg-model-list.h"
#include "dg-page-util.h"
#include "dg-plot.h"
#include "dg-reflow-box.h"
#include "nn-error.h"
#include "nn-eval.h"
#include "nn-folder.h"
#include "nn-keras.h"
#include "nn-model-file.h"
#include "nn-evaluate.h"
#include "plot-confusion.h"
#include "plot-robustness.h"

#include <adwaita.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _DgEvaluatePage {
  GtkWidget parent_instance;

  /* template */
  DgDataGate *data_gate;
  GtkWidget *stack_switcher;
  GtkLabel *status_label;
  GtkWidget *export_button;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  GtkWidget *cancel_button;
  GtkStack *eval_stack;
  GtkStack *confusion_stack;
  GtkWidget *confusion_empty;
  GtkDrawingArea *confusion_area;
  AdwComboRow *source_row;
  AdwActionRow *model_row;
  GtkWidget *evaluate_button;
  GtkLabel *accuracy_label;
  GtkGrid *scores_grid;
  DgPlot *robust_plot;
  AdwComboRow *compare_row;
  GtkSpinButton *robust_spin;
  GtkWidget *sweep_button;
  GtkLabel *robust_label;

  /* owned */
  DgContext *context;
  DgModelList *compare_models;
  NnEvalResult *result;
  NnDataset *dataset;          /* the evaluated images, for the gallery */
  char *result_title;          /* "mnist_cnn on the MNIST test set" */
  NnRobustnessResult *robust[PLOT_ROBUSTNESS_MAX_MODELS];
  char *robust_names[PLOT_ROBUSTNESS_MAX_MODELS];
  int n_robust;
  PlotLineChart *robust_chart;
  DgJob *job;
  int sel_row, sel_col;     /* the selected cell, the keyboard's cursor; -1 for none */
  gboolean clicking;        /* a click moves the focus to the matrix */
  gboolean disposed;
  gboolean built;          /* the template is built on the first visit */
  char *tab_status[2];     /* the status line of the Confusion Matrix and Robustness tabs */
};

G_DEFINE_FINAL_TYPE (DgEvaluatePage, dg_evaluate_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { EVALUATION_STARTED, PROGRESS, EVALUATED, SWEPT, FAILED, CELL_SELECTED, GALLERY_OPENED,
       IMAGE_OPENED, EXPORTED, N_SIGNALS };
static guint signals[N_SIGNALS];


static const PlotTheme *
current_theme (void)
{
  return adw_style_manager_get_dark (adw_style_manager_get_default ()) ? plot_theme_dark ()
                                                                        : plot_theme_light ();
}

/* ---- the confusion matrix ---------------------------------------------------------- */

static void
confusion_options (DgEvaluatePage *self, PlotConfusionOptions *opt)
{
  plot_confusion_options_init (opt);
  opt->subtitle = self->result_title;
  opt->highlight_row = self->sel_row;
  opt->highlight_col = self->sel_col;
  opt->theme = current_theme ();
}

static void
draw_confusion (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DgEvaluatePage *self = data;
  PlotConfusionOptions opt;
  NnConfusion empty;

  confusion_options (self, &opt);
  if (!self->result)
    {
      nn_confusion_clear (&empty);
      opt.subtitle = _("Evaluate a model to fill the matrix");
    }
  plot_confusion_draw (cr, width, height, self->result ? &self->result->confusion : &empty, &opt);
}

gboolean
dg_evaluate_page_get_cell_bounds (DgEvaluatePage *self, int row, int col, graphene_rect_t *out)
{
  PlotConfusionOptions opt;
  double x, y, w, h;

  g_return_val_if_fail (DG_IS_EVALUATE_PAGE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  if (!self->built)
    return FALSE;
  confusion_options (self, &opt);
  if (!plot_confusion_cell_rect (gtk_widget_get_width (GTK_WIDGET (self->confusion_area)),
                                 gtk_widget_get_height (GTK_WIDGET (self->confusion_area)), &opt,
                                 row, col, &x, &y, &w, &h))
    return FALSE;
  graphene_rect_init (out, x, y, w, h);
  return TRUE;
}

static GdkTexture *
digit_texture (const guint8 *pixels, int scale)
{
  int side = NN_IMAGE_SIDE * scale;
  guint8 *rgb = g_malloc ((gsize) side * side * 3);
  GBytes *bytes;
  GdkTexture *t;

  /* nearest-neighbour enlargement: the model's view, pixel for pixel */
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        guint8 v = pixels[(y / scale) * NN_IMAGE_SIDE + x / scale];
        guint8 *p = rgb + ((gsize) y * side + x) * 3;
        p[0] = p[1] = p[2] = v;
      }
  bytes = g_bytes_new_take (rgb, (gsize) side * side * 3);
  t = gdk_memory_texture_new (side, side, GDK_MEMORY_R8G8B8, bytes, (gsize) side * 3);
  g_bytes_unref (bytes);
  return t;
}

/* Puts an evaluated image on the Draw page, which reads it as a drawing: the
 * same preprocessing, prediction and Grad-CAM as the user's own. */
static void
on_gallery_item_clicked (GtkButton *button, DgEvaluatePage *self)
{
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "image-index"));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkRoot *gallery = gtk_widget_get_root (GTK_WIDGET (button));
  const guint8 *img;

  if (!self->dataset || index < 0 || index >= self->dataset->n)
    return;
  img = self->dataset->images + (gsize) index * NN_IMAGE_PIXELS;
  gtk_widget_activate_action_variant (GTK_WIDGET (self), "win.draw-image",
                                      g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, img,
                                                                 NN_IMAGE_PIXELS, 1));
  if (GTK_IS_WINDOW (gallery) && gallery != root)
    gtk_window_close (GTK_WINDOW (gallery));
  g_signal_emit (self, signals[IMAGE_OPENED], 0, index);
}

static void
open_gallery (DgEvaluatePage *self, int row, int col)
{
  int n = 0;
  g_autofree NnMisclassified *items = nn_eval_result_misclassified (self->result, row, col, &n);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *win, *box, *header, *scroller, *flow, *title;
  /* TRANSLATORS: gallery title: true label 4 read as 9 */
  g_autofree char *heading = g_strdup_printf (_("%d Read as %d"), row, col);
  g_autofree char *sub = g_strdup_printf (ngettext ("%'d image", "%'d images", n), n);
  int shown = MIN (n, 300);

  win = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (win), heading);
  gtk_window_set_default_size (GTK_WINDOW (win), 720, 520);
  if (GTK_IS_WINDOW (root))
    {
      gtk_window_set_transient_for (GTK_WINDOW (win), GTK_WINDOW (root));
      gtk_window_set_modal (GTK_WINDOW (win), TRUE);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (win), TRUE);
    }
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  title = adw_window_title_new (heading, sub);
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), title);
  gtk_box_append (GTK_BOX (box), header);

  flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 12);
  gtk_widget_set_margin_start (flow, 18);
  gtk_widget_set_margin_end (flow, 18);
  gtk_widget_set_margin_top (flow, 18);
  gtk_widget_set_margin_bottom (flow, 18);
  gtk_widget_set_valign (flow, GTK_ALIGN_START);
  for (int i = 0; i < shown; i++)
    {
      const NnMisclassified *m = &items[i];
      g_autoptr(GdkTexture) tex = digit_texture (self->dataset->images + (gsize) m->index * NN_IMAGE_PIXELS, 3);
      GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
      GtkWidget *pic = gtk_picture_new_for_paintable (GDK_PAINTABLE (tex));
      g_autofree char *text = g_strdup_printf ("%d → %d · %.0f %%", m->label, m->pred, m->confidence * 100.0);
      g_autofree char *tip = self->dataset->paths && self->dataset->paths[m->index]
                               ? g_strdup (self->dataset->paths[m->index])
                               : g_strdup_printf (_("Test image %d"), m->index);
      GtkWidget *label = gtk_label_new (text);
      g_autofree char *a11y = g_strdup_printf (_("digit %d read as %d with %.0f percent confidence"),
                                               m->label, m->pred, m->confidence * 100.0);

      gtk_picture_set_can_shrink (GTK_PICTURE (pic), FALSE);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_add_css_class (label, "numeric");
      GtkWidget *button = gtk_button_new ();
      g_autofree char *tooltip = g_strdup_printf (_("%s\nOpen on the Draw page to see where the model looked"), tip);

      gtk_box_append (GTK_BOX (cell), pic);
      gtk_box_append (GTK_BOX (cell), label);
      gtk_button_set_child (GTK_BUTTON (button), cell);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
      g_object_set_data (G_OBJECT (button), "image-index", GINT_TO_POINTER (m->index));
      g_signal_connect (button, "clicked", G_CALLBACK (on_gallery_item_clicked), self);
      gtk_flow_box_append (GTK_FLOW_BOX (flow), button);
    }
  scroller = gtk_scrolled_window_new ();
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), flow);
  gtk_box_append (GTK_BOX (box), scroller);
  adw_window_set_content (ADW_WINDOW (win), box);
  {
    GtkEventController *keys = gtk_shortcut_controller_new ();
    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (win, keys);
  }
  gtk_window_present (GTK_WINDOW (win));
  g_signal_emit (self, signals[GALLERY_OPENED], 0, row, col, n, shown, win);
}

/* The selected cell is also the keyboard's cursor: it is framed, named to
 * assistive technologies, and reported as "cell-selected". */
static void
select_cell (DgEvaluatePage *self, int row, int col)
{
  const NnConfusion *cm = &self->result->confusion;
  g_autofree char *name = NULL;

  self->sel_row = CLAMP (row, 0, NN_EVAL_CLASSES - 1);
  self->sel_col = CLAMP (col, 0, NN_EVAL_CLASSES - 1);
  /* TRANSLATORS: a confusion-matrix cell as a screen reader says it */
  name = g_strdup_printf (ngettext ("%d read as %d: %u image", "%d read as %d: %u images",
                                    cm->counts[self->sel_row][self->sel_col]),
                          self->sel_row, self->sel_col, cm->counts[self->sel_row][self->sel_col]);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->confusion_area),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, name, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self->confusion_area));
  g_signal_emit (self, signals[CELL_SELECTED], 0, self->sel_row, self->sel_col);
}

static void
open_selected (DgEvaluatePage *self)
{
  int row = self->sel_row, col = self->sel_col;

  if (row >= 0 && col >= 0 && row != col && self->result->confusion.counts[row][col] > 0)
    open_gallery (self, row, col);
}

static void
on_confusion_pressed (GtkGestureClick *gesture, int n_press, double x, double y, DgEvaluatePage *self)
{
  PlotConfusionOptions opt;
  int row, col;

  if (!self->result)
    return;
  confusion_options (self, &opt);
  if (!plot_confusion_cell_at (gtk_widget_get_width (GTK_WIDGET (self->confusion_area)),
                               gtk_widget_get_height (GTK_WIDGET (self->confusion_area)), &opt, x, y,
                               &row, &col))
    return;
  /* the cursor goes where the click was, not first to the cell chosen before */
  self->clicking = TRUE;
  gtk_widget_grab_focus (GTK_WIDGET (self->confusion_area));
  self->clicking = FALSE;
  select_cell (self, row, col);
  open_selected (self);
}

/* Tab reaches the matrix; the arrow keys move among its cells, Home and End go
 * to the ends of a row, and Enter or Space opens a confusion's images. */
static gboolean
on_confusion_key (GtkEventControllerKey *keys, guint keyval, guint keycode, GdkModifierType state,
                  DgEvaluatePage *self)
{
  int row = MAX (self->sel_row, 0), col = MAX (self->sel_col, 0);

  if (!self->result || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left: case GDK_KEY_KP_Left: col--; break;
    case GDK_KEY_Right: case GDK_KEY_KP_Right: col++; break;
    case GDK_KEY_Up: case GDK_KEY_KP_Up: row--; break;
    case GDK_KEY_Down: case GDK_KEY_KP_Down: row++; break;
    case GDK_KEY_Home: case GDK_KEY_KP_Home: col = 0; break;
    case GDK_KEY_End: case GDK_KEY_KP_End: col = NN_EVAL_CLASSES - 1; break;
    case GDK_KEY_Return: case GDK_KEY_KP_Enter: case GDK_KEY_space: case GDK_KEY_KP_Space:
      open_selected (self);
      return TRUE;
    default:
      return FALSE;
    }
  select_cell (self, row, col);
  return TRUE;
}

/* Reached with Tab, the cursor shows at once: on the cell chosen before, or the first. */
static void
on_confusion_focus (GtkEventControllerFocus *focus, DgEvaluatePage *self)
{
  if (self->result && !self->clicking)
    select_cell (self, MAX (self->sel_row, 0), MAX (self->sel_col, 0));
}

static void
add_score_cell (DgEvaluatePage *self, const char *text, int col, int row, gboolean heading)
{
  GtkWidget *label = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (label), col == 0 ? 0.f : 1.f);
  gtk_widget_add_css_class (label, heading ? "heading" : "numeric");
  gtk_grid_attach (self->scores_grid, label, col, row, 1, 1);
}

static void
show_scores (DgEvaluatePage *self)
{
  NnClassScores s[NN_EVAL_CLASSES];
  GtkWidget *child;
  const NnConfusion *cm = &self->result->confusion;
  g_autofree char *acc = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->scores_grid))))
    gtk_grid_remove (self->scores_grid, child);
  nn_confusion_scores (cm, s);
  /* TRANSLATORS: column heads of the per-class table: digit, precision, recall, F1, images */
  add_score_cell (self, _("Digit"), 0, 0, TRUE);
  add_score_cell (self, _("Precision"), 1, 0, TRUE);
  add_score_cell (self, _("Recall"), 2, 0, TRUE);
  add_score_cell (self, _("F1"), 3, 0, TRUE);
  add_score_cell (self, _("Images"), 4, 0, TRUE);
  for (int c = 0; c < NN_EVAL_CLASSES; c++)
    {
      char buf[32];
      g_snprintf (buf, sizeof buf, "%d", c);
      add_score_cell (self, buf, 0, c + 1, FALSE);
      /* TRANSLATORS: a precision or recall in the per-class table, "97.5%"; write the
       * percent as your language does, e.g. "%.1f %%" */
      g_snprintf (buf, sizeof buf, _("%.1f%%"), s[c].precision * 100.0);
      add_score_cell (self, buf, 1, c + 1, FALSE);
      g_snprintf (buf, sizeof buf, _("%.1f%%"), s[c].recall * 100.0);
      add_score_cell (self, buf, 2, c + 1, FALSE);
      g_snprintf (buf, sizeof buf, "%.3f", s[c].f1);
      add_score_cell (self, buf, 3, c + 1, FALSE);
      g_snprintf (buf, sizeof buf, "%'d", s[c].support);
      add_score_cell (self, buf, 4, c + 1, FALSE);
    }
  /* TRANSLATORS: overall accuracy, correct of total, macro F1 */
  acc = g_markup_printf_escaped (_("<span size=\"xx-large\" weight=\"bold\">%.2f%%</span>\n"
                                   "accuracy · %'lld of %'lld right · macro F1 %.3f"),
                                 nn_confusion_accuracy (cm) * 100.0, (long long) nn_confusion_correct (cm),
                                 (long long) nn_confusion_total (cm), nn_confusion_macro_f1 (cm));
  gtk_label_set_markup (self->accuracy_label, acc);
}

/* ---- jobs -------------------------------------------------------------------------------- */

static void
set_busy (DgEvaluatePage *self, gboolean busy, const char *text)
{
  gtk_widget_set_visible (self->progress_box, busy);
  gtk_widget_set_sensitive (self->evaluate_button, !busy);
  gtk_widget_set_sensitive (self->sweep_button, !busy);
  gtk_widget_set_sensitive (self->export_button, !busy && (self->result || self->n_robust));
  if (busy)
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, text);
    }
}

typedef struct {
  DgEvaluatePage *page;       /* a reference */
  DgJob *job;
  char *model_paths[PLOT_ROBUSTNESS_MAX_MODELS];
  int n_models;
  char *folder;               /* NULL: the MNIST test set */
  char *mnist_dir;            /* NULL: nn_mnist_load's default */
  int limit;                  /* sweep: first N images */
  gboolean sweep;
  gint64 last_post;
  gint64 offset, total;       /* sweep progress over several models */
  NnDataset *ds;
  NnFolderReport report;      /* a folder's: the files left out and why */
  NnEvalResult *result;
  NnRobustnessResult *robust[PLOT_ROBUSTNESS_MAX_MODELS];
} EvalJob;

typedef struct {
  EvalJob *ej;
  double fraction;
  gint64 done, total;
} EvalProgress;

static void
eval_job_free (gpointer data)
{
  EvalJob *ej = data;
  for (int i = 0; i < PLOT_ROBUSTNESS_MAX_MODELS; i++)
    {
      g_free (ej->model_paths[i]);
      g_clear_pointer (&ej->robust[i], nn_robustness_result_free);
    }
  g_free (ej->folder);
  g_free (ej->mnist_dir);
  nn_folder_report_clear (&ej->report);
  g_clear_pointer (&ej->ds, nn_dataset_free);
  g_clear_pointer (&ej->result, nn_eval_result_free);
  g_object_unref (ej->page);
  g_free (ej);
}

static gboolean
on_eval_progress (gpointer data)
{
  EvalProgress *p = data;
  DgEvaluatePage *self = p->ej->page;
  g_autofree char *text = NULL;

  if (self->disposed)
    return G_SOURCE_REMOVE;
  /* TRANSLATORS: evaluation progress, images done of total */
  text = g_strdup_printf (_("%lld of %lld images"), (long long) p->done, (long long) p->total);
  gtk_progress_bar_set_fraction (self->progress_bar, p->fraction);
  gtk_progress_bar_set_text (self->progress_bar, text);
  g_signal_emit (self, signals[PROGRESS], 0, p->done, p->total);
  return G_SOURCE_REMOVE;
}

static void
eval_progress_cb (gint64 done, gint64 total, gpointer user_data)
{
  EvalJob *ej = user_data;
  gint64 now = g_get_monotonic_time ();
  EvalProgress *p;

  /* about 20 updates a second are plenty for a progress bar */
  if (done < total && now - ej->last_post < 50000)
    return;
  ej->last_post = now;
  p = g_new (EvalProgress, 1);
  p->ej = ej;
  p->done = ej->offset + done;
  p->total = ej->total ? ej->total : total;
  p->fraction = p->total > 0 ? (double) p->done / p->total : 0;
  dg_job_post (ej->job, on_eval_progress, p, g_free);
}

static NnModel *
load_for_job (const char *path, GError **error)
{
  NnModel *m = nn_model_file_load (path, FALSE, NULL, error);
  if (m)
    nn_model_set_threads (m, MAX (1, (int) g_get_num_processors () - 1));
  return m;
}

static gboolean
eval_worker (DgJob *job, gpointer data, GError **error)
{
  EvalJob *ej = data;
  g_autoptr(NnModel) m = NULL;

  ej->job = job;
  m = load_for_job (ej->model_paths[0], error);
  if (!m)
    return FALSE;
  ej->ds = ej->folder ? nn_folder_load (ej->folder, FALSE, &ej->report, error)
                      : nn_mnist_load (ej->mnist_dir, NN_MNIST_TEST, error);
  if (!ej->ds)
    return FALSE;
  return nn_evaluate (m, ej->ds, eval_progress_cb, ej, dg_job_get_cancellable (job),
                      &ej->result, error);
}

static gboolean
sweep_worker (DgJob *job, gpointer data, GError **error)
{
  EvalJob *ej = data;
  g_autoptr(NnDataset) test = NULL;
  int n_pert = 0;

  ej->job = job;
  test = nn_mnist_load (ej->mnist_dir, NN_MNIST_TEST, error);
  if (!test)
    return FALSE;
  ej->ds = nn_dataset_slice (test, 0, MIN (ej->limit, test->n));
  nn_perturbation_standard_set (&n_pert);
  ej->total = (gint64) n_pert * ej->ds->n * ej->n_models;
  for (int i = 0; i < ej->n_models; i++)
    {
      g_autoptr(NnModel) m = load_for_job (ej->model_paths[i], error);
      if (!m)
        return FALSE;
      ej->offset = (gint64) i * n_pert * ej->ds->n;
      if (!nn_robustness_sweep (m, ej->ds, NULL, 0, NN_ROBUSTNESS_SEED, eval_progress_cb,
                                ej, dg_job_get_cancellable (job), &ej->robust[i], error))
        return FALSE;
    }
  return TRUE;
}

/* The status line, on a line of its own, takes no room while it has nothing to say. */
static void
show_status (DgEvaluatePage *self, const char *text)
{
  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text && *text);
}

/* The status line speaks of the tab that shows: tab 0 the confusion matrix, 1 the
 * robustness sweep. */
static void
set_tab_status (DgEvaluatePage *self, int tab, const char *text)
{
  g_free (self->tab_status[tab]);
  self->tab_status[tab] = g_strdup (text);
  if ((g_strcmp0 (gtk_stack_get_visible_child_name (self->eval_stack), "robustness") == 0) == (tab == 1))
    show_status (self, text ? text : "");
}

static void
on_tab_changed (DgEvaluatePage *self)
{
  int tab = g_strcmp0 (gtk_stack_get_visible_child_name (self->eval_stack), "robustness") == 0;
  show_status (self, self->tab_status[tab] ? self->tab_status[tab] : "");
}

/* "mnist_cnn on my_digits · 1 file skipped: notes.txt (not a PNG or JPEG image)" */
static char *
folder_status (DgEvaluatePage *self, EvalJob *ej)
{
  guint n = ej->report.skipped ? ej->report.skipped->len : 0;
  GString *s = g_string_new (self->result_title);

  if (n == 0)
    return g_string_free (s, FALSE);
  g_string_append (s, " · ");
  /* TRANSLATORS: after "mnist_cnn on my_digits · ", then the files and why */
  g_string_append_printf (s, ngettext ("%u file skipped:", "%u files skipped:", n), n);
  for (guint i = 0; i < n && i < 3; i++)
    {
      NnSkippedFile *f = g_ptr_array_index (ej->report.skipped, i);
      g_autofree char *base = g_path_get_basename (f->path);
      /* TRANSLATORS: a skipped file and why: "notes.txt (not a PNG or JPEG image)" */
      g_string_append_printf (s, _(" %s (%s)"), base, f->reason);
      if (i + 1 < MIN (n, 3))
        g_string_append (s, ",");
    }
  if (n > 3)
    g_string_append (s, " …");
  return g_string_free (s, FALSE);
}

static void
on_eval_done (DgJob *job, const GError *error, gpointer data)
{
  EvalJob *ej = data;
  DgEvaluatePage *self = ej->page;

  g_clear_pointer (&self->job, dg_job_unref);
  if (self->disposed)
    return;
  if (error)
    {
      /* TRANSLATORS: %s is the engine's message */
      g_autofree char *msg = g_error_matches (error, NN_ERROR, NN_ERROR_CANCELLED)
                               ? g_strdup (_("Stopped"))
                               : g_strdup_printf (_("Could not finish: %s"), error->message);
      set_tab_status (self, ej->sweep ? 1 : 0, msg);
      set_busy (self, FALSE, NULL);
      g_signal_emit (self, signals[FAILED], 0, error);
      return;
    }
  if (!ej->sweep)
    {
      g_clear_pointer (&self->result, nn_eval_result_free);
      g_clear_pointer (&self->dataset, nn_dataset_free);
      self->result = g_steal_pointer (&ej->result);
      self->dataset = g_steal_pointer (&ej->ds);
      self->sel_row = self->sel_col = -1;
      show_scores (self);
      gtk_stack_set_visible_child_name (self->confusion_stack, "matrix");
      gtk_widget_queue_draw (GTK_WIDGET (self->confusion_area));
      if (ej->folder)
        {
          g_autofree char *status = folder_status (self, ej);
          /* the images row names the folder these results are from */
          adw_action_row_set_subtitle (ADW_ACTION_ROW (self->source_row), ej->folder);
          set_tab_status (self, 0, status);
        }
      else
        {
          adw_action_row_set_subtitle (ADW_ACTION_ROW (self->source_row), NULL);
          set_tab_status (self, 0, self->result_title);
        }
      set_busy (self, FALSE, NULL);
      g_signal_emit (self, signals[EVALUATED], 0, self->result);
    }
  else
    {
      const NnRobustnessResult *rs[PLOT_ROBUSTNESS_MAX_MODELS];
      const char *names[PLOT_ROBUSTNESS_MAX_MODELS];
      g_autofree char *sub = NULL;
      GString *text = g_string_new (NULL);

      dg_plot_set_chart (self->robust_plot, NULL, NULL, 0);
      g_clear_pointer (&self->robust_chart, plot_line_chart_free);
      for (int i = 0; i < PLOT_ROBUSTNESS_MAX_MODELS; i++)
        {
          g_clear_pointer (&self->robust[i], nn_robustness_result_free);
          g_clear_pointer (&self->robust_names[i], g_free);
        }
      self->n_robust = ej->n_models;
      for (int i = 0; i < ej->n_models; i++)
        {
          const NnRobustnessRow *worst;
          self->robust[i] = g_steal_pointer (&ej->robust[i]);
          self->robust_names[i] = dg_model_title_from_path (ej->model_paths[i]);
          rs[i] = self->robust[i];
          names[i] = self->robust_names[i];
          worst = nn_robustness_result_worst (rs[i]);
          if (worst)
            {
              g_autofree char *what = nn_perturbation_describe (&worst->perturbation);
              g_autofree char *line = g_markup_printf_escaped (_("<b>%s</b>: clean %.2f%%, worst %.2f%% (%s)\n"),
                                                               names[i], rs[i]->rows[0].accuracy * 100.0,
                                                               worst->accuracy * 100.0, what);
              g_string_append (text, line);
            }
        }
      {
        /* what each level on the chart's axis is, in the legend's words */
        g_autofree char *levels = plot_robustness_describe_levels (rs[0]);
        g_autofree char *part = g_markup_printf_escaped ("\n<b>%s</b>\n%s", _("Severity levels"), levels);
        g_string_append (text, part);
      }
      /* TRANSLATORS: robustness chart subtitle */
      sub = g_strdup_printf (ngettext ("first %d test image", "first %d test images", ej->ds->n), ej->ds->n);
      self->robust_chart = plot_robustness_chart_new (rs, names, ej->n_models, sub);
      dg_plot_set_chart (self->robust_plot, self->robust_chart, NULL, 0);
      dg_plot_set_readout_format (self->robust_plot, TRUE, FALSE);
      gtk_label_set_markup (self->robust_label, text->str);
      gtk_widget_set_visible (GTK_WIDGET (self->robust_label), TRUE);
      g_string_free (text, TRUE);
      set_tab_status (self, 1, _("Robustness sweep finished"));
      set_busy (self, FALSE, NULL);
      g_signal_emit (self, signals[SWEPT], 0, ej->n_models, rs[0]);
    }
}

static const char *
selected_model_path (DgEvaluatePage *self)
{
  return dg_context_get_model_path (self->context);
}

static void
start_job (DgEvaluatePage *self, EvalJob *ej, const char *busy_text)
{
  set_busy (self, TRUE, busy_text);
  ej->mnist_dir = g_strdup (dg_context_get_data_dir (self->context));
  self->job = dg_job_start (DG_JOB_EVALUATION, ej->sweep ? "robustness" : "evaluate",
                            ej->sweep ? sweep_worker : eval_worker, on_eval_done, ej, eval_job_free);
}

static void
start_evaluation (DgEvaluatePage *self, const char *folder)
{
  const char *path = selected_model_path (self);
  EvalJob *ej;
  g_autofree char *title = NULL;

  if (!path || self->job)
    {
      show_status (self, _("Choose a model in the header bar first."));
      return;
    }
  ej = g_new0 (EvalJob, 1);
  ej->page = g_object_ref (self);
  ej->model_paths[0] = g_strdup (path);
  ej->n_models = 1;
  ej->folder = g_strdup (folder);
  title = dg_model_title_from_path (path);
  g_free (self->result_title);
  if (folder)
    {
      g_autofree char *base = g_path_get_basename (folder);
      /* TRANSLATORS: "mnist_cnn on my_digits" */
      self->result_title = g_strdup_printf (_("%s on %s"), title, base);
    }
  else
    self->result_title = g_strdup_printf (_("%s on the MNIST test set"), title);
  start_job (self, ej, _("Loading…"));
  g_signal_emit (self, signals[EVALUATION_STARTED], 0, path, folder);
}

static void
on_eval_folder_chosen (gpointer object, const char *path)
{
  DgEvaluatePage *self = object;

  if (!self->disposed)
    start_evaluation (self, path);
}

static void
on_evaluate_clicked (GtkButton *button, DgEvaluatePage *self)
{
  {
    const char *model = selected_model_path (self);
    g_autofree char *t = model ? dg_model_title_from_path (model) : NULL;
    if (t)
      adw_action_row_set_subtitle (self->model_row, t);
  }
  if (adw_combo_row_get_selected (self->source_row) == 0)
    {
      start_evaluation (self, NULL);
      return;
    }
  dg_file_chooser_run (dg_file_chooser_new (GTK_WIDGET (self), _("Choose a Folder to Evaluate"),
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Select"), NULL),
                       on_eval_folder_chosen, self);
}

static void
on_sweep_clicked (GtkButton *button, DgEvaluatePage *self)
{
  const char *path = selected_model_path (self);
  guint cmp = adw_combo_row_get_selected (self->compare_row);
  EvalJob *ej;

  if (!path || self->job)
    {
      show_status (self, _("Choose a model in the header bar first."));
      return;
    }
  ej = g_new0 (EvalJob, 1);
  ej->page = g_object_ref (self);
  ej->sweep = TRUE;
  ej->limit = gtk_spin_button_get_value_as_int (self->robust_spin);
  ej->model_paths[0] = g_strdup (path);
  ej->n_models = 1;
  if (cmp != GTK_INVALID_LIST_POSITION && cmp > 0)
    {
      GtkStringObject *o = g_list_model_get_item (adw_combo_row_get_model (self->compare_row), cmp);
      ej->model_paths[1] = g_strdup (gtk_string_object_get_string (o));
      ej->n_models = 2;
      g_object_unref (o);
    }
  start_job (self, ej, _("Running the sweep…"));
}

static void
on_cancel_clicked (GtkButton *button, DgEvaluatePage *self)
{
  if (self->job)
    dg_job_cancel (self->job);
}

/* ---- export, off the GUI thread ------------------------------------------------------------ */

/* What an export writes: copies, so that a new run may replace the page's results
 * while the thread renders and writes the files. */
typedef struct {
  char *dir;
  NnEvalResult *result; /* or NULL */
  char *result_title;
  NnRobustnessResult *robust[PLOT_ROBUSTNESS_MAX_MODELS];
  char *robust_names[PLOT_ROBUSTNESS_MAX_MODELS];
  int n_robust;
  int n_files; /* the files the export writes */
} Export;

static void
export_free (gpointer data)
{
  Export *e = data;

  g_free (e->dir);
  g_clear_pointer (&e->result, nn_eval_result_free);
  g_free (e->result_title);
  for (int i = 0; i < PLOT_ROBUSTNESS_MAX_MODELS; i++)
    {
      g_clear_pointer (&e->robust[i], nn_robustness_result_free);
      g_free (e->robust_names[i]);
    }
  g_free (e);
}

static Export *
export_new (DgEvaluatePage *self, const char *dir)
{
  Export *e = g_new0 (Export, 1);

  e->dir = g_strdup (dir);
  if (self->result)
    {
      e->result = nn_eval_result_new (self->result->n, self->result->labels, self->result->probs);
      e->result_title = g_strdup (self->result_title);
      e->n_files += 3;
    }
  e->n_robust = self->n_robust;
  for (int i = 0; i < self->n_robust; i++)
    {
      e->robust[i] = nn_robustness_result_copy (self->robust[i]);
      e->robust_names[i] = g_strdup (self->robust_names[i]);
    }
  if (self->n_robust > 0)
    e->n_files += self->n_robust > 1 ? 3 : 2;
  return e;
}

static gboolean
write_text (const char *dir, const char *name, const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_set_contents (path, text, -1, error);
}

static gboolean
export_write (const Export *e, GError **error)
{
  if (e->result)
    {
      PlotConfusionOptions opt;
      g_autofree char *png = g_build_filename (e->dir, "confusion.png", NULL);
      g_autofree char *pred = g_build_filename (e->dir, "predictions.csv", NULL);
      g_autofree char *csv = nn_confusion_to_csv (&e->result->confusion);

      plot_confusion_options_init (&opt);
      opt.subtitle = e->result_title;
      if (!plot_confusion_write_png (&e->result->confusion, &opt, 0, 0, png, error)
          || !write_text (e->dir, "confusion.csv", csv, error)
          || !nn_eval_result_write_csv (e->result, pred, error))
        return FALSE;
    }
  if (e->n_robust > 0)
    {
      const NnRobustnessResult *rs[PLOT_ROBUSTNESS_MAX_MODELS] = { e->robust[0], e->robust[1] };
      const char *names[PLOT_ROBUSTNESS_MAX_MODELS] = { e->robust_names[0], e->robust_names[1] };
      g_autofree char *png = g_build_filename (e->dir, "robustness.png", NULL);
      g_autofree char *csv = nn_robustness_result_to_csv (e->robust[0]);

      if (!plot_robustness_write_png (rs, names, e->n_robust, NULL, 0, 0, png, error)
          || !write_text (e->dir, "robustness.csv", csv, error))
        return FALSE;
      if (e->n_robust > 1)
        {
          g_autofree char *csv2 = nn_robustness_result_to_csv (e->robust[1]);
          if (!write_text (e->dir, "robustness-compared.csv", csv2, error))
            return FALSE;
        }
    }
  return TRUE;
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (export_write (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DgEvaluatePage *self = DG_EVALUATE_PAGE (source);
  const Export *e = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_autofree char *msg = NULL;

  if (self->disposed)
    return;
  /* TRANSLATORS: a toast after exporting */
  msg = ok ? g_strdup_printf (ngettext ("Exported %d file", "Exported %d files", e->n_files),
                              e->n_files)
           : g_strdup_printf (_("Export failed: %s"), error->message);
  dg_context_toast (self->context, msg, NULL);
  g_signal_emit (self, signals[EXPORTED], 0, ok, e->n_files, e->dir);
}

static void
on_export_chosen (gpointer object, const char *path)
{
  DgEvaluatePage *self = object;
  g_autoptr(GTask) task = NULL;

  if (self->disposed)
    return;
  task = g_task_new (self, NULL, on_export_done, NULL);
  g_task_set_source_tag (task, on_export_chosen);
  g_task_set_task_data (task, export_new (self, path), export_free);
  g_task_run_in_thread (task, export_thread);
}

static void
on_export_clicked (GtkButton *button, DgEvaluatePage *self)
{
  dg_file_chooser_run (dg_file_chooser_new (GTK_WIDGET (self), _("Export to a Folder"),
                                            GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Export"), NULL),
                       on_export_chosen, self);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

static char *
compare_title_closure (GtkStringObject *item)
{
  const char *path = gtk_string_object_get_string (item);
  return *path ? dg_model_title_from_path (path) : g_strdup (_("None"));
}

static gboolean
same_file (const char *a, const char *b)
{
  g_autofree char *ra = realpath (a, NULL);
  g_autofree char *rb = realpath (b, NULL);
  return g_strcmp0 (a, b) == 0 || (ra && rb && strcmp (ra, rb) == 0);
}

static void
refresh_compare_models (DgEvaluatePage *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);
  g_autoptr(DgModelList) models = dg_model_list_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (models));
  const char *model = dg_context_get_model_path (self->context);
  g_autofree char *title = model ? dg_model_title_from_path (model) : NULL;

  gtk_string_list_append (list, "");
  for (guint i = 0; i < n; i++)
    if (!model || !same_file (dg_model_list_get_path (models, i), model))  /* not itself */
      gtk_string_list_append (list, dg_model_list_get_path (models, i));
  adw_combo_row_set_model (self->compare_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->compare_row, 0);
  g_object_unref (list);
  adw_action_row_set_subtitle (self->model_row, title ? title : _("No model selected"));
}

static void build (DgEvaluatePage *self);

static void
on_model_changed (DgEvaluatePage *self)
{
  if (!self->job && !self->disposed)
    refresh_compare_models (self);
}

static void
dg_evaluate_page_map (GtkWidget *widget)
{
  DgEvaluatePage *self = DG_EVALUATE_PAGE (widget);

  /* before chaining up, so that the new children are mapped with the page */
  build (self);
  GTK_WIDGET_CLASS (dg_evaluate_page_parent_class)->map (widget);
  if (!self->job)
    refresh_compare_models (self);
}

static void
dg_evaluate_page_dispose (GObject *object)
{
  DgEvaluatePage *self = DG_EVALUATE_PAGE (object);

  self->disposed = TRUE;
  if (self->job)
    dg_job_cancel (self->job);
  if (self->robust_plot)
    dg_plot_set_chart (self->robust_plot, NULL, NULL, 0);
  if (self->built)
    gtk_widget_dispose_template (GTK_WIDGET (self), DG_TYPE_EVALUATE_PAGE);
  {
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  G_OBJECT_CLASS (dg_evaluate_page_parent_class)->dispose (object);
}

static void
dg_evaluate_page_finalize (GObject *object)
{
  DgEvaluatePage *self = DG_EVALUATE_PAGE (object);

  g_clear_pointer (&self->job, dg_job_unref);
  g_clear_pointer (&self->result, nn_eval_result_free);
  g_clear_pointer (&self->dataset, nn_dataset_free);
  g_clear_pointer (&self->robust_chart, plot_line_chart_free);
  for (int i = 0; i < PLOT_ROBUSTNESS_MAX_MODELS; i++)
    {
      g_clear_pointer (&self->robust[i], nn_robustness_result_free);
      g_free (self->robust_names[i]);
    }
  g_free (self->result_title);
  g_free (self->tab_status[0]);
  g_free (self->tab_status[1]);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (dg_evaluate_page_parent_class)->finalize (object);
}

static void
dg_evaluate_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: g_value_set_object (value, DG_EVALUATE_PAGE (object)->context); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_evaluate_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  switch (id)
    {
    case PROP_CONTEXT: DG_EVALUATE_PAGE (object)->context = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_evaluate_page_class_init (DgEvaluatePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_evaluate_page_get_property;
  object_class->set_property = dg_evaluate_page_set_property;
  props[PROP_CONTEXT] = g_param_spec_object ("context", NULL, NULL, DG_TYPE_CONTEXT,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                                             | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* what the page does, for whoever watches it (the test probe, tools) */
  signals[EVALUATION_STARTED] = g_signal_new ("evaluation-started", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                              2, G_TYPE_STRING, G_TYPE_STRING);
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[EVALUATED] = g_signal_new ("evaluated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1,
                                     G_TYPE_POINTER /* const NnEvalResult * */);
  signals[SWEPT] = g_signal_new ("swept", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT,
                                 G_TYPE_POINTER /* the first model's NnRobustnessResult */);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[CELL_SELECTED] = g_signal_new ("cell-selected", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                         G_TYPE_INT, G_TYPE_INT);
  signals[GALLERY_OPENED] = g_signal_new ("gallery-opened", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                                          G_TYPE_INT, G_TYPE_INT, G_TYPE_INT, G_TYPE_INT,
                                          GTK_TYPE_WINDOW);
  signals[IMAGE_OPENED] = g_signal_new ("image-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[EXPORTED] = g_signal_new ("exported", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_BOOLEAN, G_TYPE_INT,
                                    G_TYPE_STRING);

  object_class->dispose = dg_evaluate_page_dispose;
  object_class->finalize = dg_evaluate_page_finalize;
  widget_class->map = dg_evaluate_page_map;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (DG_TYPE_PLOT);
  g_type_ensure (DG_TYPE_DATA_GATE);
  g_type_ensure (DG_TYPE_REFLOW_BOX);
  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-evaluate-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, DgEvaluatePage, name)
  BIND (data_gate);
  BIND (stack_switcher);
  BIND (status_label);
  BIND (export_button);
  BIND (progress_box);
  BIND (progress_bar);
  BIND (cancel_button);
  BIND (eval_stack);
  BIND (confusion_stack);
  BIND (confusion_empty);
  BIND (confusion_area);
  BIND (source_row);
  BIND (model_row);
  BIND (evaluate_button);
  BIND (accuracy_label);
  BIND (scores_grid);
  BIND (robust_plot);
  BIND (compare_row);
  BIND (robust_spin);
  BIND (sweep_button);
  BIND (robust_label);
#undef BIND
}

/* Built when first shown, not with the window (start-up time, see the Train page). */
static void
build (DgEvaluatePage *self)
{
  g_autoptr(GtkExpression) title = NULL;
  GtkGesture *click;

  if (self->built || self->disposed)
    return;
  self->built = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->eval_stack, "notify::visible-child-name", G_CALLBACK (on_tab_changed), self);
  /* "Compare with" never offers the model being evaluated */
  g_signal_connect_object (self->context, "notify::model", G_CALLBACK (on_model_changed), self,
                           G_CONNECT_SWAPPED);
  dg_data_gate_set_context (self->data_gate, self->context);
  gtk_drawing_area_set_draw_func (self->confusion_area, draw_confusion, self, NULL);
  gtk_widget_set_overflow (GTK_WIDGET (self->confusion_area), GTK_OVERFLOW_HIDDEN);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_confusion_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->confusion_area), GTK_EVENT_CONTROLLER (click));
  {
    GtkEventController *keys = gtk_event_controller_key_new ();
    GtkEventController *focus = gtk_event_controller_focus_new ();

    gtk_widget_set_focusable (GTK_WIDGET (self->confusion_area), TRUE);
    g_signal_connect (keys, "key-pressed", G_CALLBACK (on_confusion_key), self);
    g_signal_connect (focus, "enter", G_CALLBACK (on_confusion_focus), self);
    gtk_widget_add_controller (GTK_WIDGET (self->confusion_area), keys);
    gtk_widget_add_controller (GTK_WIDGET (self->confusion_area), focus);
  }

  title = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                       G_CALLBACK (compare_title_closure), NULL, NULL);
  adw_combo_row_set_expression (self->compare_row, title);

  g_signal_connect (self->evaluate_button, "clicked", G_CALLBACK (on_evaluate_clicked), self);
  g_signal_connect (self->sweep_button, "clicked", G_CALLBACK (on_sweep_clicked), self);
  g_signal_connect (self->cancel_button, "clicked", G_CALLBACK (on_cancel_clicked), self);
  g_signal_connect (self->export_button, "clicked", G_CALLBACK (on_export_clicked), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self->confusion_area, G_CONNECT_SWAPPED);
  {
    /* an empty chart keeps the place of the sweep's */
    PlotLineChart *c = plot_line_chart_new ();
    plot_line_chart_set_title (c, _("Robustness"), _("Run the sweep to fill the chart"));
    plot_line_chart_set_axis_labels (c, _("severity level"), _("accuracy"));
    plot_line_chart_set_y_format (c, PLOT_FORMAT_PERCENT);
    plot_line_chart_set_y_range (c, 0, 1);
    {
      /* the sweep's levels, as its chart will show them */
      static const double levels[] = { 0, 1, 2, 3, 4 };
      const char *names[] = { _("clean"), "1", "2", "3", "4" };
      plot_line_chart_set_x_ticks (c, levels, names, G_N_ELEMENTS (levels));
      plot_line_chart_set_x_range (c, -0.25, 4.25);
    }
    self->robust_chart = c;
    dg_plot_set_chart (self->robust_plot, c, NULL, 0);
  }
}

static void
dg_evaluate_page_init (DgEvaluatePage *self)
{
  self->sel_row = self->sel_col = -1;
}

GtkWidget *
dg_evaluate_page_new (DgContext *context)
{
  g_return_val_if_fail (DG_IS_CONTEXT (context), NULL);
  return g_object_new (DG_TYPE_EVALUATE_PAGE, "context", context, NULL);
}
