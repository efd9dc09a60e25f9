"""morphology.dilation: grayscale dilation, the maximum over the footprint (default: the cross)."""
import scipy.ndimage as ndi
from skimage import morphology

from . import _shared

OP = "morphology.dilation"
ORDER = 1
call = morphology.dilation
cases = _shared.gray_cases
random_case = _shared.gray_random_case
scipy_peer = _shared.gray_scipy_peer(ndi.grey_dilation)
opencv_peer = _shared.opencv_peer("DILATE", binary=False)
itk_peer = None
