/* nn-keras-h5.c: model.weights.h5, read and written in memory.
 *
 * The file comes out of (and goes into) the zip as bytes, so HDF5 works on a file
 * image through the core driver: no temporary files. This HDF5 is the serial build,
 * which is not thread-safe, so every call runs under one lock; its error stack
 * printing is switched off, as library code never prints.
 */
#include <stdio.h>
#include <string.h>
#include <hdf5.h>
#include "nn-keras-h5.h"
#include "nn-keras-names.h"
#include "nn-error.h"

static GMutex h5_lock;

static void
h5_enter (void)
{
  g_mutex_lock (&h5_lock);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
}

static char *
image_name (void)
{
  static gint counter;
  return g_strdup_printf ("digits-keras-image-%d.h5", g_atomic_int_add (&counter, 1));
}

static void
close_id (hid_t *id, herr_t (*closer) (hid_t))
{
  if (*id >= 0)
    closer (*id);
  *id = -1;
}

/* ---- reading ------------------------------------------------------------------- */

/* TRUE when every component of path is a hard link to an existing object: a hostile
 * file must not send HDF5 after soft or external links to other files. */
static gboolean
hard_path_exists (hid_t f, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  GString *p = g_string_new (NULL);
  gboolean ok = TRUE;
  for (int i = 0; parts[i] && ok; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      if (p->len)
        g_string_append_c (p, '/');
      g_string_append (p, parts[i]);
      H5L_info_t info;
      ok = H5Lexists (f, p->str, H5P_DEFAULT) > 0
           && H5Lget_info (f, p->str, &info, H5P_DEFAULT) >= 0 && info.type == H5L_TYPE_HARD;
    }
  g_string_free (p, TRUE);
  return ok;
}

/* Keras's H5IOStore.get: <path>/vars, or under the tf.keras 2.13 root name. */
static char *
find_vars (hid_t f, const char *path)
{
  char *vars = g_strconcat (path, "/vars", NULL);
  if (hard_path_exists (f, vars))
    return vars;
  g_free (vars);
  if (!hard_path_exists (f, "_layer_checkpoint_dependencies"))
    return NULL;
  g_auto (GStrv) parts = g_strsplit (path, "layers", -1);
  g_autofree char *legacy = g_strjoinv ("_layer_checkpoint_dependencies", parts);
  vars = g_strconcat (legacy, "/vars", NULL);
  if (hard_path_exists (f, vars))
    return vars;
  g_free (vars);
  return NULL;
}

/* What Keras writes, and all that the reader accepts: a 4-byte IEEE float (either
 * byte order), stored contiguously in this file with no filters, taking exactly the
 * bytes its shape needs (or none yet: HDF5 then reads the fill value). Anything else
 * (a float type declaring gigabytes per element, a chunk that inflates to a gigabyte,
 * external storage naming another file) is refused before HDF5 allocates a byte. */
static const char *
storage_problem (hid_t ds, hid_t type, hsize_t n_values)
{
  if (H5Tget_class (type) != H5T_FLOAT || H5Tget_size (type) != 4
      || (H5Tequal (type, H5T_IEEE_F32LE) <= 0 && H5Tequal (type, H5T_IEEE_F32BE) <= 0))
    return "does not hold 4-byte IEEE floats";
  hid_t dcpl = H5Dget_create_plist (ds);
  const char *problem = NULL;
  if (dcpl < 0)
    problem = "has unreadable storage properties";
  else if (H5Pget_layout (dcpl) != H5D_CONTIGUOUS)
    problem = "is chunked or compact (Keras stores every weight contiguously)";
  else if (H5Pget_nfilters (dcpl) != 0)
    problem = "is compressed or filtered (Keras never is)";
  else if (H5Pget_external_count (dcpl) != 0)
    problem = "keeps its values in another file";
  close_id (&dcpl, H5Pclose);
  if (problem)
    return problem;
  hsize_t stored = H5Dget_storage_size (ds);
  if (stored != 0 && stored != n_values * 4)
    return "takes another number of bytes than its shape needs";
  return NULL;
}

