#!/usr/bin/python3
"""Checks .keras files against the layout Keras 3.12 writes (KERAS_FORMAT.md).

Usage: check-keras-layout.py FIXTURE OURS_CNN [OURS ...]

Every file is opened with zipfile, json and h5py, the way Keras itself opens it,
and checked entry by entry, key by key and group by group. OURS_CNN (the fixture
read and written back by Digits) must also match the fixture's weight layout
group for group: same group keys, same dataset names and shapes.
Exits 77 (skip) when h5py is not installed.
"""
import io
import json
import re
import sys
import zipfile

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py is not installed; skipping")
    sys.exit(77)

ENTRIES = ["metadata.json", "config.json", "model.weights.h5"]
WITH_BUILD_CONFIG = {"Conv2D", "DepthwiseConv2D", "SeparableConv2D", "BatchNormalization",
                     "Flatten", "Dense", "Add", "Concatenate"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def snake_case(name):
    # keras.src.utils.naming.to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def expected_keys(config):
    """Weight group key of each layer, in model.layers order, as saving_lib names them."""
    used, keys = {}, []
    for layer in config["config"]["layers"]:
        if config["class_name"] == "Sequential" and layer["class_name"] == "InputLayer":
            continue
        key = snake_case(layer["class_name"])
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        keys.append((key, layer))
    return keys


def check_zip(path, zf, ours):
    infos = zf.infolist()
    check([i.filename for i in infos] == ENTRIES, f"{path}: entries {[i.filename for i in infos]}")
    check(zf.comment == b"", f"{path}: archive comment")
    for i in infos:
        tag = f"{path}:{i.filename}"
        check(i.compress_type == zipfile.ZIP_STORED, f"{tag}: not stored")
        check(i.compress_size == i.file_size, f"{tag}: compressed size differs")
        check(i.flag_bits == 0, f"{tag}: flag bits {i.flag_bits}")
        check(i.extra == b"", f"{tag}: extra field {i.extra!r}")
        check(i.create_system == 3, f"{tag}: create_system {i.create_system}")
        check(i.create_version == 20 and i.extract_version == 20,
              f"{tag}: versions {i.create_version}/{i.extract_version}")
        check(i.external_attr == 0o600 << 16, f"{tag}: external_attr {oct(i.external_attr)}")
        if i.filename != "model.weights.h5":
            check(i.date_time == (1980, 1, 1, 0, 0, 0), f"{tag}: date {i.date_time}")


def check_json_text(path, name, text):
    value = json.loads(text)
    check(json.dumps(value) == text, f"{path}:{name}: not written as json.dumps writes it")
    return value


def check_config(path, config):
    top = list(config)
    want = ["module", "class_name", "config", "registered_name", "build_config"]
    check(top[:5] == want and top[5:] in ([], ["compile_config"]), f"{path}: top keys {top}")
    cls = config["class_name"]
    cfg = config["config"]
    if cls == "Sequential":
        check(config["module"] == "keras" and config["registered_name"] is None, f"{path}: module")
        check(list(cfg) == ["name", "trainable", "dtype", "layers", "build_input_shape"],
              f"{path}: Sequential config keys {list(cfg)}")
        check(config["build_config"] == {"input_shape": cfg["build_input_shape"]},
              f"{path}: build_config")
    else:
        check(cls == "Functional" and config["module"] == "keras.src.models.functional"
              and config["registered_name"] == "Functional", f"{path}: Functional header")
        check(list(cfg) == ["name", "trainable", "layers", "input_layers", "output_layers"],
              f"{path}: Functional config keys {list(cfg)}")
        check(config["build_config"] == {"input_shape": None}, f"{path}: build_config")
        for k in ("input_layers", "output_layers"):
            t = cfg[k]
            check(len(t) == 3 and isinstance(t[0], str) and t[1:] == [0, 0], f"{path}: {k} {t}")
    if "compile_config" in config:
        check(list(config["compile_config"]) == [
            "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
            "steps_per_execution", "jit_compile"], f"{path}: compile_config keys")
    names = set()
    for layer in cfg["layers"]:
        lcls = layer["class_name"]
        keys = ["module", "class_name", "config", "registered_name"]
        if lcls in WITH_BUILD_CONFIG:
            keys.append("build_config")
        if cls == "Functional":
            keys += ["name", "inbound_nodes"]
        check(list(layer) == keys, f"{path}: {lcls} entry keys {list(layer)}")
        lc = layer["config"]
        check(lc["name"] not in names, f"{path}: repeated layer name {lc['name']}")
        names.add(lc["name"])
        if lcls == "InputLayer":
            check(list(lc) == ["batch_shape", "dtype", "sparse", "ragged", "name"],
                  f"{path}: InputLayer config keys {list(lc)}")
        else:
            check(list(lc)[:3] == ["name", "trainable", "dtype"], f"{path}: {lc['name']} keys")
            check(lc["dtype"]["class_name"] == "DTypePolicy", f"{path}: {lc['name']} dtype")
        if cls == "Functional":
            check(layer["name"] == lc["name"], f"{path}: {lc['name']} outer name")
            nodes = layer["inbound_nodes"]
            check(len(nodes) == (0 if lcls == "InputLayer" else 1), f"{path}: {lc['name']} nodes")
            for node in nodes:
                check(list(node) == ["args", "kwargs"], f"{path}: {lc['name']} node keys")
    return names


def check_h5(path, data, config):
    f = h5py.File(io.BytesIO(data), "r")
    check(f.id.get_create_plist().get_version()[0] == 0, f"{path}: superblock version")
    check(dict(f.attrs) == {}, f"{path}: root attributes {dict(f.attrs)}")
    check(set(f) <= {"layers", "optimizer", "vars"} and {"layers", "vars"} <= set(f),
          f"{path}: root members {list(f)}")
    check(f["vars"].attrs["name"] == config["config"]["name"], f"{path}: /vars@name")
    check(len(f["vars"]) == 0, f"{path}: /vars holds datasets")
    expected = expected_keys(config)
    check(sorted(f["layers"]) == sorted(k for k, _ in expected),
          f"{path}: layer groups {sorted(f['layers'])} vs {sorted(k for k, _ in expected)}")
    for group in ("layers", "optimizer"):
        if group in f:
            check(dict(f[group].attrs) == {}, f"{path}: /{group} has attributes")

    def check_vars(g, tag):
        a = g.attrs.get_id("name")
        t = a.get_type()
        check(t.is_variable_str() and t.get_cset() == h5py.h5t.CSET_UTF8
              and a.shape == (), f"{tag}: @name is not a scalar variable-length UTF-8 string")
        check(list(g.attrs) == ["name"], f"{tag}: attributes {list(g.attrs)}")
        check(sorted(g, key=int) == [str(i) for i in range(len(g))], f"{tag}: dataset names")
        for name, ds in g.items():
            check(isinstance(ds, h5py.Dataset) and ds.chunks is None and ds.compression is None
                  and ds.maxshape == ds.shape and dict(ds.attrs) == {}
                  and ds.id.get_create_plist().get_layout() == h5py.h5d.CONTIGUOUS,
                  f"{tag}/{name}: not a plain contiguous dataset")
            check(ds.dtype.str in ("<f4", "<i8"), f"{tag}/{name}: dtype {ds.dtype}")

    for key, layer in expected:
        tag = f"{path}:layers/{key}"
        if key not in f["layers"]:
            continue
        check(list(f["layers"][key]) == ["vars"], f"{tag}: members {list(f['layers'][key])}")
        g = f["layers"][key]["vars"]
        check(g.attrs["name"] == layer["config"]["name"], f"{tag}: @name {g.attrs['name']}")
        check_vars(g, tag)
        for ds in g.values():
            check(ds.dtype.str == "<f4", f"{tag}: {ds.name} is not float32")
    if "optimizer" in f:
        g = f["optimizer"]["vars"]
        check_vars(g, f"{path}:optimizer/vars")
        check(g["0"].shape == () and g["0"].dtype.str == "<i8", f"{path}: iterations")
        # Then an optional scalar learning rate, then two slots (Adam's m and v) per
        # trainable variable in model.trainable_variables order: model.layers order,
        # frozen layers and BatchNormalization moving statistics left out.
        trainable = []
        for key, layer in expected:
            if not layer["config"].get("trainable", True) or key not in f["layers"]:
                continue
            shapes_ = [f["layers"][key]["vars"][str(i)].shape
                       for i in range(len(f["layers"][key]["vars"]))]
            if layer["class_name"] == "BatchNormalization":
                shapes_ = shapes_[:-2]
            trainable += shapes_
        first = 2 if "1" in g and g["1"].shape == () else 1
        got = [g[str(i)].shape for i in range(first, len(g))]
        want = [s for s in trainable for _ in range(2)]
        check(got == want, f"{path}: optimizer slots {got[:6]}... vs trainable variables "
              f"{want[:6]}...")
    return f


def shapes(f):
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
    return out


def main():
    fixture, files = sys.argv[1], sys.argv[2:]
    opened = {}
    for path in [fixture] + files:
        zf = zipfile.ZipFile(path)
        check_zip(path, zf, path != fixture)
        meta = check_json_text(path, "metadata.json", zf.read("metadata.json").decode())
        check(list(meta)[:2] == ["keras_version", "date_saved"], f"{path}: metadata keys")
        check(re.fullmatch(r"\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d", meta["date_saved"]) is not None,
              f"{path}: date_saved {meta['date_saved']}")
        config = check_json_text(path, "config.json", zf.read("config.json").decode())
        check_config(path, config)
        opened[path] = (check_h5(path, zf.read("model.weights.h5"), config), config)
    # Ours, written from the fixture, against the fixture: group for group.
    (fa, ca), (fb, cb) = opened[fixture], opened[files[0]]
    sa, sb = shapes(fa), shapes(fb)
    check(sa == sb, f"{files[0]}: datasets differ from the fixture: "
          f"{sorted(set(sa.items()) ^ set(sb.items()))[:10]}")
    groups = lambda f: sorted(n for n in f["layers"])
    check(groups(fa) == groups(fb), f"{files[0]}: layer groups differ from the fixture")
    check(ca["config"]["layers"] == cb["config"]["layers"], f"{files[0]}: layer configs differ")
    for path, (f, _) in opened.items():
        print(f"{path}: {len(shapes(f))} datasets, {len(f['layers'])} layer groups")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print("all layouts match")


main()
