# -*- Python -*-
# Runs every GoogleTest executable under <build>/unittests, one lit test per gtest case.
import os

import lit.formats

config.name = "lacc-unit"
config.suffixes = []
config.test_source_root = config.lacc_unittests_dir
config.test_exec_root = config.lacc_unittests_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
