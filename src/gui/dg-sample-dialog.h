/* dg-sample-dialog.h: "Save as sample…": stores the drawing as a PNG in a
 * dataset folder in the 0 … 9 layout that fine-tuning reads.
 *
 * "saved" (path, label) after each save; "draw-next" (next label) after it when
 * the user chose Save and Draw Next. Browse… opens the samples window. */
#pragma once

#include <adwaita.h>
#include "dg-settings.h"
#include "nn-image.h"

G_BEGIN_DECLS

#define DG_TYPE_SAMPLE_DIALOG (dg_sample_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DgSampleDialog, dg_sample_dialog, DG, SAMPLE_DIALOG, AdwWindow)

/* grey: width x height, stride width, white ink on black. label < 0: no guess. */
DgSampleDialog *dg_sample_dialog_new (GtkWindow *parent, DgSettings *settings, const guint8 *grey,
                                      int width, int height, int label);
/* Writes the sample now; the path written, or NULL with error. */
char           *dg_sample_dialog_save (DgSampleDialog *self, GError **error);
/* Writes image (white ink on black) as a new PNG in the samples folder's class
 * folder for label (made when missing), under a name that never overwrites; the
 * path written, or NULL with error. */
char           *dg_sample_save (DgSettings *settings, const NnGreyImage *image, int label,
                                GError **error);
/* Images per class in folder (files ending .png, .jpg or .jpeg). */
void            dg_sample_count_folder (const char *folder, int counts[10]);

G_END_DECLS
