"""morphology.binary_opening: opening of a mask (nonzero is True), erosion then dilation."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.binary_opening"
ORDER = 6
call = morphology.binary_opening
IGNORED_WARNINGS = _shared.BINARY_DEPRECATION
cases = _shared.binary_cases
random_case = _shared.binary_random_case
scipy_peer = _shared.binary_scipy_peer(ndi.binary_opening)
opencv_peer = _shared.opencv_peer("OPEN", binary=True)
itk_peer = None
