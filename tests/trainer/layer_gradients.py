"""A recurrent layer's outputs, final states and gradients on whichever Keras backend runs the
tests, through its stateless API and trainer.probes.gradient, so that the golden tests hold on
TensorFlow and on JAX alike."""

from keras import ops

from trainer.probes import gradient


def layer_results(layer, x, output_weights, h0=(), state_weights=(), mask=None):
    """[outputs, *final states, *gradients] as NumPy arrays: the gradients of
    sum(outputs * output_weights) + sum(state * weights) with respect to x, each initial state
    in h0 and every trainable weight (in layer.trainable_weights' order), in training mode.
    layer returns (outputs, *states) (return_state=True); x [B, T, F]."""
    non_trainable = [variable.value for variable in layer.non_trainable_variables]
    arguments = (ops.convert_to_tensor(x), [ops.convert_to_tensor(h) for h in h0],
                 [ops.convert_to_tensor(variable.value) for variable in layer.trainable_variables])
    mask = None if mask is None else ops.convert_to_tensor(mask)

    def run(args):
        inputs, initial, trainable = args
        options = {"initial_state": list(initial)} if initial else {}
        (outputs, *states), _ = layer.stateless_call(trainable, non_trainable, inputs, mask=mask, training=True,
                                                     **options)
        return outputs, states

    def loss(args):
        outputs, states = run(args)
        total = ops.sum(outputs * output_weights)
        for state, weights in zip(states, state_weights):
            total = total + ops.sum(state * weights)
        return total

    outputs, states = run(arguments)
    grad_x, grad_h0, grad_weights = gradient(loss, arguments)
    return [ops.convert_to_numpy(value) for value in (outputs, *states, grad_x, *grad_h0, *grad_weights)]
