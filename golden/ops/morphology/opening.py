"""morphology.opening: grayscale opening, erosion then dilation (default footprint: the cross)."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.opening"
ORDER = 2
call = morphology.opening
cases = _shared.gray_cases
random_case = _shared.gray_random_case
scipy_peer = _shared.gray_scipy_peer(ndi.grey_opening)
opencv_peer = _shared.opencv_peer("OPEN", binary=False)
itk_peer = None
