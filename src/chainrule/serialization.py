"""``chainrule.save`` / ``chainrule.load``: checkpoints as NumPy ``.npz`` files, never pickle.

A checkpoint is one object: a tensor, an array, a number, a string, ``None``, a bool, or any nesting
of dicts, lists and tuples of those (a model's ``state_dict``, an optimiser's, the epoch, the RNG
state, all in one dict, as with ``torch.save``). On disk it is a zip archive in NumPy's ``.npz``
layout, so ``numpy.load(path)`` can read its arrays too:

* ``__chainrule__.json``: the header, ``{"format": "chainrule.checkpoint", "version": 1,
  "root": ...}``, where ``root`` describes the object as JSON and names an array member wherever a
  tensor or array sits;
* ``t0.npy``, ``t1.npy``, ...: one ``.npy`` member per distinct tensor or array, in its own dtype.

Loading parses JSON and ``.npy`` headers only (``allow_pickle=False``), so a hostile file can
make ``load`` fail but never run code. Every member carries a CRC-32 that is checked as it is read:
a truncated, corrupted or foreign file raises :class:`CheckpointError` naming the file and what is
wrong with it.

Writes are atomic: the archive goes to a temporary file in the destination's directory, is flushed
and ``fsync``-ed, then ``os.replace``-d over the destination. A crash or Ctrl-C mid-write leaves
the previous file intact. The file gets the mode ``open`` would give it (0644 under umask 022).

A path ending in ``.safetensors`` is written and read in the safetensors format instead (the
``safetensors`` extra): a flat dict of named tensors, which PyTorch reads with
``safetensors.torch.load_file`` and writes with ``save_file``, so a ``state_dict`` moves between
the two libraries. Nested values are refused, naming the key; a damaged file raises
:class:`CheckpointError` naming it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any

import numpy as np
from numpy.lib import format as npy_format

from . import dtypes as _dt
from .tensor import Tensor

FORMAT = "chainrule.checkpoint"
VERSION = 1
HEADER = "__chainrule__.json"

PathLike = str | os.PathLike


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read: truncated, corrupted, foreign, or too new."""


# --------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success, fsync it and rename it over ``path``.

    If the block raises (or the process dies), ``path`` keeps its previous content and the
    temporary file is removed (after a hard kill, a hidden ``.<name>.*.tmp`` file may remain).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        # mkstemp creates the file 0600; give it the mode open() would (0666 less the umask)
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def _umask() -> int:
    """The process's umask: Linux reports it in /proc; elsewhere it is read by setting it and
    putting it back (POSIX has no getter)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- encoding
class _Encoder:
    """Turn an object into a JSON tree plus a list of arrays (one per distinct tensor/array)."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._seen: dict[int, str] = {}  # id(tensor or array) -> member name: sharing survives

    def _member(self, obj: Any, arr: np.ndarray) -> str:
        key = self._seen.get(id(obj))
        if key is None:
            key = f"t{len(self.arrays)}"
            self._seen[id(obj)] = key
            self.arrays.append(arr)
        return key

    def encode(self, obj: Any, where: str) -> Any:
        if isinstance(obj, np.generic):  # before float: np.float64 subclasses float
            return {"__scalar__": self._member(obj, self._array(np.asarray(obj), where))}
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if isinstance(obj, Tensor):
            arr = self._array(obj._data, where)
            node = {"key": self._member(obj, arr)}
            if obj.requires_grad:
                node["requires_grad"] = True
            return {"__tensor__": node}
        if isinstance(obj, np.ndarray):
            return {"__ndarray__": self._member(obj, self._array(obj, where))}
        if isinstance(obj, np.dtype):
            return {"__dtype__": obj.str}
        if isinstance(obj, _dt.dtype):  # chainrule.float32 (a Tensor's .dtype)
            return {"__torch_dtype__": obj.dtype.str}
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj):
                return {"__dict__": {k: self.encode(v, f"{where}[{k!r}]") for k, v in obj.items()}}
            return {"__items__": [[self._key(k, where), self.encode(v, f"{where}[{k!r}]")]
                                  for k, v in obj.items()]}
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(
            f"save(): cannot store an object of type {type(obj).__name__} at {where}; a checkpoint "
            "holds tensors, arrays, numbers, strings, None, bools, and dicts/lists/tuples of them"
        )

    def _key(self, key: Any, where: str) -> Any:
        if key is None or isinstance(key, (bool, int, float, str)):
            return self.encode(key, where)
        if isinstance(key, tuple):
            return {"__tuple__": [self._key(k, where) for k in key]}
        raise TypeError(
            f"save(): cannot store a dict key of type {type(key).__name__} ({key!r}) at {where}; "
            "keys must be strings, numbers, bools, None or tuples of them"
        )

    @staticmethod
    def _array(arr: np.ndarray, where: str) -> np.ndarray:
        if arr.dtype.hasobject or arr.dtype.kind == "V":
            raise TypeError(
                f"save(): the array at {where} has dtype {arr.dtype}, which cannot be stored "
                "without pickle; use a numeric, bool or string dtype"
            )
        return arr