static gboolean
read_var (const char *display, hid_t group, const char *where, const NnLayer *l, int v,
          float *dst, GError **error)
{
  const NnVar *var = &l->vars[v];
  char name[16];
  snprintf (name, sizeof name, "%d", v);
  hid_t ds = -1, type = -1, space = -1;
  gboolean ok = FALSE;
  hsize_t dims[H5S_MAX_RANK];
  const char *problem;
  int nd;
  if (!hard_path_exists (group, name) || (ds = H5Dopen2 (group, name, H5P_DEFAULT)) < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: dataset %s/%s (%s) is "
                   "missing", display, l->name, where, name, var->role);
      goto out;
    }
  type = H5Dget_type (ds);
  if (type < 0 || H5Tget_class (type) != H5T_FLOAT)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: dataset %s/%s (%s) does "
                   "not hold floating-point numbers", display, l->name, where, name, var->role);
      goto out;
    }
  space = H5Dget_space (ds);
  nd = space >= 0 && H5Sget_simple_extent_type (space) == H5S_SIMPLE
       ? H5Sget_simple_extent_ndims (space) : -1;
  if (nd < 0 || nd > H5S_MAX_RANK || H5Sget_simple_extent_dims (space, dims, NULL) < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: dataset %s/%s has an "
                   "unreadable shape", display, l->name, where, name);
      goto out;
    }
  gboolean same = nd == var->ndim;
  for (int d = 0; same && d < nd; d++)
    same = dims[d] == (hsize_t) var->dims[d];
  if (!same)
    {
      GString *got = g_string_new ("(");
      GString *want = g_string_new ("(");
      for (int d = 0; d < nd; d++)
        g_string_append_printf (got, "%s%llu", d ? ", " : "", (unsigned long long) dims[d]);
      for (int d = 0; d < var->ndim; d++)
        g_string_append_printf (want, "%s%d", d ? ", " : "", var->dims[d]);
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "%s: layer “%s”: weight %s (%s) has shape "
                   "%s), but the layer needs %s)", display, l->name, name, var->role, got->str,
                   want->str);
      g_string_free (got, TRUE);
      g_string_free (want, TRUE);
      goto out;
    }
  /* The shape matched the layer's, so the value count is var->size and small. */
  if ((problem = storage_problem (ds, type, (hsize_t) var->size)) != NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: dataset %s/%s (%s) %s; "
                   "refusing to read it", display, l->name, where, name, var->role, problem);
      goto out;
    }
  if (H5Dread (ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: dataset %s/%s cannot be "
                   "read (truncated or corrupt)", display, l->name, where, name);
      goto out;
    }
  ok = TRUE;
out:
  close_id (&space, H5Sclose);
  close_id (&type, H5Tclose);
  close_id (&ds, H5Dclose);
  return ok;
}

static gboolean
read_layer (const char *display, hid_t f, const char *path, NnModel *m, int i, GError **error)
{
  const NnLayer *l = &m->layers[i];
  g_autofree char *where = find_vars (f, path);
  if (where == NULL)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s” (%s): its weights "
                   "(%s/vars) are missing", display, l->name, nn_layer_kind_to_keras (l->kind),
                   path);
      return FALSE;
    }
  hid_t g = H5Gopen2 (f, where, H5P_DEFAULT);
  H5G_info_t info;
  if (g < 0 || H5Gget_info (g, &info) < 0)
    {
      close_id (&g, H5Gclose);
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: layer “%s”: group %s cannot be read",
                   display, l->name, where);
      return FALSE;
    }
  if (info.nlinks != (hsize_t) l->n_vars)
    {
      H5Gclose (g);
      g_set_error (error, NN_ERROR, NN_ERROR_SHAPE, "%s: layer “%s” (%s) expects %d variables, "
                   "but %s holds %llu", display, l->name, nn_layer_kind_to_keras (l->kind),
                   l->n_vars, where, (unsigned long long) info.nlinks);
      return FALSE;
    }
  gboolean ok = TRUE;
  for (int v = 0; v < l->n_vars && ok; v++)
    ok = read_var (display, g, where, l, v, nn_model_var_data (m, &l->vars[v]), error);
  H5Gclose (g);
  nn_model_params_changed (m);
  return ok;
}

/* The file image without copies. By default HDF5 copies the image into the
 * property list, into its copy made at H5Fopen, and into the core driver's own
 * buffer: a 1 GiB weights entry cost 3.1 GB. These callbacks hand out the caller's
 * buffer for every one of those steps and never free it (what H5LTopen_file_image
 * does with DONT_COPY | DONT_RELEASE). The file is opened read-only, so HDF5 never
 * writes to the buffer nor resizes it. */
typedef struct {
  void *image;
  size_t size;
} ImageRef;

static void *
image_malloc (size_t size, H5FD_file_image_op_t op, void *udata)
{
  ImageRef *r = udata;
  return size == r->size ? r->image : NULL;
}

