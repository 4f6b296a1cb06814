/* dg-draw-layout.c: the Draw page's two parts, side by side or stacked.
 *
 * Stacking depends on the width alone, so height-for-width measuring stays
 * consistent: below STACK_BELOW pixels, or when the two minimum widths do not
 * fit beside each other, the reading goes below the canvas.
 */
#include "dg-config.h"
#include "dg-draw-layout.h"

#define STACK_BELOW 720  /* px: narrower pages stack */
#define MAX_STACKED_SIDE 640
#define RESULT_MIN 300
#define RESULT_SHARE 0.45
#define STACKED_RESERVE 130 /* px below the canvas kept in view: the prediction */
#define WIDE_RESERVE 170    /* and, below a wide canvas, the number read */

struct _DgDrawLayout {
  GtkLayoutManager parent_instance;
  int spacing, canvas_min;
  int aspect;       /* the canvas's width over its height: wider than square stacks */
  gboolean stacked;
  int view_height;  /* of the scrolled view around the page when last measured */
};

G_DEFINE_FINAL_TYPE (DgDrawLayout, dg_draw_layout, GTK_TYPE_LAYOUT_MANAGER)

static void
parts (GtkWidget *widget, GtkWidget **column, GtkWidget **result)
{
  *column = gtk_widget_get_first_child (widget);
  *result = *column ? gtk_widget_get_next_sibling (*column) : NULL;
}

static int
size (GtkWidget *w, GtkOrientation o, int for_size, gboolean natural)
{
  int min = 0, nat = 0;

  if (w && gtk_widget_should_layout (w))
    {
      if (for_size >= 0)
        {
          int other_min = 0;
          gtk_widget_measure (w, 1 - o, -1, &other_min, NULL, NULL, NULL);
          for_size = MAX (for_size, other_min);
        }
      gtk_widget_measure (w, o, for_size, &min, &nat, NULL, NULL);
    }
  return natural ? nat : min;
}

static int
result_min (GtkWidget *result)
{
  return MAX (RESULT_MIN, size (result, GTK_ORIENTATION_HORIZONTAL, -1, FALSE));
}

static gboolean
stacks (DgDrawLayout *self, GtkWidget *column, GtkWidget *result, int width)
{
  return width < STACK_BELOW || self->aspect > 1
         || width < size (column, GTK_ORIENTATION_HORIZONTAL, -1, FALSE) + self->spacing
                    + result_min (result);
}

/* The canvas column's height when its canvas is side pixels high. */
static int
column_height (DgDrawLayout *self, GtkWidget *column, int width, int side)
{
  /* never measured narrower than it can be (a first allocation may be 0 wide) */
  if (width >= 0)
    width = MAX (width, size (column, GTK_ORIENTATION_HORIZONTAL, -1, FALSE));
  return MAX (0, size (column, GTK_ORIENTATION_VERTICAL, width, FALSE)
                 - self->canvas_min / self->aspect) + side;
}

static int
view_height (GtkWidget *widget)
{
  GtkWidget *view = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);

  return view ? gtk_widget_get_height (view) : 0;
}

/* Stacked, the canvas leaves room below it for the prediction in the view (the
 * rest of the reading scrolls). Reading the view's height while measuring is
 * not pure height-for-width; allocate asks again when that height changed. */
static int
stacked_side (DgDrawLayout *self, GtkWidget *widget, GtkWidget *column, int width)
{
  int side = MIN (width / self->aspect, MAX_STACKED_SIDE), view = view_height (widget);

  self->view_height = view;
  if (view > 0)
    side = MIN (side, view - column_height (self, column, width, 0) - STACKED_RESERVE
                      - (self->aspect > 1 ? WIDE_RESERVE : 0));
  return MAX (self->canvas_min / self->aspect, side);
}

