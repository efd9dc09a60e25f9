"""morphology.binary_dilation: dilation of a mask (nonzero is True), the OR over the mirrored footprint."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.binary_dilation"
ORDER = 5
call = morphology.binary_dilation
IGNORED_WARNINGS = _shared.BINARY_DEPRECATION
cases = _shared.binary_cases
random_case = _shared.binary_random_case
scipy_peer = _shared.binary_scipy_peer(ndi.binary_dilation)
opencv_peer = _shared.opencv_peer("DILATE", binary=True)
itk_peer = None
