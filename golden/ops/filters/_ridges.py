"""Shared by the Hessian ridge filters' descriptors (frangi, hessian, sato, meijering): their call, golden cases and
random cases. scikit-image casts the image to its float type without scaling (uint8 stays 0..255), runs
hessian_matrix(use_gaussian_derivatives=True) per sigma (truncate 100 for sigma <= 1: kernels of 143 taps at
sigma 1) and keeps the maximum response over sigmas."""
import numpy as np

from .. import case, peers, random_inputs
from ..params import MODES


def make_call(function):
    """function(image, sigmas=..., ...) with sigmas as skbench's text gives it back (one number or a tuple), passed
    as a list of Python floats as users write it (NumPy float64 scalars would make sato's float32 result float64)."""
    def call(image, sigmas=(1, 3, 5, 7, 9), **kwargs):
        return function(image, sigmas=[float(s) for s in np.atleast_1d(sigmas)], **kwargs)
    call.__name__ = function.__name__
    return call


def cases(I, own, share, refuses_4d=True):
    """The cases every ridge filter gets, then `own`: (note, params) pairs of the filter's own parameters; and a
    4-D image, which scikit-image's check_nD refuses (meijering takes it: refuses_4d=False).
    The four filters share the Hessian, its eigenvalues and the border rules in every backend, so the grid of
    dtypes x modes is dealt out among them: filter `share` (0..3) takes the pairs whose indices sum to it mod 4,
    every pair runs once, and each filter still sees every dtype and every mode.
    Each dtype's first 2-D and 3-D cases are single-scale and small: the sanitizer and emulator-schedule runs take
    the first case of each op x dtype x rank (golden::stratified), and the emulator runs every block thread as an
    OS thread."""
    for di, v in enumerate(["u8", "u16", "f32", "f64", "bool"]):
        inp = I.field("blobs" if v == "bool" else "smooth", v, (30, 36), 201 + di)
        for mi, mode in enumerate(MODES):
            if (di + mi) % 4 != share:
                continue
            sig = [(1.0, 2.0), (1.5,), (0.7, 2.5), (2.0,), (1.2, 3.0)][(mi + di) % 5]
            extra = dict(cval=[0.0, 0.3, 1.0, -0.5, 0.0][di]) if mode == "constant" else {}
            yield case(inp, f"{v} mode {mode} sigmas {sig}", sigmas=sig, mode=mode, **extra)
    yield case(I.field("smooth", "u8", (32, 40), 200), "all defaults (sigmas 1, 3, 5, 7, 9)")
    yield case(I.field("camera", "u8", (64, 64)), "the seed's call: sigmas [2], reflect, black ridges", sigmas=(2.0,),
               mode="reflect", black_ridges=True)
    yield case(I.field("noise", "f64", (28, 33), 210), "bright ridges (black_ridges false)", sigmas=(1.0, 2.0),
               black_ridges=False)
    yield case(I.field("noise", "f32", (28, 33), 211), "float32 bright ridges, constant", sigmas=(1.5,),
               black_ridges=False, mode="constant", cval=0.25)
    yield case(I.field("smooth", "f64n", (28, 33), 212), "float64 outside [0, 1]", sigmas=(0.5, 1.25))
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8, sigmas 1..3", sigmas=(1.0, 2.0, 3.0))
    yield case(I.field("noise", "u8", (3, 40), 213), "3x40 image", sigmas=(2.0,))
    yield case(I.field("noise", "f64", (17, 1), 214), "Nx1 image", sigmas=(1.0,))
    # 3-D volumes are small: the CUDA emulator runs each block's threads as OS threads, and a 3-D sigma is 27
    # passes of many blocks (a 10x12x14 volume at two sigmas took 8 s there).
    for vi, v in enumerate(["f64", "f32", "u8", "u16", "bool"]):
        yield case(I.field("blobs" if v == "bool" else "smooth", v, (6, 8, 9), 220 + vi), f"3-D {v}",
                   sigmas=((1.0,), (1.5,), (2.0,), (1.2,), (0.8,))[vi])
    yield case(I.field("noise", "f64", (7, 9, 10), 224), "3-D noise, wrap, bright ridges", sigmas=(1.5,),
               mode="wrap", black_ridges=False)
    yield case(I.field("smooth", "f32", (6, 8, 9), 225), "3-D float32 constant", sigmas=(2.0,), mode="constant",
               cval=0.5)
    yield case(I.field("smooth", "f64", (6, 8, 9), 226), "3-D float64, two sigmas", sigmas=(1.0, 2.5))
    for note, params in own:
        yield case(I.field("smooth", "f64", (30, 36), 230), note, sigmas=(1.0, 2.0), **params)
        yield case(I.field("smooth", "f32", (6, 8, 9), 231), "3-D " + note, sigmas=(1.5,), **params)
    if refuses_4d:
        yield case(I.field("smooth", "f64", (2, 3, 4, 5), 240), "4-D image", error=True, sigmas=(1.0,))