def save(obj: Any, f: PathLike | IO[bytes]) -> None:
    """Save ``obj`` (tensors, arrays, numbers, strings and dicts/lists/tuples of them) to ``f``.

    ``f`` is a path (written atomically) or a binary file object such as ``io.BytesIO``.
    The same tensor appearing twice is stored once and loads as one tensor.
    """
    if _is_safetensors(f):
        _save_safetensors(obj, f)
        return
    enc = _Encoder()
    root = enc.encode(obj, "obj")
    header = json.dumps({"format": FORMAT, "version": VERSION, "root": root}, allow_nan=False)
    if isinstance(f, (str, os.PathLike)):
        with atomic_write(f) as out:
            _write_archive(out, header, enc.arrays)
    else:
        _write_archive(f, header, enc.arrays)


def _write_archive(f: IO[bytes], header: str, arrays: list[np.ndarray]) -> None:
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(HEADER, header)
        for i, arr in enumerate(arrays):
            with zf.open(f"t{i}.npy", "w", force_zip64=arr.nbytes > 2**30) as member:
                npy_format.write_array(member, np.asanyarray(arr), allow_pickle=False)


# --------------------------------------------------------------------------- decoding
def load(f: PathLike | IO[bytes], map_location: Any = None, weights_only: bool = True) -> Any:
    """Load an object written by :func:`save`. No code is executed, whatever the file holds.

    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility (chainrule runs
    on the CPU, and its checkpoints only ever hold data).
    """
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        if not os.path.exists(name):
            raise FileNotFoundError(f"load(): no such checkpoint file: {name!r}")
        if os.path.isdir(name):
            raise IsADirectoryError(f"load(): {name!r} is a directory, not a checkpoint file")
        if _is_safetensors(name):
            return _load_safetensors(name)
        with open(name, "rb") as fh:
            return _read_archive(fh, name)
    return _read_archive(f, str(getattr(f, "name", "<file object>")))


def _read_archive(fh: IO[bytes], name: str) -> Any:
    start = fh.read(4)
    fh.seek(-len(start), io.SEEK_CUR)
    if start[:2] != b"PK":
        what = "empty" if not start else f"it starts with bytes {start!r}, not a zip archive"
        raise CheckpointError(f"load(): {name!r} is not a chainrule checkpoint: {what}")
    try:
        zf = zipfile.ZipFile(fh)
    except Exception as e:  # zipfile raises many kinds on damaged input (struct, version, ...)
        raise CheckpointError(
            f"load(): {name!r} is truncated or corrupted: its zip directory cannot be read ({e})"
        ) from None
    with zf:
        members = set(zf.namelist())
        if HEADER not in members:
            listed = ", ".join(sorted(members)[:5]) or "none"
            raise CheckpointError(
                f"load(): {name!r} is a zip/npz archive but not a chainrule checkpoint "
                f"(no {HEADER}; members: {listed})"
            )
        try:
            header = json.loads(_read_member(zf, HEADER, name).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"load(): {name!r} has a corrupted header: {e}") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise CheckpointError(
                f"load(): {name!r} has a header that is not a chainrule checkpoint's "
                f"(format {header.get('format') if isinstance(header, dict) else None!r})"
            )
        version = header.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise CheckpointError(
                f"load(): {name!r} is checkpoint format version {version!r}; this chainrule reads "
                f"versions up to {VERSION}: upgrade chainrule"
            )
        return _Decoder(zf, name, members).decode(header.get("root"), "obj")


def _read_member(zf: zipfile.ZipFile, member: str, name: str) -> bytes:
    try:
        return zf.read(member)
    except Exception as e:  # damaged input: any failure to read is the file's fault
        raise CheckpointError(
            f"load(): {name!r} is truncated or corrupted in {member} ({e})"
        ) from None


