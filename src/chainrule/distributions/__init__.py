"""``chainrule.distributions``: probability distributions with PyTorch's interface.

``Normal``, ``MultivariateNormal``, ``Uniform``, ``Laplace``, ``Gamma``, ``Chi2``, ``Beta``,
``Dirichlet``, ``Exponential``, ``LogNormal``, ``HalfNormal``, ``Gumbel``, ``Cauchy`` and
``StudentT`` (reparameterised: ``rsample`` carries gradients to the parameters), ``Bernoulli``,
``Categorical``, ``OneHotCategorical``, ``Poisson``, ``Geometric``, ``Binomial``, ``Multinomial``,
``MixtureSameFamily``, ``Independent`` and ``TransformedDistribution`` (with the ``transforms``:
Exp, Affine, Sigmoid, Tanh, Power, Softplus, Abs, Softmax, Independent, Compose), with
``sample``, ``log_prob``, ``entropy``, ``mean``, ``variance``, ``cdf``/``icdf`` where PyTorch
has them, ``expand`` and argument validation; ``kl_divergence`` with ``register_kl``;
``constraints``.
Sampling draws from chainrule's generator, so ``chainrule.manual_seed`` makes it repeat.

    dist = Categorical(logits=policy(state))
    action = dist.sample()
    loss = -(dist.log_prob(action) * advantage).mean()   # REINFORCE
"""

from . import constraints, transforms
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical, OneHotCategorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import Exponential, Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403  (the transforms: transforms.__all__)
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet", "Distribution", "Exponential",
    "Gamma", "Geometric", "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
    "Multinomial", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "StudentT",
    "TransformedDistribution", "Uniform", "constraints", "kl_divergence", "register_kl", "transforms",
    *transforms.__all__,
]
