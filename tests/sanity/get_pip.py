"""Offline stand-in for the get-pip.py that ansible-test downloads.

ansible-test bootstraps pip into each sanity virtualenv with a script from a
host this machine cannot reach. This one does the same job with the pip wheel
that Python's ensurepip bundles: it installs the requested packages (pip==X
and friends, from the configured package index) into the running interpreter.
"""

import ensurepip
import glob
import os
import runpy
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}

wheel = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))[-1]
sys.path.insert(0, wheel)
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
sys.argv = ["pip", "install", "--upgrade", "--force-reinstall", *args]
runpy.run_module("pip", run_name="__main__", alter_sys=True)