class _Decoder:
    def __init__(self, zf: zipfile.ZipFile, name: str, members: set[str]) -> None:
        self.zf, self.name, self.members = zf, name, members
        self._cache: dict[str, Any] = {}

    def _fail(self, where: str, what: str) -> CheckpointError:
        return CheckpointError(f"load(): {self.name!r} is corrupted: {what} at {where}")

    def _array(self, key: Any, where: str) -> np.ndarray:
        member = f"{key}.npy"
        if not isinstance(key, str) or member not in self.members:
            raise self._fail(where, f"it refers to a missing array member {key!r}")
        try:
            with self.zf.open(member) as fh:
                arr = npy_format.read_array(fh, allow_pickle=False)
                if fh.read(1):
                    raise ValueError("trailing bytes after the array data")
        except Exception as e:  # damaged input: any failure to read is the file's fault
            raise CheckpointError(
                f"load(): {self.name!r} is truncated or corrupted in member {member} ({e})"
            ) from None
        return arr

    def decode(self, node: Any, where: str) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if not isinstance(node, dict) or len(node) != 1:
            raise self._fail(where, f"an unrecognised entry {str(node)[:60]}")
        ((tag, value),) = node.items()
        if tag == "__dict__" and isinstance(value, dict):
            return {k: self.decode(v, f"{where}[{k!r}]") for k, v in value.items()}
        if tag == "__items__" and isinstance(value, list):
            out = {}
            for item in value:
                if not isinstance(item, list) or len(item) != 2:
                    raise self._fail(where, "a malformed dict item")
                k = self.decode(item[0], where)
                out[k] = self.decode(item[1], f"{where}[{k!r}]")
            return out
        if tag == "__tuple__" and isinstance(value, list):
            return tuple(self.decode(v, f"{where}[{i}]") for i, v in enumerate(value))
        if tag == "__float__" and value in ("nan", "inf", "-inf"):
            return float(value)
        if tag in ("__dtype__", "__torch_dtype__") and isinstance(value, str):
            try:
                found = np.dtype(value)
            except TypeError:
                raise self._fail(where, f"an unknown dtype {value!r}") from None
            return _dt.wrap(found) if tag == "__torch_dtype__" else found
        if tag in ("__tensor__", "__ndarray__", "__scalar__"):
            key = value.get("key") if tag == "__tensor__" and isinstance(value, dict) else value
            if key not in self._cache:
                arr = self._array(key, where)
                if tag == "__tensor__":
                    t = Tensor._make(arr)
                    if value.get("requires_grad"):
                        t.requires_grad_(True)
                    self._cache[key] = t
                elif tag == "__scalar__":
                    self._cache[key] = arr[()]
                else:
                    self._cache[key] = arr
            return self._cache[key]
        raise self._fail(where, f"an unknown tag {tag!r}")


# --------------------------------------------------------------------------- safetensors
SAFETENSORS_SUFFIX = ".safetensors"


def _is_safetensors(f: Any) -> bool:
    return isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(SAFETENSORS_SUFFIX)


def _safetensors_numpy(what: str) -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"{what}(): files ending in {SAFETENSORS_SUFFIX} need the safetensors package: "
            "pip install 'chainrule[safetensors]'"
        ) from None
    return safetensors.numpy


def _save_safetensors(obj: Any, path: PathLike) -> None:
    """Write a flat ``{name: tensor}`` dict (a ``state_dict``) as a safetensors file."""
    st = _safetensors_numpy("save")
    name = os.fspath(path)
    if not isinstance(obj, dict):
        raise TypeError(
            f"save(): a {SAFETENSORS_SUFFIX} file holds a flat dict of named tensors (a state_dict), "
            f"got {type(obj).__name__}; use a .npz or other path for any other object"
        )
    arrays: dict[str, np.ndarray] = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save(): {name!r}: safetensors keys are strings, got {key!r}")
        if isinstance(value, Tensor):
            arr = value._data
        elif isinstance(value, (np.ndarray, np.generic)):
            arr = np.asarray(value)
        else:
            nested = "a nested " + type(value).__name__ if isinstance(value, (dict, list, tuple)) \
                else f"a {type(value).__name__}"
            raise TypeError(
                f"save(): {name!r}: the value at key {key!r} is {nested}; a {SAFETENSORS_SUFFIX} "
                "file holds a flat dict of tensors only (save a model's state_dict, or use a .npz path "
                "for nested checkpoints)"
            )
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"save(): {name!r}: the tensor at key {key!r} has dtype {arr.dtype}, which safetensors "
                "cannot store; use a bool, integer or floating dtype"
            )
        arrays[key] = np.ascontiguousarray(arr)
    data = st.save(arrays, metadata={"format": "pt"})  # "pt": what PyTorch's save_file writes
    with atomic_write(name) as out:
        out.write(data)


def _load_safetensors(name: str) -> dict[str, Tensor]:
    """Read a safetensors file into a ``{name: Tensor}`` dict (ready for ``load_state_dict``)."""
    st = _safetensors_numpy("load")
    with open(name, "rb") as fh:
        data = fh.read()
    if len(data) < 8:
        what = "empty" if not data else f"only {len(data)} bytes long"
        raise CheckpointError(f"load(): {name!r} is not a safetensors file: it is {what}")
    try:
        arrays = st.load(data)
    except Exception as e:  # SafetensorError and others: the file's fault, not the caller's
        raise CheckpointError(f"load(): {name!r} is truncated or corrupted safetensors ({e})") from None
    # the file's bytes are not ours to alias: each tensor owns a writeable copy
    return {key: Tensor._make(np.array(arr, copy=True)) for key, arr in arrays.items()}
