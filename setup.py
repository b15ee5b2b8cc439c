"""Install mmwsss, the weakly supervised semantic segmentation plugin for MMSegmentation."""
from pathlib import Path

from setuptools import find_packages, setup


def read_version() -> str:
    """Read ``__version__`` from ``mmwsss/version.py`` without importing the package."""
    namespace: dict = {}
    exec(Path(__file__).with_name('mmwsss').joinpath('version.py').read_text(), namespace)
    return namespace['__version__']


setup(
    name='mmwsss',
    version=read_version(),
    description='Weakly supervised semantic segmentation (PSA/AffinityNet, EPS) '
    'from image-level labels, as an MMSegmentation 1.x plugin',
    long_description=Path(__file__).with_name('README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    # torch is deliberately not pinned here: GPU users bring their own build.
    install_requires=[
        'mmsegmentation>=1.2.0,<1.3.0',
        'mmengine>=0.10.7,<1.0',
        'mmcv>=2.0.0rc4,<2.2.0',
        'pydensecrf2',
        'numpy',
        'scipy',
        # pinned: image resizing differs between OpenCV releases (5.1.0.95 moves the
        # tests' recorded segmentation mIoU and the demo figures); 5.0.0.93 is the
        # build the recorded values and the README's figures come from
        'opencv-python==5.0.0.93',
        'Pillow',
        'matplotlib',
        'tqdm',
        'ftfy',
        'regex',
    ],
    extras_require={'tests': ['pytest', 'pytest-timeout']},
    license='Apache-2.0',
)
