"""scikit-learn's 8x8 digits with a 64-32-16-8-10 tanh MLP: the information plane by binning
and by the KDE bounds.

    python analyses/digits.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "digits", *sys.argv[1:]]))
