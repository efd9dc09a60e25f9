"""color.rgb2gray: luminance of an RGB image (trailing channel axis), 0.2125 R + 0.7154 G + 0.0721 B."""
from skimage import color

from .. import case, peers, random_inputs

OP = "color.rgb2gray"
call = color.rgb2gray
CHANNEL_AXIS = -1


def cases(I):
    return [
        case(I.rgb("smooth", "u8", (48, 64, 3), 1), "uint8 smooth RGB"),
        case(I.rgb("smooth", "u16", (48, 64, 3), 1), "uint16 smooth RGB"),
        case(I.rgb("smooth", "f32", (48, 64, 3), 1), "float32 smooth RGB -> float32"),
        case(I.rgb("smooth", "f64", (48, 64, 3), 1), "float64 smooth RGB"),
        case(I.rgb("noise", "bool", (17, 23, 3), 2), "bool RGB -> float64 0/1"),
        case(I.rgb("camera", "u8", (64, 64, 3)), "camera-derived uint8 RGB"),
        case(I.rgb("camera", "f64", (64, 64, 3)), "camera-derived float64 RGB"),
        case(I.rgb("noise", "f64", (1, 23, 3), 3), "1xN float64 noise"),
        case(I.rgb("noise", "f32", (23, 1, 3), 4), "Nx1 float32 noise"),
        case(I.rgb("smooth", "f64n", (13, 17, 3), 5), "float64 outside [0,1]"),
        case(I.rgb("noise", "u8", (13, 17, 3), 6), "uint8 pure noise, prime size"),
        case(I.rgb("smooth", "u8", (9, 13, 16, 3), 7), "3-D volume uint8 RGB"),
        case(I.rgb("smooth", "f32", (7, 11, 5, 3), 8), "3-D volume float32 RGB"),
        case(I.rgb("smooth", "f64", (9, 13, 16, 3), 9), "3-D volume float64 RGB"),
        case(I.rgb("smooth", "u16", (7, 11, 5, 3), 10), "3-D volume uint16 RGB"),
        case(I.rgb("smooth", "u8", (17, 23, 4), 11), "RGBA rejected", error=True),
        case(I.rgb("smooth", "f64", (13, 17, 4), 12), "RGBA float rejected", error=True),
    ]


def random_case(rng):
    _, shape, dtype = random_inputs.shape_and_dtype(rng)
    return random_inputs.image(rng, shape + (3,), dtype), {}


scipy_peer = None
itk_peer = None


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv(dtype)
    if cv2 is None or ndim != 2:
        return None
    return lambda x: cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)
