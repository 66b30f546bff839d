"""Input checks for linear Gaussian models: each names the matrix and the failed property."""

import numpy as np
import pytest

from seqtherm.errors import InvalidInputError
from seqtherm.models.gaussian import LinearGaussianModel

GOOD = dict(A=[[0.8, 0.3], [0.0, 0.5]], C=[[1.0, 0.5], [0.0, 1.0]], Q=[[1, 0], [0, 1]], R=[[1, 0], [0, 1]])


def with_entry(key, value):
    options = dict(GOOD)
    options[key] = value
    return options


@pytest.mark.parametrize(
    "key, value, pattern",
    [
        ("A", [[0.8, 0.3, 0.0], [0.0, 0.5, 0.0]], "matrix A has shape"),
        ("C", [[1.0, 0.5, 0.2]], "matrix C has shape"),
        ("Q", [[1.0]], "matrix Q has shape"),
        ("R", [[1.0, 0.0, 0.0]] * 3, "matrix R has shape"),
        ("Q", [[1.0, 0.5], [0.0, 1.0]], "matrix Q is not symmetric"),
        ("R", [[1.0, 2.0], [2.0, 1.0]], "matrix R is not positive definite"),
        ("Q", [[0.0, 0.0], [0.0, 1.0]], "matrix Q is not positive definite"),
        ("A", [[np.nan, 0.0], [0.0, 0.5]], "matrix A has NaN or infinite"),
        ("C", [[np.inf, 0.0], [0.0, 1.0]], "matrix C has NaN or infinite"),
        ("A", [[0.8, 0.3], [0.5]], "matrix A must be a number or a 2-D list"),
        ("A", [0.8, 0.3], "matrix A must be 2-D"),
        ("R", "abc", "matrix R must be a number or a 2-D list"),
    ],
)
def test_state_space_input_rejected(key, value, pattern):
    with pytest.raises(InvalidInputError, match=pattern):
        LinearGaussianModel.from_state_space(**with_entry(key, value))


def test_innovation_form_bad_s_rejected():
    with pytest.raises(InvalidInputError, match="matrix S is not positive definite"):
        LinearGaussianModel(A=0.9, C=1.0, K=0.5, S=-1.0)
    with pytest.raises(InvalidInputError, match="matrix K has shape"):
        LinearGaussianModel(A=0.9, C=1.0, K=[[0.5, 0.1]], S=1.0)


def test_scalars_accepted():
    model = LinearGaussianModel.from_state_space(0.9, 1, 1, 1)
    assert model.A.shape == (1, 1)
    assert model.S.shape == (1, 1)
