/* nn-folder.h: a dataset folder in the 0 ... 9 layout that fine-tuning reads.
 *
 *   DIR/0/one.png, DIR/0/two.jpg, DIR/1/..., ... DIR/9/...
 * Each image (any size, colour or grey, either polarity) goes through
 * nn_preprocess_digit(). Files that are not images, corrupt, empty, blank, over
 * 4096 x 4096 or in unexpected folders are skipped with a one-line reason each.
 */
#pragma once

#include <glib.h>
#include "nn-dataset.h"

G_BEGIN_DECLS

typedef struct {
  char *path;
  char *reason; /* "not a PNG or JPEG image", "larger than 4096 x 4096", ... */
} NnSkippedFile;

typedef struct {
  int per_class[10];
  GPtrArray *skipped; /* of NnSkippedFile* */
} NnFolderReport;

void nn_folder_report_clear (NnFolderReport *report);

/* Reads DIR: classes in order 0 ... 9, files in each sorted by name (bytewise),
 * ds->paths naming each image's file. report may be NULL; otherwise start it
 * zeroed (NnFolderReport r = { 0 };): it is refilled on each call and
 * nn_folder_report_clear() frees it. report->skipped lists every file left out
 * with its reason, also when the load fails.
 * A missing DIR, a missing or empty class folder is NN_ERROR_NO_DATA naming it;
 * when require_all_classes is FALSE (evaluation of a partial folder) only an
 * entirely empty folder is an error. */
NnDataset *nn_folder_load (const char *dir, gboolean require_all_classes,
                           NnFolderReport *report, GError **error);

G_END_DECLS
