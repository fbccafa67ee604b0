"""Handing numpy arrays to the C functions: their addresses in ctypes structures."""

from __future__ import annotations

import ctypes

import numpy as np


def address(array: np.ndarray | None) -> int | None:
    """Where the array's data starts (None for no array: a NULL pointer)."""
    return None if array is None else int(array.ctypes.data)


def pointing_at(structure: type[ctypes.Structure], owner: object) -> ctypes.Structure:
    """A ``structure`` whose pointer fields point at ``owner``'s arrays of the same names."""
    made = structure()
    for field in structure._fields_:
        value = getattr(owner, field[0], None)
        if isinstance(value, np.ndarray):
            setattr(made, field[0], address(value))
    return made
