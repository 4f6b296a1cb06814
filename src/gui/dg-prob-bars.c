/* dg-prob-bars.c: a GtkProgressBar per digit, in a grid. */
#include "dg-config.h"
#include "dg-prob-bars.h"

#include <math.h>

struct _DgProbBars {
  GtkWidget parent_instance;

  GtkWidget *grid;
  GtkWidget *rows[10];    /* the accessible element of each digit: its bar */
  GtkWidget *digits[10];
  GtkWidget *bars[10];
  GtkWidget *percents[10];
  float probs[10];
};

G_DEFINE_FINAL_TYPE (DgProbBars, dg_prob_bars, GTK_TYPE_WIDGET)

static char *
row_label (int digit, float p)
{
  /* TRANSLATORS: the accessible name of a probability bar: digit, then percent */
  return g_strdup_printf (_("digit %d, %d percent"), digit, (int) lroundf (p * 100.f));
}

char *
dg_prob_bars_dup_row_label (DgProbBars *self, int digit)
{
  g_return_val_if_fail (DG_IS_PROB_BARS (self), NULL);
  g_return_val_if_fail (digit >= 0 && digit < 10, NULL);
  return row_label (digit, self->probs[digit]);
}

char *
dg_percent_text (const char *number)
{
  /* TRANSLATORS: a percentage; %s is the number. Write it as your language does,
   * with a no-break space (U+00A0 or U+202F) if there is a space, so that the sign
   * never wraps onto a line of its own */
  return g_strdup_printf (_("%s%%"), number);
}

char *
dg_format_probability (float p)
{
  g_autofree char *number = NULL;
  g_autofree char *percent = NULL;

  if (p >= 0.0995f)
    number = g_strdup_printf ("%d", (int) lroundf (p * 100.f));
  else if (p >= 0.001f)
    number = g_strdup_printf ("%.1f", p * 100.f);
  else
    {
      percent = dg_percent_text (number = g_strdup_printf ("%.1f", 0.1));
      /* TRANSLATORS: less than a small percentage, such as "< 0.1%"; the space is a
       * no-break space */
      return g_strdup_printf (_("< %s"), percent);
    }
  return dg_percent_text (number);
}

void
dg_prob_bars_set_probs (DgProbBars *self, const float *probs)
{
  int best = -1;

  g_return_if_fail (DG_IS_PROB_BARS (self));

  for (int d = 0; d < 10; d++)
    {
      self->probs[d] = probs ? CLAMP (probs[d], 0.f, 1.f) : 0.f;
      if (probs && (best < 0 || self->probs[d] > self->probs[best]))
        best = d;
    }

  for (int d = 0; d < 10; d++)
    {
      g_autofree char *percent = NULL;
      g_autofree char *label = row_label (d, self->probs[d]);
      float p = self->probs[d];

      if (!probs)
        percent = g_strdup ("");
      else if (p == 0.f)
        percent = dg_percent_text ("0");
      else
        percent = dg_format_probability (p);
      gtk_label_set_text (GTK_LABEL (self->percents[d]), percent);
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->bars[d]), p);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->bars[d]),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      if (d == best)
        {
          gtk_widget_add_css_class (self->bars[d], "winner");
          gtk_widget_add_css_class (self->digits[d], "winner");
          gtk_widget_add_css_class (self->percents[d], "winner");
        }
      else
        {
          gtk_widget_remove_css_class (self->bars[d], "winner");
          gtk_widget_remove_css_class (self->digits[d], "winner");
          gtk_widget_remove_css_class (self->percents[d], "winner");
        }
    }
}

static void
dg_prob_bars_dispose (GObject *object)
{
  DgProbBars *self = DG_PROB_BARS (object);

  g_clear_pointer (&self->grid, gtk_widget_unparent);
  G_OBJECT_CLASS (dg_prob_bars_parent_class)->dispose (object);
}

static void
dg_prob_bars_class_init (DgProbBarsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dg_prob_bars_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dg-prob-bars");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
dg_prob_bars_init (DgProbBars *self)
{
  self->grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (self->grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (self->grid), 12);
  gtk_widget_set_parent (self->grid, GTK_WIDGET (self));

  for (int d = 0; d < 10; d++)
    {
      char digit[2] = { (char) ('0' + d), 0 };

      self->digits[d] = gtk_label_new (digit);
      gtk_widget_add_css_class (self->digits[d], "numeric");
      gtk_widget_add_css_class (self->digits[d], "digit");

      self->bars[d] = gtk_progress_bar_new ();
      gtk_widget_set_hexpand (self->bars[d], TRUE);
      gtk_widget_set_valign (self->bars[d], GTK_ALIGN_CENTER);

      self->percents[d] = gtk_label_new ("");
      gtk_label_set_xalign (GTK_LABEL (self->percents[d]), 1.f);
      gtk_label_set_width_chars (GTK_LABEL (self->percents[d]), 7);
      gtk_widget_add_css_class (self->percents[d], "numeric");
      gtk_widget_add_css_class (self->percents[d], "percent");

      /* The bar carries the row's meaning; the labels beside it would repeat it. */
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->digits[d]),
                                   GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->percents[d]),
                                   GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      self->rows[d] = self->bars[d];

      gtk_grid_attach (GTK_GRID (self->grid), self->digits[d], 0, d, 1, 1);
      gtk_grid_attach (GTK_GRID (self->grid), self->bars[d], 1, d, 1, 1);
      gtk_grid_attach (GTK_GRID (self->grid), self->percents[d], 2, d, 1, 1);
    }
  dg_prob_bars_set_probs (self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Probabilities"), -1);
}

GtkWidget *
dg_prob_bars_new (void)
{
  return g_object_new (DG_TYPE_PROB_BARS, NULL);
}