static void *
image_memcpy (void *dest, const void *src, size_t size, H5FD_file_image_op_t op, void *udata)
{
  ImageRef *r = udata;
  return dest == r->image && src == r->image && size == r->size ? dest : NULL;
}

static void *
image_realloc (void *ptr, size_t size, H5FD_file_image_op_t op, void *udata)
{
  return NULL;
}

static herr_t
image_free (void *ptr, H5FD_file_image_op_t op, void *udata)
{
  return 0;
}

static void *
image_udata_copy (void *udata)
{
  return udata;
}

static herr_t
image_udata_free (void *udata)
{
  return 0;
}

gboolean
nn_keras_h5_read (const char *display, const void *data, gsize len, NnKerasGraph *g,
                  GError **error)
{
  gboolean ok = FALSE;
  hid_t fapl = -1, f = -1;
  g_autofree char *name = image_name ();
  ImageRef ref = { (void *) data, len };
  H5FD_file_image_callbacks_t callbacks = {
    image_malloc, image_memcpy, image_realloc, image_free, image_udata_copy,
    image_udata_free, &ref,
  };
  h5_enter ();
  if (len == 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: model.weights.h5 is empty", display);
      goto out;
    }
  fapl = H5Pcreate (H5P_FILE_ACCESS);
  if (fapl < 0 || H5Pset_fapl_core (fapl, 1 << 20, 0) < 0
      || H5Pset_file_image_callbacks (fapl, &callbacks) < 0
      || H5Pset_file_image (fapl, (void *) data, len) < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "%s: cannot set up HDF5 to read the weights",
                   display);
      goto out;
    }
  f = H5Fopen (name, H5F_ACC_RDONLY, fapl);
  if (f < 0)
    {
      g_set_error (error, NN_ERROR, NN_ERROR_FORMAT, "%s: model.weights.h5 is not a readable "
                   "HDF5 file (truncated or corrupt)", display);
      goto out;
    }
  ok = TRUE;
  for (int i = 0; i < g->model->n_layers && ok; i++)
    {
      const char *path = g_ptr_array_index (g->weight_paths, i);
      if (path && g->model->layers[i].n_vars > 0)
        ok = read_layer (display, f, path, g->model, i, error);
    }
out:
  close_id (&f, H5Fclose);
  close_id (&fapl, H5Pclose);
  g_mutex_unlock (&h5_lock);
  return ok;
}

/* ---- writing ------------------------------------------------------------------- */

static gboolean
set_name_attr (hid_t obj, const char *value)
{
  /* A variable-length UTF-8 string in a scalar space, as h5py writes a str. */
  hid_t type = H5Tcopy (H5T_C_S1), space = H5Screate (H5S_SCALAR), attr = -1;
  gboolean ok = type >= 0 && space >= 0 && H5Tset_size (type, H5T_VARIABLE) >= 0
                && H5Tset_cset (type, H5T_CSET_UTF8) >= 0
                && (attr = H5Acreate2 (obj, "name", type, space, H5P_DEFAULT, H5P_DEFAULT)) >= 0
                && H5Awrite (attr, type, &value) >= 0;
  close_id (&attr, H5Aclose);
  close_id (&space, H5Sclose);
  close_id (&type, H5Tclose);
  return ok;
}

