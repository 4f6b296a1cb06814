/* dg-prediction-view.c: the reading of one digit, in a card and pictures.
 *
 * The card says how sure the model is in how it looks: a confident digit is
 * large and in the accent colour; below DG_UNSURE_BELOW it is dimmed and outlined
 * and says "Only 39% sure"; when the not-a-digit rule refuses the drawing it
 * says so, with the best guess small. */
#include "dg-config.h"
#include "dg-prediction-view.h"
#include "dg-image-view.h"
#include "dg-prob-bars.h"

#include <math.h>

struct _DgPredictionView {
  GtkWidget parent_instance;

  /* template */
  GtkStack *stack;
  GtkWidget *prediction_card;
  GtkLabel *digit_label;
  GtkLabel *confidence_label;
  GtkLabel *top3_label;
  DgProbBars *prob_bars;
  DgImageView *input_view;
  DgImageView *heat_view;
  DgImageView *overlay_view;
  GtkWidget *heat_box;
  GtkLabel *heat_caption;  /* the method that made the map */
  GtkWidget *overlay_box;
  GtkLabel *cam_note;

  gboolean show_gradcam;
  gboolean has_heat;
  int digit;
  float confidence;
  NnVerdict verdict;
};

G_DEFINE_FINAL_TYPE (DgPredictionView, dg_prediction_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SHOW_GRADCAM, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
update_gradcam_visibility (DgPredictionView *self)
{
  gtk_widget_set_visible (self->heat_box, self->show_gradcam && self->has_heat);
  gtk_widget_set_visible (self->overlay_box, self->show_gradcam && self->has_heat);
}

void
dg_prediction_view_show_prompt (DgPredictionView *self)
{
  g_return_if_fail (DG_IS_PREDICTION_VIEW (self));
  self->digit = -1;
  gtk_stack_set_visible_child_name (self->stack, "prompt");
}

static char *
format_percent (float p)
{
  return dg_format_probability (p);
}

void
dg_prediction_view_show_result (DgPredictionView *self, const float *probs, const float *input,
                                const float *heat, const char *cam_note)
{
  int order[10];
  char digit[2] = { 0, 0 };
  g_autofree char *confidence = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *top3 = NULL;
  g_autofree char *next = NULL;
  g_autofree char *then = NULL;

  g_return_if_fail (DG_IS_PREDICTION_VIEW (self));
  g_return_if_fail (probs != NULL && input != NULL);

  /* a stable ranking: the ten digits by falling probability */
  for (int i = 0; i < 10; i++)
    order[i] = i;
  for (int i = 1; i < 10; i++)
    for (int j = i; j > 0 && probs[order[j]] > probs[order[j - 1]]; j--)
      {
        int t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }

  self->digit = order[0];
  self->confidence = probs[order[0]];
  self->verdict = NN_VERDICT_DIGIT;
  digit[0] = (char) ('0' + order[0]);
  gtk_label_set_text (self->digit_label, digit);
  p1 = format_percent (probs[order[0]]);
  if (probs[order[0]] < DG_UNSURE_BELOW)
    /* TRANSLATORS: the confidence of an unsure prediction, e.g. "Only 39 % sure" */
    confidence = g_strdup_printf (_("Only %s sure"), p1);
  else
    /* TRANSLATORS: the confidence of the prediction, e.g. "93 % sure" */
    confidence = g_strdup_printf (_("%s sure"), p1);
  gtk_widget_remove_css_class (self->prediction_card, "not-a-digit");
  if (probs[order[0]] < DG_UNSURE_BELOW)
    gtk_widget_add_css_class (self->prediction_card, "unsure");
  else
    gtk_widget_remove_css_class (self->prediction_card, "unsure");
  gtk_label_set_text (self->confidence_label, confidence);
  g_clear_pointer (&p1, g_free);
  p1 = format_percent (probs[order[1]]);
  p2 = format_percent (probs[order[2]]);
  /* TRANSLATORS: the runners-up, one per line: "Next: 1 at 4 %" and "Then: 9 at 1 %" */
  top3 = g_strdup_printf ("%s\n%s", next = g_strdup_printf (_("Next: %d at %s"), order[1], p1),
                          then = g_strdup_printf (_("Then: %d at %s"), order[2], p2));
  gtk_label_set_text (self->top3_label, top3);

  dg_prob_bars_set_probs (self->prob_bars, probs);
  dg_image_view_set_image (self->input_view, input, NULL);
  self->has_heat = heat != NULL;
  dg_image_view_set_image (self->heat_view, input, heat);
  dg_image_view_set_image (self->overlay_view, input, heat);
  update_gradcam_visibility (self);
  if (cam_note)
    gtk_label_set_text (self->cam_note, cam_note);
  gtk_widget_set_visible (GTK_WIDGET (self->cam_note), cam_note != NULL && self->show_gradcam);

  gtk_stack_set_visible_child_name (self->stack, "result");
}

void
dg_prediction_view_set_verdict (DgPredictionView *self, NnVerdict verdict)
{
  g_autofree char *p = NULL;
  g_autofree char *guess = NULL;

  g_return_if_fail (DG_IS_PREDICTION_VIEW (self));
  if (self->digit < 0 || verdict == self->verdict)
    return;
  self->verdict = verdict;
  if (verdict != NN_VERDICT_NOT_A_DIGIT)
    return;
  gtk_widget_remove_css_class (self->prediction_card, "unsure");
  gtk_widget_add_css_class (self->prediction_card, "not-a-digit");
  gtk_label_set_text (self->confidence_label, _("That doesn’t look like a digit"));
  p = format_percent (self->confidence);
  /* TRANSLATORS: under "That doesn't look like a digit": "Best guess: 4 at 87 %" */
  guess = g_strdup_printf (_("Best guess: %d at %s"), self->digit, p);
  gtk_label_set_text (self->top3_label, guess);
}

NnVerdict
dg_prediction_view_get_verdict (DgPredictionView *self)
{
  g_return_val_if_fail (DG_IS_PREDICTION_VIEW (self), NN_VERDICT_BLANK);
  return self->digit < 0 ? NN_VERDICT_BLANK : self->verdict;
}

int
dg_prediction_view_get_digit (DgPredictionView *self)
{
  g_return_val_if_fail (DG_IS_PREDICTION_VIEW (self), -1);
  return self->digit;
}

gboolean
dg_prediction_view_get_show_gradcam (DgPredictionView *self)
{
  g_return_val_if_fail (DG_IS_PREDICTION_VIEW (self), FALSE);
  return self->show_gradcam;
}

void
dg_prediction_view_set_show_gradcam (DgPredictionView *self, gboolean show)
{
  g_return_if_fail (DG_IS_PREDICTION_VIEW (self));
  show = !!show;
  if (self->show_gradcam == show)
    return;
  self->show_gradcam = show;
  update_gradcam_visibility (self);
  if (!show)
    gtk_widget_set_visible (GTK_WIDGET (self->cam_note), FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_GRADCAM]);
}

