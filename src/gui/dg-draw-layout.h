/* dg-draw-layout.h: how the Draw page places its two parts, the canvas with its
 * tools and the model's reading: side by side when the page is wide, the reading
 * below the canvas when it is narrow (a phone, a half-tiled laptop screen).
 *
 * Side by side, the canvas is as large as the height allows and the reading
 * takes the rest of the width (from its minimum up to 45 % of the page), so a
 * 4K window has a large canvas and large result pictures, with no empty column.
 * Stacked, the canvas is as wide as the page (up to 640 px) and the reading
 * follows at its natural height; the page scrolls.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DG_TYPE_DRAW_LAYOUT (dg_draw_layout_get_type ())
G_DECLARE_FINAL_TYPE (DgDrawLayout, dg_draw_layout, DG, DRAW_LAYOUT, GtkLayoutManager)

/* The first child is the canvas column, whose canvas asks for canvas_min pixels
 * on each side; the second is the reading. */
GtkLayoutManager *dg_draw_layout_new (int spacing, int canvas_min);
/* The canvas's width over its height (1: square). A wide canvas (3 for a
 * number) always has the reading below it and is as wide as the page. */
void              dg_draw_layout_set_aspect (DgDrawLayout *self, int aspect);
/* Whether the last allocation stacked the two parts. */
gboolean          dg_draw_layout_get_stacked (DgDrawLayout *self);

/* The tool bar's: its children (groups of tools) in lines as wide as the bar,
 * each line centred; a group never breaks. */
#define DG_TYPE_WRAP_LAYOUT (dg_wrap_layout_get_type ())
G_DECLARE_FINAL_TYPE (DgWrapLayout, dg_wrap_layout, DG, WRAP_LAYOUT, GtkLayoutManager)

GtkLayoutManager *dg_wrap_layout_new (int spacing, int line_spacing);

G_END_DECLS
