/* dg-teacher.h: teaching by correcting. A correction ("It's a 4") saves the drawing
 * as a sample of that digit and fine-tunes the personal model in the background
 * (nn-personal.h, a DG_JOB_PERSONAL job) from the model in use, every sample in the
 * samples folder and a replay of MNIST training images (the samples alone, with a
 * note, when MNIST is not found). The result is written atomically to
 * $XDG_DATA_HOME/digits/models/personal.keras, listed as "Personal (based on …)",
 * and made the model in use, with a toast whose Undo goes back to the model before.
 *
 * Corrections made while a fine-tune runs are taken by one more run after it.
 *
 * Signals (GUI thread):
 *   "corrected" (path, label)              a sample was saved
 *   "tuned" (samples, replay, train_ms)    a personal model was written
 *   "activated" (ms)                       it is in use, ms after the oldest
 *                                          correction it learnt from
 *   "failed" (message)                     a fine-tune failed
 */
#pragma once

#include <gio/gio.h>
#include "dg-context.h"

G_BEGIN_DECLS

#define DG_TYPE_TEACHER (dg_teacher_get_type ())
G_DECLARE_FINAL_TYPE (DgTeacher, dg_teacher, DG, TEACHER, GObject)

DgTeacher *dg_teacher_new (DgContext *context);

/* grey: 280 x 280, white ink on black (dg_canvas_render_grey). FALSE with error
 * when the sample could not be saved; then nothing is fine-tuned. */
gboolean   dg_teacher_correct (DgTeacher *self, const guint8 *grey, int width, int height,
                               int label, GError **error);
/* Stops a fine-tune, deletes the personal model (to the trash when there is one)
 * and, if it is in use, goes back to the model it was based on. The samples stay. */
void       dg_teacher_reset (DgTeacher *self);
/* A fine-tune runs or waits to ("busy" property). */
gboolean   dg_teacher_get_busy (DgTeacher *self);
/* A personal model exists ("has-personal" property). */
gboolean   dg_teacher_get_has_personal (DgTeacher *self);

/* $XDG_DATA_HOME/digits/models/personal.keras. Free with g_free. */
char      *dg_teacher_dup_personal_path (void);

G_END_DECLS
