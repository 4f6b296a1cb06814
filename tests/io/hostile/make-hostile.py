#!/usr/bin/env python3
"""make-hostile.py: the hand-made hostile files of tests/io/hostile (see README.md).

  make-hostile.py small DIR   the committed ones (needs h5py: Debian's python3-h5py)
  make-hostile.py big DIR     the ones too big to commit, made at test time
                              (standard library only; about 2 s)
  make-hostile.py wrap H5 OUT a .keras holding weights file H5 (say, one the
                              fuzz-keras-weights target crashed on) with the
                              baseline's config and metadata

Every file starts from models/mnist_baseline.keras, so each differs from a real
model in the one way its name says.
"""
import io
import json
import os
import struct
import sys
import zipfile
import zlib

SOURCE = os.environ.get("DIGITS_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..")
BASELINE = os.path.join(SOURCE, "models", "mnist_baseline.keras")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def baseline():
    with zipfile.ZipFile(BASELINE) as z:
        return {n: z.read(n) for n in ("metadata.json", "config.json", "model.weights.h5")}


def write_keras(path, entries, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w") as z:
        for name in ("metadata.json", "config.json", "model.weights.h5"):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o600 << 16
            z.writestr(info, entries[name], compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)


# ---- made with the standard library -------------------------------------------

def float_size_4gib(path):
    """(ii) the kernel's float datatype message says 4 GiB per element."""
    e = baseline()
    h5 = bytearray(e["model.weights.h5"])
    # Datatype message of an IEEE little-endian float32 (version 1, class 1): the
    # 4-byte size follows the class and its three bit-field bytes.
    pattern = bytes([0x11, 0x20, 0x1f, 0x00, 0x04, 0x00, 0x00, 0x00])
    at = h5.find(pattern)
    assert at >= 0, "no float32 datatype message in the baseline weights"
    h5[at + 4:at + 8] = struct.pack("<I", 0xFFFFFFFC)
    e["model.weights.h5"] = bytes(h5)
    write_keras(path, e)


def config_63mb(path):
    """(iii) config.json padded to 63 MB with `{},` in a key the reader ignores."""
    e = baseline()
    config = json.loads(e["config.json"])
    pad = "[" + "{}," * (21 * 1000 * 1000) + "{}]"
    text = json.dumps(config)[:-1] + ', "padding": ' + pad + "}"
    e["config.json"] = text.encode()
    write_keras(path, e, zipfile.ZIP_DEFLATED)


def deflate_zeros(n_mib):
    """A raw deflate stream of n_mib MiB of zeros, made from one compressed MiB
    repeated (each copy ends on a full flush, so copies can follow each other)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(n_mib):
        crc = zlib.crc32(zeros, crc)
    return block * n_mib + b"\x03\x00", crc   # \x03\x00: an empty final block


def write_raw_zip(path, entries):
    """A zip from (name, method, raw_data, crc, uncompressed_size) tuples."""
    out = io.BytesIO()
    central = []
    for name, method, raw, crc, size in entries:
        offset = out.tell()
        n = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0x21,
                              crc, len(raw), size, len(n), 0) + n + raw)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, (3 << 8) | 20, 20, 0,
                                   method, 0, 0x21, crc, len(raw), size, len(n), 0, 0, 0, 0,
                                   0o600 << 16, offset) + n)
    cd_at = out.tell()
    cd = b"".join(central)
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(entries), len(entries),
                               len(cd), cd_at, 0))
    with open(path, "wb") as f:
        f.write(out.getvalue())


def weights_padded_1gib(path):
    """(iv) a valid weights file followed by zeros up to 1 GiB - 1 MiB, deflated
    (about 1 MB on disk, under the reader's 1 GiB entry cap)."""
    e = baseline()
    h5 = e["model.weights.h5"]
    pad_mib = 1023
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(h5) + c.flush(zlib.Z_FULL_FLUSH)
    tail, _ = deflate_zeros(pad_mib)
    crc = zlib.crc32(h5)
    zeros = bytes(1 << 20)
    for _ in range(pad_mib):
        crc = zlib.crc32(zeros, crc)
    entries = []
    for name in ("metadata.json", "config.json"):
        raw = e[name]
        entries.append((name, 0, raw, zlib.crc32(raw), len(raw)))
    entries.append(("model.weights.h5", 8, head + tail, crc, len(h5) + (pad_mib << 20)))
    write_raw_zip(path, entries)


def idx_1_3m(images_path, labels_path):
    """(ix) a gzipped IDX pair that declares (and holds) 1.3 million blank images."""
    n = 1300 * 1000
    for path, header, size in ((images_path, struct.pack(">IIII", 0x803, n, 28, 28), n * 784),
                               (labels_path, struct.pack(">II", 0x801, n), n)):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
        crc = zlib.crc32(header)
        mib, rest = divmod(size, 1 << 20)
        body, _ = deflate_zeros(mib)
        raw += body[:-2]
        zeros = bytes(1 << 20)
        for _ in range(mib):
            crc = zlib.crc32(zeros, crc)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        raw += c.compress(bytes(rest)) + c.flush()
        crc = zlib.crc32(bytes(rest), crc)
        with open(path, "wb") as f:
            f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw +
                    struct.pack("<II", crc, (len(header) + size) & 0xFFFFFFFF))


# ---- made with h5py -------------------------------------------------------------

def h5_bytes(build):
    import h5py
    f = io.BytesIO()
    with h5py.File(f, "w") as h:
        h.create_group("vars")
        build(h)
    return f.getvalue()


def dense_vars(h, name, kernel, bias, **kw):
    g = h.create_group("layers/" + name + "/vars")
    g.create_dataset("0", data=kernel, **kw)
    g.create_dataset("1", data=bias)


def chunk_1gib(path):
    """(v) the Dense kernel is one deflated chunk that inflates to 1 GiB (the chunk's
    nominal size is 31 KB; HDF5's deflate filter keeps inflating)."""
    import numpy as np

    def build(h):
        h.create_group("layers/flatten/vars")
        dense_vars(h, "dense", np.zeros((784, 10), "<f4"), np.zeros(10, "<f4"),
                   chunks=(784, 10), compression="gzip")
        bomb = zlib.compress(bytes(1 << 30), 9)
        h["layers/dense/vars/0"].id.write_direct_chunk((0, 0), bomb)
    e = baseline()
    e["model.weights.h5"] = h5_bytes(build)
    write_keras(path, e, zipfile.ZIP_DEFLATED)


def huge_weights(path):
    """(vii) finite weights of +-3e38: the logits overflow to inf and softmax to NaN."""
    import numpy as np
    rng = np.random.default_rng(1)

    def build(h):
        h.create_group("layers/flatten/vars")
        kernel = np.where(rng.random((784, 10)) < 0.5, -3e38, 3e38).astype("<f4")
        dense_vars(h, "dense", kernel, np.full(10, 3e38, "<f4"))
    e = baseline()
    e["model.weights.h5"] = h5_bytes(build)
    write_keras(path, e, zipfile.ZIP_DEFLATED)


def layer(class_name, name, **config):
    config.update(name=name, trainable=True, dtype="float32")
    return {"module": "keras.layers", "class_name": class_name, "config": config,
            "registered_name": None}


def thousand_layers(path):
    """(vi) a valid model: a 1x1 convolution to 2,674 channels (8 MiB of activations
    per image, just under the reader's per-layer cap), then 997 parameter-free
    ReLU layers of the same size, then pooling and a Dense layer: about 8.4 GB of
    activations for one image if every layer's output is kept."""
    import numpy as np
    filters = 2674
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": [None, 28, 28, 1], "dtype": "float32",
                          "name": "input_layer"}, "registered_name": None},
              layer("Conv2D", "conv2d", filters=filters, kernel_size=[1, 1], strides=[1, 1],
                    padding="same", activation="linear", use_bias=True,
                    data_format="channels_last")]
    layers += [layer("Activation", "activation_%d" % i, activation="relu") for i in range(997)]
    layers += [layer("GlobalAveragePooling2D", "pool", data_format="channels_last"),
               layer("Dense", "dense", units=10, activation="softmax", use_bias=True)]
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "sequential", "trainable": True, "dtype": "float32",
                         "layers": layers}, "registered_name": None}
    # Patterned weights, so that the file deflates small.
    def build(h):
        dense_vars(h, "conv2d", np.linspace(-1, 1, filters, dtype="<f4").reshape(1, 1, 1, -1),
                   np.zeros(filters, "<f4"))
        for i in range(997):
            h.create_group("layers/activation_%d/vars" % i)
        h.create_group("layers/pool/vars")
        dense_vars(h, "dense", np.tile(np.linspace(-0.05, 0.05, 10, dtype="<f4"), (filters, 1)),
                   np.zeros(10, "<f4"))
    e = baseline()
    e["config.json"] = json.dumps(config).encode()
    e["model.weights.h5"] = h5_bytes(build)
    write_keras(path, e, zipfile.ZIP_DEFLATED)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "wrap":
        e = baseline()
        with open(sys.argv[2], "rb") as f:
            e["model.weights.h5"] = f.read()
        write_keras(sys.argv[3], e)
        return
    if len(sys.argv) != 3 or sys.argv[1] not in ("small", "big"):
        sys.exit(__doc__)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    if sys.argv[1] == "small":
        float_size_4gib(p("float-size-4gib.keras"))
        config_63mb(p("config-63mb.keras"))
        chunk_1gib(p("chunk-inflates-1gib.keras"))
        thousand_layers(p("thousand-layers.keras"))
        huge_weights(p("huge-weights.keras"))
    else:
        weights_padded_1gib(p("weights-padded-1gib.keras"))
        os.makedirs(p("idx-1.3m"), exist_ok=True)
        idx_1_3m(p("idx-1.3m/t10k-images-idx3-ubyte.gz"), p("idx-1.3m/t10k-labels-idx1-ubyte.gz"))


if __name__ == "__main__":
    main()
