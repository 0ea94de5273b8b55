"""The Linear Recurrent Unit of Orvieto et al. (2023), "Resurrecting Recurrent Neural Networks
for Long Sequences": a diagonal complex linear recurrence with its ring initialisation."""

import math

import keras
from keras import ops

from common.checks import check_positive_integer
from trainer.cells import scan
from trainer.cells.base import PACKAGE, RecurrentCell


@keras.saving.register_keras_serializable(package=PACKAGE)
class LRUCell(RecurrentCell):
    """Linear Recurrent Unit, `lru` (Orvieto et al. 2023):

        x_t = lambda * x_{t-1} + gamma * (u_t B)       x_t complex [B, N], one lambda per unit
        y_t = Re(x_t C) + u_t D                        y_t [B, H]
        lambda = exp(-exp(nu) + i exp(theta)),  gamma = exp(gamma_log)

    u_t [B, in] is the input; H = units is the output size, N = state_units (default
    units) the number of complex state units. The state is kept as two real states,
    [Re x, Im x], each [B, N]: lambda * x is a rotation by exp(theta) and a scaling by
    |lambda| = exp(-exp(nu)) < 1 per unit, so the recurrence is stable for any nu and
    theta. dx_t/dx_{t-1} = diag(lambda): a gradient k steps back is scaled by |lambda|^k,
    set by nu, not by the input, and nothing else in the recurrence shrinks it.

    Sizes. The paper's layer maps H features to H (its D is a vector, D * u element-wise)
    inside a model that first projects its input to H. Here the layer reads the model's
    embedding (16 wide) or raw features (2) directly, as every other cell does, so D is a
    full [in, H] matrix: the paper's skip is its diagonal case when in = H, and it gives
    an in-wide input a linear path to the H-wide output without an input projection that
    the other cells do not get (the alternative, a Dense to H before the LRU, would add a
    layer and its parameters to this cell alone).

    Initialisation (the paper's, as the authors' minimal-LRU code does it):
    - ring: |lambda|^2 uniform on [r_min^2, r_max^2] (|lambda| uniform by area on the
      ring r_min <= |lambda| <= r_max), phase exp(theta) uniform on [0, max_phase];
      nu = log(-log |lambda|), theta = log(phase). The paper's defaults are r_min = 0,
      r_max = 1, max_phase = 2 pi (the authors' code: 6.28); for its long-range tasks it
      puts the eigenvalues near the circle, r_min = 0.9 and r_max = 0.999 (PathX: r_min =
      0.999, r_max = 0.9999, max_phase = pi / 10).
    - gamma: a trainable log-parameter gamma_log [N] initialised to log sqrt(1 - |lambda|^2),
      which keeps the state's variance that of the input at initialisation (the paper's
      normalisation, trained from there as in the authors' code, not recomputed from lambda).
    - B = B_re + i B_im, both N(0, 1 / (2 in)); C = C_re + i C_im, both N(0, 1 / N);
      D ~ N(0, 1 / in), the variance at which each output's skip has the paper's
      D_j u_j's variance (D_j ~ N(0, 1)).
    The initializers given to RecurrentCell (kernel_, recurrent_, bias_initializer) do not
    apply; there is no bias.

    Weights: kernel [in, 2N + H] (blocks B_re, B_im, D: one matrix product per step reads
    the input's three uses), nu_log, theta_log, gamma_log [N], output_kernel [2N, H] (rows
    C_re, C_im; the paper's C is its transpose). No gates. A whole sequence can run as a
    parallel scan (scan(), Recurrent's scan option). Recurrent dropout drops units of
    x_{t-1}, the same units of both parts.

    Args:
      state_units: N, complex units of the state (default: units).
      r_min, r_max: the ring of |lambda| at initialisation, 0 <= r_min < r_max <= 1.
      max_phase: the largest phase at initialisation, in (0, 2 pi].
    """

    INPUT_BIAS = False
    STATES = ("real", "imaginary")
    SCANS = True

    def __init__(self, units, state_units=None, r_min=0.0, r_max=1.0, max_phase=2 * math.pi, **kwargs):
        self.check_arguments(r_min=r_min, r_max=r_max, max_phase=max_phase)
        if state_units is not None:
            check_positive_integer("state_units", state_units)
        super().__init__(units, **kwargs)
        self.state_units = state_units
        self.r_min, self.r_max, self.max_phase = float(r_min), float(r_max), float(max_phase)
        self.state_size = [self.n, self.n]
        self.output_size = units

    @classmethod
    def check_arguments(cls, r_min=0.0, r_max=1.0, max_phase=2 * math.pi, **options):
        for name, value in (("r_min", r_min), ("r_max", r_max), ("max_phase", max_phase)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number, got {value!r}")
        if not 0 <= r_min < r_max <= 1:
            raise ValueError(f"r_min and r_max must satisfy 0 <= r_min < r_max <= 1, got {r_min!r} and {r_max!r}")
        if not 0 < max_phase <= 2 * math.pi:
            raise ValueError(f"max_phase must be a number in (0, 2 pi], got {max_phase!r}")

    @property
    def n(self):
        """N, the complex state units."""
        return self.state_units or self.units

    def build(self, input_shape):
        features, n, units = input_shape[-1], self.n, self.units
        normal = keras.initializers.RandomNormal

        def kernel(shape, dtype=None):
            b = normal(stddev=1 / math.sqrt(2 * features))((features, 2 * n), dtype=dtype)
            d = normal(stddev=1 / math.sqrt(features))((features, units), dtype=dtype)
            return ops.concatenate([b, d], axis=-1)

        def nu_log(shape, dtype=None):
            uniform = keras.initializers.RandomUniform(0.0, 1.0, seed=self.seed)(shape, dtype=dtype)
            modulus_squared = self.r_min ** 2 + uniform * (self.r_max ** 2 - self.r_min ** 2)
            return ops.log(-0.5 * ops.log(modulus_squared))

        def theta_log(shape, dtype=None):
            seed = None if self.seed is None else self.seed + 1  # not the draws of nu_log
            return ops.log(self.max_phase * keras.initializers.RandomUniform(0.0, 1.0, seed=seed)(shape, dtype=dtype))

        def gamma_log(shape, dtype=None):
            return 0.5 * ops.log(1.0 - ops.exp(-2.0 * ops.exp(self.nu_log)))  # log sqrt(1 - |lambda|^2)

        self.kernel = self.add_weight(shape=(features, 2 * n + units), name="kernel", initializer=kernel)
        self.nu_log = self.add_weight(shape=(n,), name="nu_log", initializer=nu_log)
        self.theta_log = self.add_weight(shape=(n,), name="theta_log", initializer=theta_log)
        self.gamma_log = self.add_weight(shape=(n,), name="gamma_log", initializer=gamma_log)
        self.output_kernel = self.add_weight(shape=(2 * n, units), name="output_kernel",
                                             initializer=normal(stddev=1 / math.sqrt(n)))
        self.built = True

    def recurrent_weights(self):
        """(Re lambda, Im lambda, gamma) [N] each and (C_re, C_im) [N, H] each, once per sequence."""
        modulus = ops.exp(-ops.exp(self.nu_log))
        phase = ops.exp(self.theta_log)
        c_re, c_im = ops.split(ops.convert_to_tensor(self.output_kernel), 2, axis=0)
        return modulus * ops.cos(phase), modulus * ops.sin(phase), ops.exp(self.gamma_log), c_re, c_im

    def parts(self, projected, gamma):
        """gamma * (u B) as (re, im), and u D, from the projection u [B | D]."""
        n = self.n
        b_re, b_im, skip = ops.split(projected, [n, 2 * n], axis=-1)
        return (gamma * b_re, gamma * b_im), skip

    def step(self, projected, states, weights, training=False):
        lambda_re, lambda_im, gamma, c_re, c_im = weights
        (b_re, b_im), skip = self.parts(projected, gamma)
        x_re, x_im = (self.recurrent_input(state, training) for state in states)
        x_re, x_im = lambda_re * x_re - lambda_im * x_im + b_re, lambda_re * x_im + lambda_im * x_re + b_im
        return ops.matmul(x_re, c_re) - ops.matmul(x_im, c_im) + skip, [x_re, x_im]

    def scan(self, projected, states, weights, keep=None, training=False):
        lambda_re, lambda_im, gamma, c_re, c_im = weights
        b, skip = self.parts(projected, gamma)
        mask = self.recurrent_mask(states[0], training)
        a = (lambda_re, lambda_im) if mask is None else (lambda_re * mask, lambda_im * mask)
        x_re, x_im = scan.complex_linear_recurrence(a, b, states, keep)
        return ops.matmul(x_re, c_re) - ops.matmul(x_im, c_im) + skip, [x_re[-1], x_im[-1]]

    def get_config(self):
        return {**super().get_config(), "state_units": self.state_units, "r_min": self.r_min, "r_max": self.r_max,
                "max_phase": self.max_phase}
