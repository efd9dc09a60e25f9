"""filters.hessian: Frangi's vesselness with gamma 15, responses <= 0 set to 1 (scikit-image 0.26,
filters/ridges.py; shared cases in _ridges.py)."""
from skimage import filters

from . import _ridges

OP = "filters.hessian"
call = _ridges.make_call(filters.hessian)


def cases(I):
    yield from _ridges.cases(I, [("alpha 0.3, beta 0.8", dict(alpha=0.3, beta=0.8)),
                                 ("gamma 2", dict(gamma=2.0))], 1)


def random_case(rng):
    return _ridges.random_case(rng, _ridges.frangi_params)


scipy_peer = None
opencv_peer = None
itk_peer = None
# The cuCIM seed's four filters of one gray image (seed.retina_vesselness) as scikit-image runs them.
FUSED_PEERS = {"skimage": {_ridges.RETINA_STEPS: lambda p, ndim, dtype: _ridges.retina_pipeline_skimage}}