static void
dg_prediction_view_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  if (prop_id == PROP_SHOW_GRADCAM)
    g_value_set_boolean (value, DG_PREDICTION_VIEW (object)->show_gradcam);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
dg_prediction_view_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  if (prop_id == PROP_SHOW_GRADCAM)
    dg_prediction_view_set_show_gradcam (DG_PREDICTION_VIEW (object), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
dg_prediction_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DG_TYPE_PREDICTION_VIEW);
  G_OBJECT_CLASS (dg_prediction_view_parent_class)->dispose (object);
}

static void
dg_prediction_view_class_init (DgPredictionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dg_prediction_view_get_property;
  object_class->set_property = dg_prediction_view_set_property;
  object_class->dispose = dg_prediction_view_dispose;

  properties[PROP_SHOW_GRADCAM] =
    g_param_spec_boolean ("show-gradcam", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DG_TYPE_PROB_BARS);
  g_type_ensure (DG_TYPE_IMAGE_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, DG_RESOURCE_PATH "/dg-prediction-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, stack);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, prediction_card);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, digit_label);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, confidence_label);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, top3_label);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, prob_bars);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, input_view);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, heat_view);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, heat_caption);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, overlay_view);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, heat_box);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, overlay_box);
  gtk_widget_class_bind_template_child (widget_class, DgPredictionView, cam_note);
  gtk_widget_class_set_css_name (widget_class, "dg-prediction-view");
}

static void
dg_prediction_view_init (DgPredictionView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->show_gradcam = TRUE;
  self->digit = -1;
  dg_prediction_view_show_prompt (self);
}

GtkWidget *
dg_prediction_view_new (void)
{
  return g_object_new (DG_TYPE_PREDICTION_VIEW, NULL);
}

void
dg_prediction_view_set_heat_caption (DgPredictionView *self, const char *caption)
{
  g_return_if_fail (DG_IS_PREDICTION_VIEW (self));
  gtk_label_set_label (self->heat_caption, caption);
  dg_image_view_set_method (self->heat_view, caption);
  dg_image_view_set_method (self->overlay_view, caption);
}