static void
dg_draw_layout_measure (GtkLayoutManager *manager, GtkWidget *widget, GtkOrientation orientation,
                        int for_size, int *minimum, int *natural, int *min_baseline,
                        int *nat_baseline)
{
  DgDrawLayout *self = DG_DRAW_LAYOUT (manager);
  GtkWidget *column, *result;

  parts (widget, &column, &result);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int col_min = size (column, orientation, -1, FALSE), res_min = result_min (result);
      *minimum = MAX (col_min, res_min);
      *natural = size (column, orientation, -1, TRUE) + self->spacing
                 + MAX (res_min, size (result, orientation, -1, TRUE));
      return;
    }
  if (for_size >= 0 && stacks (self, column, result, for_size))
    {
      int h = column_height (self, column, for_size, stacked_side (self, widget, column, for_size))
              + self->spacing
              + size (result, orientation, for_size, TRUE);
      *minimum = *natural = h;
      return;
    }
  *minimum = MAX (size (column, orientation, -1, FALSE), size (result, orientation, -1, FALSE));
  *natural = MAX (size (column, orientation, -1, TRUE), size (result, orientation, -1, TRUE));
}

static void
dg_draw_layout_allocate (GtkLayoutManager *manager, GtkWidget *widget, int width, int height,
                         int baseline)
{
  DgDrawLayout *self = DG_DRAW_LAYOUT (manager);
  GtkWidget *column, *result;
  int col_w, col_h, res_w, side, x;

  parts (widget, &column, &result);
  if (!column || !result)
    return;
  self->stacked = stacks (self, column, result, width);
  if (self->stacked)
    {
      if (view_height (widget) != self->view_height)
        gtk_layout_manager_layout_changed (manager);
      col_h = column_height (self, column, width, stacked_side (self, widget, column, width));
      width = MAX (width, 0);
      gtk_widget_size_allocate (column, &(GtkAllocation) { 0, 0, width, col_h }, -1);
      gtk_widget_size_allocate (result, &(GtkAllocation) { 0, col_h + self->spacing, width,
                                                           MAX (0, height - col_h - self->spacing) }, -1);
      return;
    }
  /* the canvas as high as the page lets it be; the reading takes the rest */
  side = MAX (self->canvas_min, height - (column_height (self, column, -1, 0)));
  res_w = CLAMP (width - self->spacing - side, result_min (result),
                 MAX (result_min (result), (int) (width * RESULT_SHARE)));
  col_w = MAX (size (column, GTK_ORIENTATION_HORIZONTAL, -1, FALSE), width - self->spacing - res_w);
  col_w = MIN (col_w, MAX (side, size (column, GTK_ORIENTATION_HORIZONTAL, -1, FALSE)));
  /* what neither needs is shared out on both sides */
  x = MAX (0, (width - col_w - self->spacing - res_w) / 2);
  gtk_widget_size_allocate (column, &(GtkAllocation) { x, 0, col_w, height }, -1);
  gtk_widget_size_allocate (result, &(GtkAllocation) { x + col_w + self->spacing, 0, res_w, height }, -1);
}

