"""Special functions in NumPy: the error function ``erf`` and its inverse ``erfinv``.

``erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt`` is needed by the exact GELU
(``x * Phi(x)`` with ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``) and by the truncated normal
initialiser. The rational approximations are Cephes' (S. Moshier, ``ndtr.c``), accurate to about
1e-16 relative in float64:

* ``|x| <= 1``:     ``erf(x)  = x T(x^2) / U(x^2)``
* ``1 < |x| < 8``:  ``erfc(x) = e^(-x^2) P(x) / Q(x)``,  and ``erf = 1 - erfc``
* ``|x| >= 8``:     ``erfc(x) = e^(-x^2) R(x) / S(x)``

``erfinv`` starts from M. Giles' single-precision approximation and polishes it with two Newton
steps on ``erf(y) - x`` (derivative ``2/sqrt(pi) e^(-y^2)``), which brings it to float64 accuracy.
"""

from __future__ import annotations

import numpy as np

_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)
_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
      2.26290000613890934246e4, 4.92673942608635921086e4)
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
      9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
      1.65666309194161350182e3, 5.57535340817727675546e2)
_R = (5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0,
      6.16021097993053585195e0, 7.40974269950448939160e0, 2.97886665372100240670e0)
_S = (1.0, 2.26052863220117276590e0, 9.39603524938001434673e0, 1.20489539808096656605e1,
      1.70814450747565897222e1, 9.60896809063285878019e0, 3.36907645100081516355e0)

_TWO_OVER_SQRT_PI = 1.1283791670955126


def _poly(x: np.ndarray, coeffs: tuple[float, ...]) -> np.ndarray:
    """Horner's rule, highest power first."""
    y = np.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        y = y * x + c
    return y


def _erfc_tail(a: np.ndarray) -> np.ndarray:
    """erfc(a) for a >= 1 (float64)."""
    with np.errstate(under="ignore"):
        z = np.exp(-a * a)
    mid = a < 8
    p = np.where(mid, _poly(a, _P) / _poly(a, _Q), _poly(a, _R) / _poly(a, _S))
    return z * p


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise; computed in float64 and returned in ``x``'s dtype."""
    x = np.asarray(x)
    x64 = x.astype(np.float64, copy=False)
    a = np.abs(x64)
    xs = np.clip(x64, -1.0, 1.0)  # each branch sees only arguments it is valid for
    z = xs * xs
    inner = xs * _poly(z, _T) / _poly(z, _U)
    outer = np.copysign(1.0 - _erfc_tail(np.clip(a, 1.0, 30.0)), x64)  # erfc(30) < 1e-390
    out = np.where(a <= 1, inner, outer)
    return out.astype(x.dtype if x.dtype.kind == "f" else np.float64, copy=False)


def erfinv(x: np.ndarray) -> np.ndarray:
    """The inverse of ``erf`` on (-1, 1) (float64); +-inf at +-1, nan outside."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - x) * (1.0 + x))
        central = w < 5.0
        wc = w - 2.5
        pc = _poly(wc, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                        0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941))
        wt = np.sqrt(w) - 3.0
        pt = _poly(wt, (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                        0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))
        y = np.where(central, pc, pt) * x
        finite = np.isfinite(y)
        for _ in range(2):  # Newton: y <- y - (erf(y) - x) / erf'(y)
            step = (erf(y) - x) / (_TWO_OVER_SQRT_PI * np.exp(-y * y))
            y = np.where(finite, y - step, y)
        y = np.where(x == 1.0, np.inf, np.where(x == -1.0, -np.inf, y))
        return np.where(np.abs(x) > 1.0, np.nan, y)
