"""The Python API, generated from skbench's registry: one function per op, with scikit-image's module path,
parameter names and defaults. Values travel to the C++ core as the CLI's parameter texts (one parser for both)."""
import inspect
import numbers
import operator
import sys
import types

import numpy as np

from . import _skbench

BACKEND_DEFAULT = "opt"

# Python types of each parameter kind, for signatures and stubs.
_KIND_ANNOTATIONS = {
    "float": "float",
    "float_list": "float | Sequence[float]",
    "int": "int",
    "bool": "bool",
    "choice": "str",
    "choice_list": "Sequence[str]",
    "footprint": "ArrayLike | str",
}


def default_value(param):
    """A parameter's default (CLI text in the registry) as the Python value scikit-image's signature shows."""
    text, kind = param["default"], param["kind"]
    if text is None:
        return None
    if kind == "float":
        return float(text)
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text == "true"
    if kind == "float_list":
        values = tuple(float(t) for t in text.split(","))
        return values[0] if len(values) == 1 else values
    if kind == "choice_list":
        return tuple(text.split(","))
    return text  # choice, footprint


def _number_text(value, name, op_id, integral=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op_id}: parameter {name}={value!r} is not a number")
    if integral:
        try:
            return str(operator.index(value))
        except TypeError:
            raise TypeError(f"{op_id}: parameter {name}={value!r} is not an integer") from None
    return repr(float(value))


def footprint_text(value, name, op_id):
    """A footprint as the CLI's text: an array (any truthy element is part of it) as array:RxC:bits; texts such as
    'disk:2' pass through."""
    if isinstance(value, str):
        return value
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], tuple):
        raise TypeError(f"{op_id}: parameter {name}: footprint sequences (decompositions) are not supported; "
                        f"pass the footprint array")
    mask = np.asarray(value)
    if mask.ndim == 0 or mask.size == 0:
        raise ValueError(f"{op_id}: parameter {name} is an empty footprint (shape {mask.shape})")
    bits = "".join("1" if v else "0" for v in mask.astype(bool).ravel())
    return "array:" + "x".join(str(n) for n in mask.shape) + ":" + bits


def param_text(param, value, op_id):
    """A Python parameter value as the CLI's text for the registry's parameter description."""
    kind, name = param["kind"], param["name"]
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{op_id}: parameter {name}={value!r} is not a bool")
        return "true" if value else "false"
    if kind == "float":
        return _number_text(value, name, op_id)
    if kind == "int":
        return _number_text(value, name, op_id, integral=True)
    if kind == "float_list":
        if isinstance(value, (str, bytes)):
            raise TypeError(f"{op_id}: parameter {name}={value!r} is not a number or a sequence of numbers")
        values = np.ravel(np.asarray(value, dtype=object)) if np.ndim(value) else [value]
        return ",".join(_number_text(v, name, op_id) for v in values)
    if kind == "choice":
        if not isinstance(value, str):
            raise TypeError(f"{op_id}: parameter {name}={value!r} is not a string")
        return value
    if kind == "choice_list":
        values = [value] if isinstance(value, str) else list(value)
        for v in values:
            if not isinstance(v, str):
                raise TypeError(f"{op_id}: parameter {name} holds {v!r}, not a string")
        return ",".join(values)
    if kind == "footprint":
        return footprint_text(value, name, op_id)
    raise RuntimeError(f"internal error: {op_id}: parameter {name} has an unknown kind {kind!r}")


_DTYPES = "bool, uint8, uint16, int32, int64, float32, float64"


def _as_array(value, what, op_id):
    """value as a NumPy array skbench can read: lists become arrays, byte-swapped data native (a copy)."""
    if value is None:
        raise TypeError(f"{op_id}: {what} is None, not an array")
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{op_id}: {what} is not an array ({e})") from None
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{op_id}: {what}: dtype {value.dtype} is not one skbench takes ({_DTYPES})")
    if not value.dtype.isnative:
        value = value.astype(value.dtype.newbyteorder("="))
    return value


