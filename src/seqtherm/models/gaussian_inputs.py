"""Validation and parsing of the matrices that define a linear Gaussian model.

Every check raises `InvalidInputError` with a message that names the matrix, the
property that failed and the offending value, so the command line can show it as is.
Scalars are accepted for 1-by-1 matrices; everything else must be a 2-D nested list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from seqtherm.errors import InvalidInputError

# Relative tolerance for symmetry: round-off from a JSON file or from A P A^T is far
# below it, a typing error in one entry is far above it.
SYMMETRY_RTOL = 1e-10

STATE_SPACE_KEYS = ("A", "C", "Q", "R")
INNOVATION_FORM_KEYS = ("A", "C", "K", "S")


def as_matrix(name: str, value: Any) -> np.ndarray:
    """Convert a scalar or a 2-D nested list into a finite float64 matrix.

    A scalar becomes a 1-by-1 matrix. Raises `InvalidInputError` naming `name` for
    ragged lists, non-numeric entries, arrays that are not 2-D, empty arrays and
    NaN or infinite entries.
    """
    try:
        matrix = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            f"matrix {name} must be a number or a 2-D list of numbers, got {value!r} ({error})"
        ) from error
    if matrix.ndim == 0:
        matrix = matrix.reshape(1, 1)
    if matrix.ndim != 2:
        raise InvalidInputError(
            f"matrix {name} must be 2-D (a list of rows, or a scalar for 1-by-1), "
            f"got an array of shape {matrix.shape}: {value!r}"
        )
    if matrix.size == 0:
        raise InvalidInputError(f"matrix {name} is empty (shape {matrix.shape})")
    if not np.all(np.isfinite(matrix)):
        raise InvalidInputError(
            f"matrix {name} has NaN or infinite entries: {matrix.tolist()}; give finite numbers"
        )
    return matrix


def check_shape(name: str, matrix: np.ndarray, expected: tuple[int, int], reason: str) -> None:
    """Raise `InvalidInputError` unless `matrix` has shape `expected`; `reason` explains the expected shape."""
    if matrix.shape != expected:
        raise InvalidInputError(
            f"matrix {name} has shape {matrix.shape}, expected {expected} ({reason})"
        )


def check_symmetric_positive_definite(name: str, matrix: np.ndarray) -> np.ndarray:
    """Raise unless `matrix` is symmetric and positive definite; return its symmetric part.

    Symmetry is checked to a relative tolerance of `SYMMETRY_RTOL` of the largest
    entry, positive definiteness by a Cholesky factorisation.
    """
    if matrix.shape[0] != matrix.shape[1]:
        raise InvalidInputError(f"matrix {name} must be square, got shape {matrix.shape}")
    scale = max(float(np.max(np.abs(matrix))), np.finfo(np.float64).tiny)
    asymmetry = float(np.max(np.abs(matrix - matrix.T)))
    if asymmetry > SYMMETRY_RTOL * scale:
        raise InvalidInputError(
            f"matrix {name} is not symmetric (largest |{name} - {name}^T| entry is "
            f"{asymmetry:.3g}): {matrix.tolist()}; a covariance matrix must equal its transpose"
        )
    symmetric = 0.5 * (matrix + matrix.T)
    try:
        np.linalg.cholesky(symmetric)
    except np.linalg.LinAlgError:
        eigenvalues = np.linalg.eigvalsh(symmetric)
        raise InvalidInputError(
            f"matrix {name} is not positive definite (smallest eigenvalue "
            f"{eigenvalues.min():.3g}): {matrix.tolist()}; a noise covariance must have "
            "positive eigenvalues"
        ) from None
    return symmetric


def validate_dynamics(A: Any, C: Any) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Validate a square A and a C with one column per state; return them with d_state and d_obs."""
    A = as_matrix("A", A)
    C = as_matrix("C", C)
    d_state = A.shape[0]
    check_shape("A", A, (d_state, d_state), "the transition matrix must be square")
    check_shape("C", C, (C.shape[0], d_state), f"C needs one column per state, and A has {d_state} states")
    return A, C, d_state, C.shape[0]


