"""filters.sato: Sato tubeness (scikit-image 0.26, filters/ridges.py; shared cases in _ridges.py)."""
from skimage import filters

from . import _ridges

OP = "filters.sato"
call = _ridges.make_call(filters.sato)


def cases(I):
    yield from _ridges.cases(I, [], 2)


def random_case(rng):
    return _ridges.random_case(rng, lambda r: {})


scipy_peer = None
opencv_peer = None
itk_peer = None
