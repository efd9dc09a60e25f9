"""filters.frangi: Frangi vesselness (scikit-image 0.26, filters/ridges.py; shared cases in _ridges.py)."""
from skimage import filters

from . import _ridges

OP = "filters.frangi"
call = _ridges.make_call(filters.frangi)


def cases(I):
    yield from _ridges.cases(I, [("alpha 0.3, beta 0.8", dict(alpha=0.3, beta=0.8)),
                                 ("gamma given (8)", dict(gamma=8.0))], 0)


def random_case(rng):
    return _ridges.random_case(rng, _ridges.frangi_params)


scipy_peer = None
opencv_peer = None
itk_peer = None
