"""The information-bottleneck (IB) curve of a discrete joint distribution p(x, y), in bits.

For a compression T of X (a stochastic encoder p(t|x), so Y - X - T is Markov) the IB curve
is the best relevant information I(T;Y) at a given rate I(X;T) = r. It is concave and
non-decreasing in r, starts at (0, 0), and saturates at I(X;Y). Its points are found by
minimising the Lagrangian I(X;T) - beta I(T;Y) with the self-consistent equations of
Tishby, Pereira & Bialek (1999), "The information bottleneck method":

    p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)
    p(t)   = sum_x p(x) p(t|x)
    p(y|t) = sum_x p(y|x) p(t|x) p(x) / p(t)

iterated to a fixed point (a Blahut-Arimoto style alternation that does not increase the
functional I(X;T) + beta E[KL[p(y|x) || p(y|t)]], which equals the Lagrangian plus
beta I(X;Y) when p(y|t) is self-consistent; it converges to a local minimum). Curves are
traced with deterministic annealing: beta increases and each solution warm-starts the next,
its clusters split with a small seeded perturbation so that they can divide.

For a deterministic label (Y = f(X)) the curve is min(r, H(Y)); the Lagrangian then only
finds its two corners, (0, 0) for beta < 1 and (H(Y), H(Y)) for beta > 1 (Kolchinsky, Tracey
& Van Kuyk 2019, "Caveats for information bottleneck in deterministic scenarios"), so
:func:`deterministic_ib_bound` gives the curve in closed form and :func:`noisy_labels_joint`
builds a joint whose curve is not trivial.

The package is split by concept: ``iterative`` solves one beta (:func:`iterative_ib`) and
merges inputs with the same p(y|x), ``curve`` traces the curve over betas (:func:`ib_curve`)
and keeps its non-dominated points, ``bound`` holds the deterministic-label curve and the
noisy-label joint.
"""
from .bound import deterministic_ib_bound, noisy_labels_joint
from .curve import IBCurve, ib_curve, upper_envelope
from .iterative import IBSolution, iterative_ib, merge_equivalent_inputs

__all__ = [
    # the curve over betas, and one beta
    "IBCurve",
    "ib_curve",
    "upper_envelope",
    "IBSolution",
    "iterative_ib",
    "merge_equivalent_inputs",
    # closed form and test joints
    "deterministic_ib_bound",
    "noisy_labels_joint",
]
