/* dg-number-boxes.h: boxes around the digits of a number, laid over the canvas.
 *
 * It sits over a DgCanvas (in a GtkOverlay) and draws, for each digit read, a
 * box around its ink and a tag above it with the digit. Only the tags take the
 * pointer, so strokes go on reaching the canvas everywhere else; a click on a
 * tag selects that digit ("selected").
 */
#pragma once

#include "dg-canvas.h"
#include "nn-number.h"

G_BEGIN_DECLS

#define DG_TYPE_NUMBER_BOXES (dg_number_boxes_get_type ())
G_DECLARE_FINAL_TYPE (DgNumberBoxes, dg_number_boxes, DG, NUMBER_BOXES, GtkWidget)

GtkWidget *dg_number_boxes_new (void);
void       dg_number_boxes_set_canvas (DgNumberBoxes *self, DgCanvas *canvas);
/* The digits to frame (boxes in canvas units); NULL or none: no boxes. */
void       dg_number_boxes_set_reading (DgNumberBoxes *self, const NnNumberReading *reading);
int        dg_number_boxes_get_selected (DgNumberBoxes *self);
void       dg_number_boxes_set_selected (DgNumberBoxes *self, int selected);
/* Digit i's tag in this widget's coordinates; FALSE when there is none. */
gboolean   dg_number_boxes_get_tag (DgNumberBoxes *self, int i, graphene_rect_t *tag);

G_END_DECLS
