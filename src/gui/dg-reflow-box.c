/* dg-reflow-box.c: a box whose orientation follows its width (see dg-reflow-box.h).
 *
 * Whether it stacks depends on the width alone, so height-for-width measuring
 * and allocation always agree.
 */
#include "dg-config.h"
#include "dg-reflow-box.h"

struct _DgReflowBox {
  GtkWidget parent_instance;
  int breakpoint;
  int first_width, last_width;
  int spacing;
  gboolean stacked;
};

G_DEFINE_FINAL_TYPE (DgReflowBox, dg_reflow_box, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_BREAKPOINT, PROP_FIRST_WIDTH, PROP_LAST_WIDTH, PROP_SPACING, PROP_STACKED, N_PROPS };
static GParamSpec *props[N_PROPS];

#define MAX_CHILDREN 8

/* The children that take part in layout, at most MAX_CHILDREN. */
static int
children (DgReflowBox *self, GtkWidget **out)
{
  int n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self)); c && n < MAX_CHILDREN;
       c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_should_layout (c))
      out[n++] = c;
  return n;
}

static int
measure1 (GtkWidget *w, GtkOrientation o, int for_size, gboolean natural)
{
  int min = 0, nat = 0;

  if (for_size >= 0 && o == GTK_ORIENTATION_VERTICAL)
    {
      int other_min = 0;
      gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &other_min, NULL, NULL, NULL);
      for_size = MAX (for_size, other_min);
    }
  gtk_widget_measure (w, o, for_size, &min, &nat, NULL, NULL);
  return natural ? nat : min;
}

/* Side by side: each child's width for a total width (FALSE when they do not fit). */
static gboolean
row_widths (DgReflowBox *self, GtkWidget **c, int n, int width, int *w)
{
  int free_w = width - self->spacing * (n - 1), shared = n, used = 0;

  if (n == 0)
    return TRUE;
  for (int i = 0; i < n; i++)
    w[i] = -1;
  if (self->first_width > 0 && n > 1)
    {
      w[0] = MAX (self->first_width, measure1 (c[0], GTK_ORIENTATION_HORIZONTAL, -1, FALSE));
      used += w[0];
      shared--;
    }
  if (self->last_width > 0 && n > 1)
    {
      w[n - 1] = MAX (self->last_width, measure1 (c[n - 1], GTK_ORIENTATION_HORIZONTAL, -1, FALSE));
      used += w[n - 1];
      shared--;
    }
  for (int i = 0, k = 0; i < n; i++)
    {
      int share;
      if (w[i] >= 0)
        continue;
      /* the last shared child takes the rounding remainder */
      share = shared > 0 ? (free_w - used) / (shared - k) : 0;
      w[i] = share;
      used += share;
      k++;
    }
  for (int i = 0; i < n; i++)
    if (w[i] < measure1 (c[i], GTK_ORIENTATION_HORIZONTAL, -1, FALSE))
      return FALSE;
  return used <= free_w;
}

static gboolean
stacks (DgReflowBox *self, GtkWidget **c, int n, int width)
{
  int w[MAX_CHILDREN];

  return n > 1 && (width < self->breakpoint || !row_widths (self, c, n, width, w));
}

static void
dg_reflow_box_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                       int *natural, int *min_baseline, int *nat_baseline)
{
  DgReflowBox *self = DG_REFLOW_BOX (widget);
  GtkWidget *c[MAX_CHILDREN];
  int n = children (self, c), w[MAX_CHILDREN];

  *minimum = *natural = 0;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* stacked, as narrow as the widest child can be; side by side as wide as
       * they all like, the children sharing the width equally each as wide as
       * the widest of them likes (so that at its natural width the box is side
       * by side: a centred box is given that width) */
      int shared_nat = 0, n_shared = 0, fixed = 0;

      for (int i = 0; i < n; i++)
        {
          int nat = measure1 (c[i], orientation, -1, TRUE);
          *minimum = MAX (*minimum, measure1 (c[i], orientation, -1, FALSE));
          if (i == 0 && self->first_width > 0 && n > 1)
            fixed += MAX (nat, self->first_width);
          else if (i == n - 1 && self->last_width > 0 && n > 1)
            fixed += MAX (nat, self->last_width);
          else
            {
              shared_nat = MAX (shared_nat, nat);
              n_shared++;
            }
        }
      *natural = MAX (fixed + n_shared * shared_nat + self->spacing * MAX (n - 1, 0), *minimum);
      return;
    }
  if (for_size < 0 || stacks (self, c, n, for_size))
    {
      for (int i = 0; i < n; i++)
        {
          *minimum += measure1 (c[i], orientation, for_size, FALSE) + (i > 0 ? self->spacing : 0);
          *natural += measure1 (c[i], orientation, for_size, TRUE) + (i > 0 ? self->spacing : 0);
        }
      /* stacked, each child gets its natural height: a scroller around the box
       * must make room for all of them */
      if (for_size >= 0)
        *minimum = *natural;
      return;
    }
  row_widths (self, c, n, for_size, w);
  for (int i = 0; i < n; i++)
    {
      *minimum = MAX (*minimum, measure1 (c[i], orientation, w[i], FALSE));
      *natural = MAX (*natural, measure1 (c[i], orientation, w[i], TRUE));
    }
}

