"""morphology.binary_closing: closing of a mask (nonzero is True), dilation then erosion."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.binary_closing"
ORDER = 7
call = morphology.binary_closing
IGNORED_WARNINGS = _shared.BINARY_DEPRECATION
cases = _shared.binary_cases
random_case = _shared.binary_random_case
scipy_peer = _shared.binary_scipy_peer(ndi.binary_closing)
opencv_peer = _shared.opencv_peer("CLOSE", binary=True)
itk_peer = None
