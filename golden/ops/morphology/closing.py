"""morphology.closing: grayscale closing, dilation then erosion (default footprint: the cross)."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.closing"
ORDER = 3
call = morphology.closing
cases = _shared.gray_cases
random_case = _shared.gray_random_case
scipy_peer = _shared.gray_scipy_peer(ndi.grey_closing)
opencv_peer = _shared.opencv_peer("CLOSE", binary=False)
itk_peer = None