static void
dg_reflow_box_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DgReflowBox *self = DG_REFLOW_BOX (widget);
  GtkWidget *c[MAX_CHILDREN];
  int n = children (self, c), w[MAX_CHILDREN], h[MAX_CHILDREN];
  gboolean stacked = stacks (self, c, n, width);

  if (stacked != self->stacked)
    {
      self->stacked = stacked;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STACKED]);
    }
  if (stacked)
    {
      int total = 0, n_expand = 0, extra, y = 0;

      for (int i = 0; i < n; i++)
        {
          h[i] = measure1 (c[i], GTK_ORIENTATION_VERTICAL, width, TRUE);
          total += h[i] + (i > 0 ? self->spacing : 0);
          n_expand += gtk_widget_compute_expand (c[i], GTK_ORIENTATION_VERTICAL);
        }
      extra = MAX (0, height - total);
      for (int i = 0; i < n; i++)
        {
          if (n_expand > 0 && gtk_widget_compute_expand (c[i], GTK_ORIENTATION_VERTICAL))
            h[i] += extra / n_expand;
          gtk_widget_size_allocate (c[i], &(GtkAllocation) { 0, y, width, h[i] }, -1);
          y += h[i] + self->spacing;
        }
      return;
    }
  row_widths (self, c, n, width, w);
  for (int i = 0, x = 0; i < n; i++)
    {
      gtk_widget_size_allocate (c[i], &(GtkAllocation) { x, 0, w[i], height }, -1);
      x += w[i] + self->spacing;
    }
}

/* It expands as its children do, as a GtkBox does. */
static void
dg_reflow_box_compute_expand (GtkWidget *widget, gboolean *hexpand, gboolean *vexpand)
{
  *hexpand = *vexpand = FALSE;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      *hexpand = *hexpand || gtk_widget_compute_expand (c, GTK_ORIENTATION_HORIZONTAL);
      *vexpand = *vexpand || gtk_widget_compute_expand (c, GTK_ORIENTATION_VERTICAL);
    }
}

static GtkSizeRequestMode
dg_reflow_box_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dg_reflow_box_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dg_reflow_box_parent_class)->dispose (object);
}

static void
dg_reflow_box_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  DgReflowBox *self = DG_REFLOW_BOX (object);

  switch (id)
    {
    case PROP_BREAKPOINT: g_value_set_int (value, self->breakpoint); break;
    case PROP_FIRST_WIDTH: g_value_set_int (value, self->first_width); break;
    case PROP_LAST_WIDTH: g_value_set_int (value, self->last_width); break;
    case PROP_SPACING: g_value_set_int (value, self->spacing); break;
    case PROP_STACKED: g_value_set_boolean (value, self->stacked); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
dg_reflow_box_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  DgReflowBox *self = DG_REFLOW_BOX (object);

  switch (id)
    {
    case PROP_BREAKPOINT: self->breakpoint = g_value_get_int (value); break;
    case PROP_FIRST_WIDTH: self->first_width = g_value_get_int (value); break;
    case PROP_LAST_WIDTH: self->last_width = g_value_get_int (value); break;
    case PROP_SPACING: self->spacing = g_value_get_int (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec); return;
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
dg_reflow_box_class_init (DgReflowBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dg_reflow_box_dispose;
  object_class->get_property = dg_reflow_box_get_property;
  object_class->set_property = dg_reflow_box_set_property;
  widget_class->measure = dg_reflow_box_measure;
  widget_class->size_allocate = dg_reflow_box_size_allocate;
  widget_class->get_request_mode = dg_reflow_box_get_request_mode;
  widget_class->compute_expand = dg_reflow_box_compute_expand;

  props[PROP_BREAKPOINT] = g_param_spec_int ("breakpoint", NULL, NULL, 0, G_MAXINT, 720, rw);
  props[PROP_FIRST_WIDTH] = g_param_spec_int ("first-width", NULL, NULL, 0, G_MAXINT, 0, rw);
  props[PROP_LAST_WIDTH] = g_param_spec_int ("last-width", NULL, NULL, 0, G_MAXINT, 0, rw);
  props[PROP_SPACING] = g_param_spec_int ("spacing", NULL, NULL, 0, G_MAXINT, 0, rw);
  props[PROP_STACKED] = g_param_spec_boolean ("stacked", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_css_name (widget_class, "reflowbox");
}

static void
dg_reflow_box_init (DgReflowBox *self)
{
  self->breakpoint = 720;
}

GtkWidget *
dg_reflow_box_new (void)
{
  return g_object_new (DG_TYPE_REFLOW_BOX, NULL);
}

gboolean
dg_reflow_box_get_stacked (DgReflowBox *self)
{
  g_return_val_if_fail (DG_IS_REFLOW_BOX (self), FALSE);
  return self->stacked;
}