def validate_state_space(A: Any, C: Any, Q: Any, R: Any) -> tuple[np.ndarray, ...]:
    """Validate x_{t+1} = A x_t + w, y_t = C x_t + v with w ~ N(0, Q), v ~ N(0, R).

    Shapes: A (d_state, d_state), C (d_obs, d_state), Q (d_state, d_state),
    R (d_obs, d_obs). Q and R must be symmetric positive definite.
    """
    A, C, d_state, d_obs = validate_dynamics(A, C)
    Q = as_matrix("Q", Q)
    R = as_matrix("R", R)
    check_shape("Q", Q, (d_state, d_state), f"state noise covariance for {d_state} states")
    check_shape("R", R, (d_obs, d_obs), f"observation noise covariance for {d_obs} observations")
    Q = check_symmetric_positive_definite("Q", Q)
    R = check_symmetric_positive_definite("R", R)
    return A, C, Q, R


def validate_innovation_form(A: Any, C: Any, K: Any, S: Any) -> tuple[np.ndarray, ...]:
    """Validate y_{t+1} = C h_t + e_{t+1}, h_{t+1} = A h_t + A K e_{t+1}, e ~ N(0, S).

    Shapes: A (d_state, d_state), C (d_obs, d_state), K (d_state, d_obs),
    S (d_obs, d_obs). S must be symmetric positive definite.
    """
    A, C, d_state, d_obs = validate_dynamics(A, C)
    K = as_matrix("K", K)
    S = as_matrix("S", S)
    check_shape("K", K, (d_state, d_obs), f"gain from {d_obs} observations to {d_state} states")
    check_shape("S", S, (d_obs, d_obs), f"innovation covariance for {d_obs} observations")
    S = check_symmetric_positive_definite("S", S)
    return A, C, K, S


def parse_matrix_option(name: str, text: str) -> Any:
    """Parse a command-line matrix: a number such as `0.9` or a JSON list such as `[[1, 0], [0, 1]]`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"option --{name} is not a number or a JSON list: {text!r} "
            f"(column {error.colno}: {error.msg}); write e.g. 0.9 or '[[1, 0], [0, 1]]'"
        ) from error


def read_model_file(path: Path) -> dict[str, Any]:
    """Read a JSON object with keys A, C, Q, R or A, C, K, S; report JSON errors with line and column."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"cannot read model file {str(path)!r}: {error.strerror}") from error
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"model file {str(path)!r} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from error
    if not isinstance(content, dict):
        raise InvalidInputError(
            f"model file {str(path)!r} must contain a JSON object with keys A, C, Q, R "
            f"or A, C, K, S, got a {type(content).__name__}"
        )
    return content


def select_model_keys(content: dict[str, Any], source: str) -> tuple[str, dict[str, Any]]:
    """Decide between the state-space form (A, C, Q, R) and the innovation form (A, C, K, S).

    Returns ("state_space" or "innovation_form", the four matrices by key). Raises when
    keys of both forms, or of neither, are present.
    """
    keys = set(content)
    has_state_space = {"Q", "R"} & keys
    has_innovation = {"K", "S"} & keys
    if has_state_space and has_innovation:
        raise InvalidInputError(
            f"{source} mixes the state-space form (Q, R) with the innovation form (K, S): "
            f"keys {sorted(keys)}; give A, C, Q, R or A, C, K, S"
        )
    form, required = (
        ("innovation_form", INNOVATION_FORM_KEYS) if has_innovation else ("state_space", STATE_SPACE_KEYS)
    )
    missing = [key for key in required if key not in content]
    if missing:
        raise InvalidInputError(
            f"{source} is missing matrix {', '.join(missing)} (found keys {sorted(keys)}); "
            f"give A, C, Q, R or A, C, K, S"
        )
    unknown = sorted(keys - set(required))
    if unknown:
        raise InvalidInputError(
            f"{source} has unknown keys {unknown}; the {form.replace('_', ' ')} takes {list(required)}"
        )
    return form, {key: content[key] for key in required}
