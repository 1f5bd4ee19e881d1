"""How the information plane of one set of tanh runs depends on the estimator: bins and KDE noise.

    python analyses/estimator_sensitivity.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "estimator_sensitivity", *sys.argv[1:]]))
