"""filters.meijering: Meijering neuriteness (scikit-image 0.26, filters/ridges.py; shared cases in _ridges.py).
scikit-image takes any dimension here; skbench takes 2-D and 3-D."""
from skimage import filters

from . import _ridges

OP = "filters.meijering"
call = _ridges.make_call(filters.meijering)


def cases(I):
    yield from _ridges.cases(I, [("alpha 0.2", dict(alpha=0.2)), ("alpha -0.5", dict(alpha=-0.5))], 3,
                             refuses_4d=False)


def random_case(rng):
    def own(r):
        return {"alpha": round(r.uniform(-1.0, 1.0), 3)} if r.random() < 0.3 else {}
    return _ridges.random_case(rng, own)


scipy_peer = None
opencv_peer = None
itk_peer = None