class Op:
    """One registry op as a Python callable: checks and converts the arguments, calls the C++ core, shapes the
    result as scikit-image does (a scalar, an array, a list of arrays, a table)."""

    def __init__(self, desc, backend_order=()):
        self.desc = desc
        self.backend_order = list(backend_order)  # the registry's display order (ref, opt, cuda, cuda-emu)
        self.id = desc["id"]
        self.module, _, self.name = self.id.partition(".")
        self.params = {p["name"]: p for p in desc["params"]}
        self.extras = {e["name"]: e for e in desc["extra_inputs"]}
        self.signature = self._signature()
        P = inspect.Parameter
        params = self.signature.parameters.values()
        self._positional = [p.name for p in params if p.kind is P.POSITIONAL_OR_KEYWORD]
        self._defaults = {p.name: p.default for p in params if p.default is not P.empty}
        self._required = [p.name for p in params if p.default is P.empty]

    def _signature(self):
        P = inspect.Parameter
        params = [P("image", P.POSITIONAL_OR_KEYWORD)]
        for e in self.desc["extra_inputs"]:
            if e["optional"]:
                params.append(P(e["name"], P.KEYWORD_ONLY, default=None))
            else:
                params.append(P(e["name"], P.POSITIONAL_OR_KEYWORD))
        # The first parameter may be positional (gaussian(image, 2), median(image, footprint)); the others are
        # keyword-only, so that a positional call written for scikit-image's longer signatures fails loudly
        # instead of binding a value to the wrong name.
        for i, p in enumerate(self.desc["params"]):
            kind = P.POSITIONAL_OR_KEYWORD if i == 0 else P.KEYWORD_ONLY
            params.append(P(p["name"], kind, default=default_value(p)))
        params += [P("backend", P.KEYWORD_ONLY, default=BACKEND_DEFAULT), P("threads", P.KEYWORD_ONLY, default=None),
                   P("out", P.KEYWORD_ONLY, default=None)]
        # Keyword-only optional extras may sit before positional parameters in the list above; order them as
        # Python requires (positional kinds first, keyword-only after), keeping each group's order.
        params.sort(key=lambda p: p.kind == P.KEYWORD_ONLY)
        return inspect.Signature(params)

    def docstring(self):
        d = self.desc
        lines = [d["summary"] + ".", "", "Parameters", "----------", "image : ndarray",
                 f"    dtypes: {', '.join(d['input_dtypes'])}; "
                 f"{' or '.join(str(n) for n in d['spatial_ndims'])}-d"
                 + (f", trailing channel axis of {d['channels']}" if d["channels"] else "")
                 + (", symmetric matrices stacked on a leading axis" if d["stacked_symmetric"] else "") + "."]
        for e in d["extra_inputs"]:
            lines += [f"{e['name']} : ndarray{', optional' if e['optional'] else ''}",
                      f"    {e['help']} (dtypes: {', '.join(e['dtypes'])})."]
        for p in d["params"]:
            choices = f" One of {', '.join(p['choices'])}." if p["choices"] else ""
            lines += [f"{p['name']} : {_KIND_ANNOTATIONS[p['kind']]}, default {default_value(p)!r}",
                      f"    {p['help']}.{choices}"]
        order = self.backend_order + sorted(set(d["backends"]) - set(self.backend_order))
        backends = [b for b in order if d["backends"].get(b) == "yes"]
        lines += ["backend : str, default 'opt'",
                  f"    Where it runs: {', '.join(backends)} (ref: float64 reference; opt: float32, parallel).",
                  "threads : int, optional",
                  "    Worker threads for parallel backends; default: every hardware thread.",
                  "out : ndarray, optional",
                  "    C-contiguous array of the result's dtype and shape to write into (returned).", "",
                  "Returns", "-------"]
        names = d["output_names"] or sorted({n for ns in d["output_names_by_ndim"].values() for n in ns})
        if self.id == "measure.regionprops_table":
            lines += ["dict of str to ndarray", "    One column per property element, as scikit-image names them."]
        elif names:
            lines += ["list of ndarray", f"    {', '.join(names)} (by the image's dimensionality)."]
        else:
            lines += ["ndarray or scalar"]
        lines += ["", f"skbench op {self.id}; see `skbench list --params` for the CLI form."]
        return "\n".join(lines)

    def texts(self, bound):
        """The bound op parameters as CLI texts; None keeps scikit-image's None default."""
        texts = {}
        for name, p in self.params.items():
            value = bound[name]
            if value is self._defaults[name] and value is not None:
                continue  # the registry's own default (the C++ side parses it from its text)
            if value is None:
                if p["default"] is not None:
                    raise TypeError(f"{self.id}: parameter {name} cannot be None")
                continue
            texts[name] = param_text(p, value, self.id)
        return texts

    def bind(self, args, kwargs):
        """The call's arguments by name, defaults applied, as inspect.Signature.bind would give them (a few us
        instead of tens: it is most of the API's overhead on a fast op); a call that does not fit the signature is
        a TypeError naming the op."""
        if len(args) > len(self._positional):
            raise TypeError(f"{self.id}: takes {len(self._positional)} positional arguments "
                            f"({', '.join(self._positional)}) but {len(args)} were given")
        a = dict(self._defaults)
        a.update(zip(self._positional, args))
        for name, value in kwargs.items():
            if name not in self._defaults and name not in self._required:
                raise TypeError(f"{self.id}: got an unexpected keyword argument '{name}'")
            if name in self._positional[:len(args)]:
                raise TypeError(f"{self.id}: got multiple values for argument '{name}'")
            a[name] = value
        missing = [name for name in self._required if name not in a]
        if missing:
            raise TypeError(f"{self.id}: missing required argument(s) {', '.join(repr(m) for m in missing)}")
        return a

    @staticmethod
    def run_options(op_id, a):
        """(backend, threads) from bound arguments; threads 0 means every hardware thread."""
        backend, threads = a["backend"], a["threads"]
        if not isinstance(backend, str):
            raise TypeError(f"{op_id}: backend={backend!r} is not a string")
        if threads is None:
            threads = 0
        elif isinstance(threads, bool) or not isinstance(threads, numbers.Integral) or threads < 1:
            raise ValueError(f"{op_id}: threads={threads!r} is not a positive integer")
        return backend, int(threads)

    def prepare(self, args, kwargs):
        """(image, extras, texts, backend, threads, out) from a call's arguments; raises on bad ones."""
        a = self.bind(args, kwargs)
        image = _as_array(a["image"], "image", self.id)  # a list of arrays (H_elems) stacks on axis 0
        extras = []
        for name, e in self.extras.items():
            if a[name] is not None:
                extras.append((name, _as_array(a[name], name, self.id)))
        backend, threads = self.run_options(self.id, a)
        out = a["out"]
        if out is not None and not isinstance(out, np.ndarray):
            raise TypeError(f"{self.id}: out= is {type(out).__name__}, not a NumPy array")
        return image, extras, self.texts(a), backend, threads, out

    def __call__(self, *args, **kwargs):
        image, extras, texts, backend, threads, out = self.prepare(args, kwargs)
        result = _skbench.run(self.id, backend, image, extras, texts, threads, out)
        return self.shape_result(out if out is not None else result, image, extras, texts)

    def shape_result(self, result, image, extras, texts):
        if self.id == "measure.regionprops_table":
            return self._table(result, image, extras, texts)
        if result.ndim == 0:
            return result[()]  # a NumPy scalar of scikit-image's dtype
        spatial = image.ndim - (1 if self.desc["channels"] or self.desc["stacked_symmetric"] else 0)
        names = self.desc["output_names"] or self.desc["output_names_by_ndim"].get(str(spatial), [])
        if names:
            return list(result)  # views of the stacked result, in scikit-image's order
        return result

    def _table(self, result, image, extras, texts):
        properties = texts.get("properties", default_value(self.params["properties"]))
        if isinstance(properties, str):
            properties = properties.split(",")
        columns = _skbench.regionprops_columns(list(properties), image.ndim)
        intensity = dict(extras).get("intensity_image")
        table = {}
        for name, column in zip(columns, result):
            base = name.split("-")[0]
            if base in ("label", "bbox"):
                column = column.astype(np.int64)  # scikit-image's integer columns
            elif base in ("intensity_min", "intensity_max") and intensity is not None:
                column = column.astype(intensity.dtype)
            table[name] = column
        return table


def make_function(op):
    """A plain function (so help() and inspect show the real signature) that calls op."""
    def function(*args, **kwargs):
        return op(*args, **kwargs)

    function.__name__ = function.__qualname__ = op.name
    function.__module__ = "skbench." + op.module
    function.__doc__ = op.docstring()
    function.__signature__ = op.signature
    function.op = op
    return function


def install_functions(package, ops, make, what):
    """Puts make(op) for every user-facing op into submodules package.<category> (created in sys.modules, so that
    `import package.filters` works); returns the categories in registry order."""
    categories = []
    for op in ops.values():
        if op.desc["test_only"]:
            continue
        full = f"{package}.{op.module}"
        module = sys.modules.get(full)
        if module is None:
            module = types.ModuleType(full, f"skbench's ops {what} at scikit-image's {op.module} path.")
            module.__all__ = []
            sys.modules[full] = module
            setattr(sys.modules[package], op.module, module)
            categories.append(op.module)
        setattr(module, op.name, make(op))
        module.__all__.append(op.name)
    return categories
