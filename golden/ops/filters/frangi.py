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


def itk_peer(p, ndim, dtype):
    """ITK's multi-scale Hessian objectness for tubes at the same sigmas (its own measure and boundary rule)."""
    if p.get("mode", "reflect") not in ("reflect", "nearest", "mirror"):  # ITK's Hessian extends the border
        return None
    return _ridges.objectness_itk(p.get("sigmas", (1, 3, 5, 7, 9)), p.get("black_ridges", True), p.get("alpha", 0.5),
                                  p.get("beta", 0.5), p.get("gamma"))
