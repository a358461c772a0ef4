"""The lazy top-level namespace: every advertised name resolves, and importing lmkit stays light."""
import importlib
import subprocess
import sys

import pytest

import lmkit


@pytest.mark.parametrize("name", sorted(lmkit.__all__))
def test_every_advertised_name_resolves(name):
    assert getattr(lmkit, name) is not None


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        lmkit.no_such_thing  # noqa: B018


def test_submodules_are_the_modules_on_disk():
    for name in lmkit._SUBMODULES:
        assert importlib.import_module(f"lmkit.{name}").__name__ == f"lmkit.{name}"


def test_import_lmkit_does_not_import_torch():
    code = "import sys, lmkit; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