/* parent/<key>/vars with @name; returns the vars group. */
static hid_t
make_vars (hid_t parent, const char *key, const char *name)
{
  hid_t g = key ? H5Gcreate2 (parent, key, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : parent;
  if (g < 0)
    return -1;
  hid_t vars = H5Gcreate2 (g, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (key)
    H5Gclose (g);
  if (vars >= 0 && !set_name_attr (vars, name))
    close_id (&vars, H5Gclose);
  return vars;
}

static gboolean
write_dataset (hid_t g, int index, hid_t file_type, hid_t mem_type, int ndim, const int *dims,
               const void *data)
{
  char name[16];
  hsize_t hd[4];
  snprintf (name, sizeof name, "%d", index);
  for (int d = 0; d < ndim; d++)
    hd[d] = (hsize_t) dims[d];
  hid_t space = ndim > 0 ? H5Screate_simple (ndim, hd, NULL) : H5Screate (H5S_SCALAR);
  hid_t ds = space >= 0 ? H5Dcreate2 (g, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT,
                                      H5P_DEFAULT) : -1;
  gboolean ok = ds >= 0 && H5Dwrite (ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
  close_id (&ds, H5Dclose);
  close_id (&space, H5Sclose);
  return ok;
}

static gboolean
write_optimizer (hid_t f, const NnModel *m, const NnKerasOptimizer *opt, const int *order,
                 int n_order)
{
  hid_t og = H5Gcreate2 (f, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t vars = og >= 0 ? make_vars (og, NULL, opt->keras_name ? opt->keras_name : "adam") : -1;
  int n = 0;
  gboolean ok = vars >= 0
                && write_dataset (vars, n++, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL,
                                  &opt->iterations);
  if (ok && opt->has_learning_rate)
    ok = write_dataset (vars, n++, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 0, NULL,
                        &opt->learning_rate);
  /* Slots are indexed by the engine's order of trainable variables, and stored in
   * Keras's model.trainable_variables order (model.layers order). */
  g_autofree int *first = g_new0 (int, m->n_layers);
  for (int i = 0, t = 0; i < m->n_layers; i++)
    {
      first[i] = t;
      for (int v = 0; v < m->layers[i].n_vars; v++)
        t += m->layers[i].trainable && m->layers[i].vars[v].trainable;
    }
  for (int k = 0; k < n_order && ok && opt->slots_per_var > 0; k++)
    {
      const NnLayer *l = &m->layers[order[k]];
      if (!l->trainable)
        continue;
      for (int v = 0, t = first[order[k]]; v < l->n_vars && ok; v++)
        {
          if (!l->vars[v].trainable)
            continue;
          for (int s = 0; s < opt->slots_per_var && ok; s++)
            {
              const float *data = opt->slots ? opt->slots[t * opt->slots_per_var + s] : NULL;
              ok = data != NULL
                   && write_dataset (vars, n++, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                     l->vars[v].ndim, l->vars[v].dims, data);
            }
          t++;
        }
    }
  close_id (&vars, H5Gclose);
  close_id (&og, H5Gclose);
  return ok;
}

static gboolean
write_layers (hid_t f, const NnModel *m, const int *order, int n_order, GPtrArray *keys)
{
  hid_t layers = H5Gcreate2 (f, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  gboolean ok = layers >= 0;
  for (int k = 0; k < n_order && ok; k++)
    {
      const NnLayer *l = &m->layers[order[k]];
      const char *key = g_ptr_array_index (keys, order[k]);
      if (key == NULL)
        continue;
      hid_t vars = make_vars (layers, key, l->name);
      ok = vars >= 0;
      for (int v = 0; v < l->n_vars && ok; v++)
        ok = write_dataset (vars, v, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, l->vars[v].ndim,
                            l->vars[v].dims, nn_model_var_data (m, &l->vars[v]));
      close_id (&vars, H5Gclose);
    }
  close_id (&layers, H5Gclose);
  return ok;
}

guint8 *
nn_keras_h5_write (const NnModel *m, const NnKerasSaveOptions *options, gsize *len,
                   GError **error)
{
  gboolean sequential = m->style == NN_MODEL_SEQUENTIAL && nn_keras_model_is_chain (m);
  g_autofree int *order = g_new (int, m->n_layers);
  int n_order = nn_keras_layer_order (m, sequential, order);
  g_autoptr (GPtrArray) keys = nn_keras_layer_keys (m, sequential, order, n_order);
  g_autofree char *name = image_name ();
  guint8 *image = NULL;
  hid_t fapl = -1, f = -1, root_vars = -1;
  h5_enter ();
  fapl = H5Pcreate (H5P_FILE_ACCESS);
  gboolean ok = fapl >= 0 && H5Pset_fapl_core (fapl, 1 << 20, 0) >= 0
                && (f = H5Fcreate (name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) >= 0
                && (root_vars = make_vars (f, NULL, m->name ? m->name : "model")) >= 0
                && write_layers (f, m, order, n_order, keys)
                && (options == NULL || options->optimizer == NULL
                    || write_optimizer (f, m, options->optimizer, order, n_order))
                && H5Fflush (f, H5F_SCOPE_GLOBAL) >= 0;
  close_id (&root_vars, H5Gclose);
  if (ok)
    {
      ssize_t size = H5Fget_file_image (f, NULL, 0);
      ok = size > 0;
      if (ok)
        {
          image = g_malloc (size);
          ok = H5Fget_file_image (f, image, size) == size;
          *len = (gsize) size;
        }
    }
  close_id (&f, H5Fclose);
  close_id (&fapl, H5Pclose);
  g_mutex_unlock (&h5_lock);
  if (!ok)
    {
      g_clear_pointer (&image, g_free);
      g_set_error (error, NN_ERROR, NN_ERROR_IO, "Cannot build model.weights.h5 for model “%s” "
                   "(HDF5 failed; is the optimizer state complete?)", m->name);
    }
  return image;
}
