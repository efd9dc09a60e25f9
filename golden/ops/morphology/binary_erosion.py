"""morphology.binary_erosion: erosion of a mask (nonzero is True), the AND over the footprint."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.binary_erosion"
ORDER = 4
call = morphology.binary_erosion
IGNORED_WARNINGS = _shared.BINARY_DEPRECATION
cases = _shared.binary_cases
random_case = _shared.binary_random_case
scipy_peer = _shared.binary_scipy_peer(ndi.binary_erosion)
opencv_peer = _shared.opencv_peer("ERODE", binary=True)
itk_peer = None
