"""Linear recurrences solved for a whole sequence at once, as parallel scans.

A recurrence h_t = a_t * h_{t-1} + b_t (element-wise) composes: two steps (a_1, b_1) then
(a_2, b_2) are the one step (a_1 a_2, a_2 b_1 + b_2). That composition is associative, so
the prefix compositions of all T steps take O(log T) parallel rounds instead of T
sequential ones, and h_t = A_t * h_0 + B_t with (A_t, B_t) the composition of steps 1..t.
The cells whose state enters their recurrence linearly (min_gru, min_lstm, lru) run this
way in trainer.cells.layer.Recurrent.

A sequence of static length is scanned by keras.ops.associative_scan. One whose length is
unknown when traced (TensorFlow graphs of range-mode training, where the time axis is
None; JAX always knows it) is scanned by doubling (Hillis & Steele): round r composes each
step with the one 2^r before it, ceil(log2 T) rounds in a while-loop. Keras's
associative_scan is not used there: on TensorFlow it cannot compare the unknown lengths of
several tensors (a Python bool of a tensor), and given one stacked tensor it traces for
seconds (a cond per level, 48 levels).

Everything here is time-major: a, b [T, B, n], h_0 [B, n]. A padded step (keep True)
keeps the state: a = 1, b = 0. Complex recurrences (the LRU's) are kept as real and
imaginary parts, (re, im) pairs of real tensors.
"""

from keras import ops


def _prefix(compose, steps, identity):
    """The compositions of steps 1..t for every t: steps a tuple of parts [T, B, n] (or
    broadcastable), identity the parts of the step that changes nothing."""
    if steps[0].shape[0] is not None:  # the reshape restores the static shapes, which TensorFlow's scan loses
        return tuple(ops.reshape(part, ops.shape(step)) for part, step in
                     zip(ops.associative_scan(compose, steps, axis=0), steps))
    length = ops.shape(steps[0])[0]
    times = ops.arange(length)[:, None, None]

    def double(shift, done):
        earlier = tuple(ops.where(times < shift, ops.cast(one, part.dtype), ops.roll(part, shift, axis=0))
                        for one, part in zip(identity, done))
        return shift * 2, compose(earlier, done)

    return ops.while_loop(lambda shift, done: shift < length, double, (1, tuple(steps)))[1]


def _kept(a, b, keep, one):
    """(a, b) with the kept steps (keep [T, B, 1] True) made the identity step (one, 0)."""
    if keep is None:
        return a, b
    return ops.where(keep, one, a), ops.where(keep, ops.zeros_like(b), b)


def _compose(earlier, later):
    (a_1, b_1), (a_2, b_2) = earlier, later
    return a_1 * a_2, a_2 * b_1 + b_2


def _compose_complex(earlier, later):
    (ar_1, ai_1, br_1, bi_1), (ar_2, ai_2, br_2, bi_2) = earlier, later
    return (
        ar_1 * ar_2 - ai_1 * ai_2,
        ar_1 * ai_2 + ai_1 * ar_2,
        ar_2 * br_1 - ai_2 * bi_1 + br_2,
        ar_2 * bi_1 + ai_2 * br_1 + bi_2,
    )


def linear_recurrence(a, b, h0, keep=None):
    """h_t = a_t * h_{t-1} + b_t for t = 1..T from h_0: a (broadcastable to b), b [T, B, n],
    h0 [B, n] -> h [T, B, n]."""
    a = ops.broadcast_to(a, ops.shape(b))
    a, b = _kept(a, b, keep, ops.ones_like(a))
    a_total, b_total = _prefix(_compose, (a, b), (1.0, 0.0))
    return a_total * h0 + b_total


def complex_linear_recurrence(a, b, h0, keep=None):
    """The same recurrence over complex numbers, each an (re, im) pair of real tensors:
    a (parts broadcastable to b's), b [T, B, n], h0 [B, n] -> (re, im) [T, B, n]."""
    shape = ops.shape(b[0])
    a_re, a_im = (ops.broadcast_to(part, shape) for part in a)
    a_re, b_re = _kept(a_re, b[0], keep, ops.ones_like(a_re))
    a_im, b_im = _kept(a_im, b[1], keep, ops.zeros_like(a_im))
    ar, ai, br, bi = _prefix(_compose_complex, (a_re, a_im, b_re, b_im), (1.0, 0.0, 0.0, 0.0))
    h_re, h_im = h0
    return ar * h_re - ai * h_im + br, ar * h_im + ai * h_re + bi


def hold_outputs(outputs, keep, zero_output_for_mask=False):
    """Outputs [T, B, out] as keras.layers.RNN gives them under a padding mask (keep [T, B, 1]
    True on padded steps): a padded step repeats the output of the last step that was not
    padded (zeros before the first), or gives zeros with zero_output_for_mask."""
    if zero_output_for_mask:
        return ops.where(keep, ops.zeros_like(outputs), outputs)
    return linear_recurrence(ops.zeros_like(outputs), outputs, ops.zeros_like(outputs[0]), keep)