static GtkSizeRequestMode
dg_draw_layout_get_request_mode (GtkLayoutManager *manager, GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dg_draw_layout_class_init (DgDrawLayoutClass *klass)
{
  GtkLayoutManagerClass *manager_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  manager_class->measure = dg_draw_layout_measure;
  manager_class->allocate = dg_draw_layout_allocate;
  manager_class->get_request_mode = dg_draw_layout_get_request_mode;
}

static void
dg_draw_layout_init (DgDrawLayout *self)
{
}

GtkLayoutManager *
dg_draw_layout_new (int spacing, int canvas_min)
{
  DgDrawLayout *self = g_object_new (DG_TYPE_DRAW_LAYOUT, NULL);

  self->spacing = spacing;
  self->canvas_min = canvas_min;
  self->aspect = 1;
  return GTK_LAYOUT_MANAGER (self);
}

void
dg_draw_layout_set_aspect (DgDrawLayout *self, int aspect)
{
  g_return_if_fail (DG_IS_DRAW_LAYOUT (self));
  self->aspect = MAX (aspect, 1);
  gtk_layout_manager_layout_changed (GTK_LAYOUT_MANAGER (self));
}

gboolean
dg_draw_layout_get_stacked (DgDrawLayout *self)
{
  g_return_val_if_fail (DG_IS_DRAW_LAYOUT (self), FALSE);
  return self->stacked;
}

/* ---- the tool bar: groups in lines, wrapped and centred ---------------------------- */

struct _DgWrapLayout {
  GtkLayoutManager parent_instance;
  int spacing, line_spacing;
};

G_DEFINE_FINAL_TYPE (DgWrapLayout, dg_wrap_layout, GTK_TYPE_LAYOUT_MANAGER)

/* Lays out (or, with allocate FALSE, only measures) the children in lines of
 * width at most width; returns the total height. */
static int
wrap_lines (DgWrapLayout *self, GtkWidget *widget, int width, gboolean allocate)
{
  GtkWidget *first = gtk_widget_get_first_child (widget);
  int y = 0;

  while (first)
    {
      GtkWidget *c, *end;
      int line_w = 0, line_h = 0, x, n = 0;

      /* take children while they fit (at least one) */
      for (c = first; c; c = gtk_widget_get_next_sibling (c))
        {
          int w = size (c, GTK_ORIENTATION_HORIZONTAL, -1, TRUE);
          if (!gtk_widget_should_layout (c))
            continue;
          if (n > 0 && line_w + self->spacing + w > width)
            break;
          line_w += (n > 0 ? self->spacing : 0) + w;
          line_h = MAX (line_h, size (c, GTK_ORIENTATION_VERTICAL, w, TRUE));
          n++;
        }
      end = c;
      x = MAX (0, (width - line_w) / 2);
      for (c = first; allocate && c != end; c = gtk_widget_get_next_sibling (c))
        {
          int w = size (c, GTK_ORIENTATION_HORIZONTAL, -1, TRUE);
          if (!gtk_widget_should_layout (c))
            continue;
          gtk_widget_size_allocate (c, &(GtkAllocation) { x, y, MIN (w, width), line_h }, -1);
          x += w + self->spacing;
        }
      y += line_h + (end ? self->line_spacing : 0);
      first = end;
    }
  return y;
}

static void
dg_wrap_layout_measure (GtkLayoutManager *manager, GtkWidget *widget, GtkOrientation orientation,
                        int for_size, int *minimum, int *natural, int *min_baseline, int *nat_baseline)
{
  DgWrapLayout *self = DG_WRAP_LAYOUT (manager);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      int n = 0;
      *minimum = *natural = 0;
      for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
        if (gtk_widget_should_layout (c))
          {
            *minimum = MAX (*minimum, size (c, orientation, -1, FALSE));
            *natural += (n++ > 0 ? self->spacing : 0) + size (c, orientation, -1, TRUE);
          }
      return;
    }
  *minimum = *natural = wrap_lines (self, widget, for_size >= 0 ? for_size : G_MAXINT / 2, FALSE);
}

static void
dg_wrap_layout_allocate (GtkLayoutManager *manager, GtkWidget *widget, int width, int height,
                         int baseline)
{
  wrap_lines (DG_WRAP_LAYOUT (manager), widget, width, TRUE);
}

static void
dg_wrap_layout_class_init (DgWrapLayoutClass *klass)
{
  GtkLayoutManagerClass *manager_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  manager_class->measure = dg_wrap_layout_measure;
  manager_class->allocate = dg_wrap_layout_allocate;
  manager_class->get_request_mode = dg_draw_layout_get_request_mode;
}

static void
dg_wrap_layout_init (DgWrapLayout *self)
{
}

GtkLayoutManager *
dg_wrap_layout_new (int spacing, int line_spacing)
{
  DgWrapLayout *self = g_object_new (DG_TYPE_WRAP_LAYOUT, NULL);

  self->spacing = spacing;
  self->line_spacing = line_spacing;
  return GTK_LAYOUT_MANAGER (self);
}
