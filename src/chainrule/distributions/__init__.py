"""``chainrule.distributions``: probability distributions with PyTorch's interface.

``Normal``, ``MultivariateNormal``, ``Uniform``, ``Laplace``, ``Gamma``, ``Beta``, ``Dirichlet``
and ``Exponential`` (reparameterised: ``rsample`` carries gradients to the parameters),
``Bernoulli``, ``Categorical``, ``OneHotCategorical``, ``Poisson`` and ``Independent``, with
``sample``, ``log_prob``, ``entropy``, ``mean``, ``variance``, ``cdf``/``icdf`` (Normal, Uniform,
Laplace, Exponential; Gamma's cdf), ``expand`` and argument validation; ``kl_divergence`` with
``register_kl``; ``constraints``. Sampling draws from chainrule's generator, so
``chainrule.manual_seed`` makes it repeat.

    dist = Categorical(logits=policy(state))
    action = dist.sample()
    loss = -(dist.log_prob(action) * advantage).mean()   # REINFORCE
"""

from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical, OneHotCategorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .gamma import Exponential, Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .poisson import Poisson
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Dirichlet", "Distribution", "Exponential", "Gamma", "Independent", "Laplace",
    "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform", "constraints", "kl_divergence",
    "register_kl",
]
