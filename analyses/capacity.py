"""How many neurons are enough: one hidden layer of 1 to 64 units, and Barron's rate.

    python analyses/capacity.py [--quick | --full] [--seeds N] [--epochs E] [--out DIR]
"""

import sys

from infoplane.cli import main

if __name__ == "__main__":
    sys.exit(main(["reproduce", "capacity", *sys.argv[1:]]))
