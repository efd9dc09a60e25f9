"""morphology.erosion: grayscale erosion, the minimum over the footprint (default: the cross)."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.erosion"
ORDER = 0
call = morphology.erosion
cases = _shared.gray_cases
random_case = _shared.gray_random_case
scipy_peer = _shared.gray_scipy_peer(ndi.grey_erosion)
opencv_peer = _shared.opencv_peer("ERODE", binary=False)
itk_peer = None
