/* nn-keras-options.h: what a caller may add to a saved .keras file beyond the model:
 * the optimizer state, the loss and the Keras-only metadata of the file it came from
 * (nn_keras_save's options). Types only. */
#pragma once

#include <glib.h>
#include "nn-keras-info.h"

G_BEGIN_DECLS

/* Optimizer variables to store under optimizer/vars (Keras order: "iterations",
 * then an optional "learning_rate", then for each trainable variable of the model,
 * in order, its slots_per_var slots, e.g. Adam's momentum and velocity).
 *
 * "Trainable variable" means NnVar.trainable in a layer with NnLayer.trainable set
 * (BatchNormalization moving statistics and frozen layers have no slots), counted
 * in the engine's layer index order: slots[t * slots_per_var + s] is slot s of the
 * t-th such variable. The writer stores them in Keras's model.trainable_variables
 * order, which differs from index order only for branching Functional graphs. */
typedef struct {
  const char *keras_name;     /* "adam", "adamw", "sgd": the vars@name attribute */
  const char *config_json;    /* the optimizer's serialized Keras object, for compile_config */
  gint64 iterations;
  gboolean has_learning_rate; /* TRUE when the learning rate is a plain float */
  float learning_rate;
  int slots_per_var;          /* 2 for Adam/AdamW, 1 for SGD with momentum, 0 for plain SGD */
  float *const *slots;        /* [trainable var index * slots_per_var + slot], var-shaped */
} NnKerasOptimizer;

typedef struct {
  const NnKerasOptimizer *optimizer; /* NULL: no optimizer group (shipped models) */
  const char *loss_json;             /* serialized loss for compile_config, or NULL */
  /* What the model's file said that only Keras needs (nn_keras_load_with_info): its
   * compile_config when optimizer and loss_json give none, its layers' extra config
   * items. NULL: Keras's defaults and no compile_config. */
  const NnKerasInfo *info;
} NnKerasSaveOptions;

G_END_DECLS