def random_case(rng, own):
    """A random image and parameters; `own(rng)`: the filter's own parameters."""
    _, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    sigmas = tuple(round(rng.uniform(0.5, 3.0), 3) for _ in range(rng.choice([1, 1, 2])))
    params = {"sigmas": sigmas, "mode": rng.choice(MODES), "black_ridges": rng.random() < 0.7}
    if params["mode"] == "constant":
        params["cval"] = round(rng.uniform(-0.5, 1.0), 3)
    params.update(own(rng))
    return image, params


def frangi_params(rng):
    """frangi's and hessian's own random parameters: alpha and beta, gamma."""
    p = {}
    if rng.random() < 0.3:
        p.update(alpha=round(rng.uniform(0.2, 1.0), 3), beta=round(rng.uniform(0.2, 1.0), 3))
    if rng.random() < 0.3:
        p["gamma"] = round(rng.uniform(0.5, 20.0), 3)
    return p


# The cuCIM seed's retina workload (skbench's seed.retina_vesselness): rgb2gray, then the four filters of the gray
# image with the seed's arguments. The steps before its last (filters.hessian), as FUSED_PEERS keys them.
RETINA_STEPS = ("color.rgb2gray", "filters.meijering", "filters.sato", "filters.frangi")
RETINA_KWARGS = dict(sigmas=[2], mode="reflect", black_ridges=True)


def retina_pipeline_skimage(rgb):
    """The seed's code in scikit-image: every filter computed, the last one's answer returned."""
    from skimage import color, filters
    gray = color.rgb2gray(rgb)
    for f in (filters.meijering, filters.sato, filters.frangi):
        f(gray, **RETINA_KWARGS)
    return filters.hessian(gray, **RETINA_KWARGS)


def objectness_itk(sigmas, black_ridges, alpha=0.5, beta=0.5, gamma=None):
    """ITK's multi-scale Hessian objectness for tubes (Frangi's measure at ITK's own definition: its Hessian,
    boundary rule and normalization; gamma None is ITK's default 5), or None without ITK, or for sigmas ITK's
    equispaced scales cannot give."""
    itk = peers.itk()
    sigmas = [float(s) for s in np.atleast_1d(sigmas)]
    if itk is None or (len(sigmas) > 2 and not np.allclose(np.diff(sigmas), sigmas[1] - sigmas[0])):
        return None

    def run(x):
        ndim = x.ndim
        image_type = itk.Image[itk.F, ndim]
        hessian_type = itk.Image[itk.SymmetricSecondRankTensor[itk.D, ndim], ndim]
        measure = itk.HessianToObjectnessMeasureImageFilter[hessian_type, image_type].New()
        measure.SetBrightObject(not black_ridges)
        measure.SetScaleObjectnessMeasure(False)
        measure.SetObjectDimension(1)
        measure.SetAlpha(alpha)
        measure.SetBeta(beta)
        if gamma is not None:
            measure.SetGamma(gamma)
        multi = itk.MultiScaleHessianBasedMeasureImageFilter[image_type, hessian_type, image_type].New()
        multi.SetInput(itk.image_view_from_array(np.ascontiguousarray(x, dtype=np.float32)))
        multi.SetHessianToMeasureFilter(measure)
        multi.SetSigmaStepMethodToEquispaced()
        multi.SetSigmaMinimum(min(sigmas))
        multi.SetSigmaMaximum(max(sigmas))
        multi.SetNumberOfSigmaSteps(len(sigmas))
        multi.Update()
        return itk.array_from_image(multi.GetOutput())
    return run
