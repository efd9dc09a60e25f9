"""feature.hessian_matrix: the Hessian's upper triangle per pixel (scikit-image 0.26, feature/corner.py), stacked.
0.26's default use_gaussian_derivatives=None means False (gaussian, then np.gradient twice) and warns that it
will change; True runs the Gaussian derivative passes of the ridge filters."""
from skimage import feature

from .. import case, random_inputs
from ..params import MODES

OP = "feature.hessian_matrix"
OUTPUTS = {2: ["Hrr", "Hrc", "Hcc"], 3: ["Hpp", "Hpr", "Hpc", "Hrr", "Hrc", "Hcc"]}
IGNORED_WARNINGS = [(FutureWarning, "use_gaussian_derivatives currently defaults to False")]
call = feature.hessian_matrix


def cases(I):
    yield case(I.field("camera", "u8", (48, 48)), "camera uint8, all defaults")
    for di, v in enumerate(["u8", "u16", "f32", "f64", "bool"]):
        inp = I.field("blobs" if v == "bool" else "smooth", v, (24, 30), 300 + di)
        for mi, mode in enumerate(MODES):
            s = [1.0, 1.5, 0.7, 2.0, 1.2][(mi + di) % 5]
            extra = dict(cval=[0.0, 0.3, 1.0, -0.5, 0.0][di]) if mode == "constant" else {}
            derivatives = (mi + di) % 2 == 0
            yield case(inp, f"{v} mode {mode} sigma {s}, gaussian derivatives {derivatives}", sigma=s, mode=mode,
                       use_gaussian_derivatives=derivatives, **extra)
    yield case(I.field("noise", "f64", (20, 26), 310), "order xy", sigma=1.5, order="xy")
    yield case(I.field("noise", "f32", (20, 26), 311), "order xy, gaussian derivatives", sigma=1.5, order="xy",
               use_gaussian_derivatives=True)
    yield case(I.field("noise", "f64", (20, 26), 312), "sigma 0: finite differences alone", sigma=0.0)
    yield case(I.field("smooth", "f64", (20, 26), 313), "sigma 0.5, gaussian derivatives (truncate 100)",
               sigma=0.5, use_gaussian_derivatives=True, mode="constant", cval=0.25)
    yield case(I.field("noise", "u8", (2, 30), 314), "2x30 image", sigma=1.0)
    yield case(I.field("noise", "f64", (1, 30), 315), "1x30 image, gaussian derivatives", sigma=1.0,
               use_gaussian_derivatives=True)
    for vi, v in enumerate(["f64", "f32", "u8", "u16", "bool"]):
        inp = I.field("blobs" if v == "bool" else "smooth", v, (8, 10, 12), 320 + vi)
        yield case(inp, f"3-D {v}", sigma=1.0)
        yield case(inp, f"3-D {v}, gaussian derivatives, reflect", sigma=1.5, mode="reflect",
                   use_gaussian_derivatives=True)
    yield case(I.field("smooth", "f32", (7, 9, 11), 323), "3-D float32 constant 0.5, gaussian derivatives",
               sigma=2.0, mode="constant", cval=0.5, use_gaussian_derivatives=True)
    yield case(I.field("smooth", "f64", (6, 7, 8), 324), "3-D order xy", error=True, sigma=1.0, order="xy")
    yield case(I.field("noise", "f64", (1, 30), 315), "an axis of 1: too short for np.gradient", error=True,
               sigma=1.0)


def random_case(rng):
    derivatives = rng.random() < 0.5
    while True:
        _, shape, dtype = random_inputs.shape_and_dtype(rng)
        if derivatives or min(shape) >= 2:  # np.gradient needs 2 elements along every axis
            break
    image = random_inputs.image(rng, shape, dtype)
    params = {"sigma": round(rng.uniform(0.3, 3.0), 3), "mode": rng.choice(MODES),
              "use_gaussian_derivatives": derivatives}
    if params["mode"] == "constant":
        params["cval"] = round(rng.uniform(-0.5, 1.0), 3)
    if len(shape) == 2 and rng.random() < 0.3:
        params["order"] = "xy"
    return image, params


scipy_peer = None
opencv_peer = None
itk_peer = None
