"""Small synthetic astronomy data sets, made deterministically from a PRNG key.

No downloads: every data set is a pure function of a key and a few parameters,
so a notebook, its tests and its reference outputs see exactly the same data.
One module per data set.
"""
from .detection import detection_completeness
from .galaxies import galaxy_images
from .light_curves import light_curve_model, supernova_light_curve
from .lines import line_observations
from .morphology import morphology_classes
from .spectra import white_dwarf_spectrum

__all__ = ["line_observations", "detection_completeness", "white_dwarf_spectrum",
           "supernova_light_curve", "light_curve_model", "galaxy_images", "morphology_classes"]
