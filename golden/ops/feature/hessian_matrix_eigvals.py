"""feature.hessian_matrix_eigvals: a symmetric matrix's eigenvalues per pixel, decreasing (scikit-image 0.26,
feature/corner.py: the 2-D closed form, NumPy's eigvalsh in 3-D). Its input is H_elems stacked on a leading axis;
call passes them as the list hessian_matrix returns."""
import numpy as np
from skimage import feature

from .. import case, inputs

OP = "feature.hessian_matrix_eigvals"


def call(H_elems):
    return feature.hessian_matrix_eigvals(list(H_elems))


def _hessian(I, name, kind, dtype, shape, seed, sigma):
    """hessian_matrix of a float64 field, stacked (an input as users pass it)."""
    image = inputs._camera_unit(shape) if kind == "camera" else inputs._smooth_unit(shape, seed)
    h = np.stack(feature.hessian_matrix(image, sigma, use_gaussian_derivatives=True))
    return I.raw(f"{name}_{np.dtype(dtype).name}", h.astype(dtype))


def _adversarial(ndim, dtype, seed):
    """Per pixel, a symmetric matrix with repeated, nearly repeated, zero or widely scaled eigenvalues: Q diag Q^T
    for a random rotation Q, and diagonal or block matrices (exact splits)."""
    g = np.random.default_rng(seed)
    n = 7 * 9
    mats = []
    for i in range(n):
        kind = i % 7
        base = g.normal(size=ndim)
        if kind == 0:
            diag = np.full(ndim, base[0])                       # all repeated
        elif kind == 1:
            diag = np.array([base[0]] * (ndim - 1) + [base[0] + 1e-7])  # nearly repeated
        elif kind == 2:
            diag = np.zeros(ndim)                               # the zero matrix
        elif kind == 3:
            diag = base * np.logspace(-6, 6, ndim)               # a wide dynamic range
        else:
            diag = base
        q, _ = np.linalg.qr(g.normal(size=(ndim, ndim)))
        m = np.diag(diag) if kind in (2, 5) else q @ np.diag(diag) @ q.T
        if kind == 6:  # one axis split off exactly
            m[0, 1:] = m[1:, 0] = 0
        mats.append((m + m.T) / 2)
    mats = np.array(mats).reshape(7, 9, ndim, ndim) if ndim == 2 else np.array(mats).reshape(3, 3, 7, ndim, ndim)
    rows, cols = np.triu_indices(ndim)
    return np.stack([mats[..., r, c] for r, c in zip(rows, cols)]).astype(dtype)


def cases(I):
    for v, dt in [("f64", np.float64), ("f32", np.float32)]:
        yield case(_hessian(I, "hessian2d_camera", "camera", dt, (40, 48), 0, 1.5), f"hessian_matrix of camera, {v}")
        yield case(_hessian(I, "hessian3d_smooth", "smooth", dt, (8, 10, 12), 330, 1.0),
                   f"3-D hessian_matrix of a smooth field, {v}")
        for ndim in (2, 3):
            yield case(I.raw(f"symmetric{ndim}d_adversarial_{v}", _adversarial(ndim, dt, 331 + ndim)),
                       f"{ndim}-D adversarial symmetric matrices, {v}")


def random_case(rng):
    ndim = rng.choice([2, 2, 3])
    shape = tuple(rng.randint(1, 12) for _ in range(ndim))
    g = np.random.default_rng(rng.randrange(1 << 30))
    scale = rng.choice([1.0, 1e-3, 1e3])
    h = g.normal(size=(ndim * (ndim + 1) // 2, *shape)) * scale
    if rng.random() < 0.3:  # repeated eigenvalues: diagonal matrices with equal entries
        h[:] = 0
        for k in (0, ndim if ndim == 2 else 3, 2 if ndim == 2 else 5):
            h[k] = h[0] if k else g.normal(size=shape)
    return h.astype(rng.choice([np.float32, np.float64])), {}


scipy_peer = None
opencv_peer = None
itk_peer = None
