"""Work beside the process: the forked child's result and its exception come back, and no child is left."""

from __future__ import annotations

import os

import pytest

from triagedesk.app.beside import Beside


def no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_result_comes_back_from_the_child() -> None:
    parent = os.getpid()
    other = Beside(lambda: (os.getpid(), list(range(100_000))))
    pid, numbers = other.result()
    assert pid != parent and numbers == list(range(100_000))  # computed in another process, whole
    assert no_child_left()


def test_the_childs_exception_is_raised_here() -> None:
    def fails() -> None:
        raise ValueError("a column the report cannot read")

    other = Beside(fails)
    with pytest.raises(ValueError, match="cannot read"):
        other.result()
    assert no_child_left()


def test_a_result_not_waited_for_ends_the_child() -> None:
    import time

    other = Beside(lambda: time.sleep(60))
    other.close()
    assert no_child_left()
