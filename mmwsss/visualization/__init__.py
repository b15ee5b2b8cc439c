"""Pictures of CAMs, pseudo labels, affinities and threshold curves."""
from .cam_overlay import cam_overlay, label_overlay
from .threshold_curve import plot_threshold_curve
from .affinity_picture import affinity_picture
from .random_walk_sweep_plot import plot_random_walk_sweep

__all__ = [
    'cam_overlay', 'label_overlay', 'plot_threshold_curve', 'affinity_picture',
    'plot_random_walk_sweep'
]
