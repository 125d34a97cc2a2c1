"""Building blocks of the discriminators: a highway layer and a Transformer encoder block.

Both keep the shape of their input, so they can be stacked freely:
``(..., features) -> (..., features)`` for :class:`Highway`, ``(batch, seq_len, emb_dim)`` ->
``(batch, seq_len, emb_dim)`` for :class:`EncoderBlock`.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="gan_text")
class Highway(keras.layers.Layer):
    """A highway layer (Srivastava et al., 2015), as in SeqGAN's discriminator.

    ``y = t * relu(W_h x + b_h) + (1 - t) * x`` with the transform gate ``t = sigmoid(W_t x + b_t)``.
    The gate's bias starts at ``gate_bias`` (-2 by default), so at first most of ``x`` is carried
    through unchanged and the layer learns how much to transform.

    Input and output: float32 ``(..., features)``, same shape.
    """

    def __init__(self, gate_bias: float = -2.0, **kwargs):
        super().__init__(**kwargs)
        self.gate_bias = float(gate_bias)

    def build(self, input_shape):
        features = int(input_shape[-1])
        self.transform = keras.layers.Dense(features, activation="relu", name="transform")
        self.gate = keras.layers.Dense(features, activation="sigmoid", name="gate",
                                       bias_initializer=keras.initializers.Constant(self.gate_bias))
        self.transform.build(input_shape)
        self.gate.build(input_shape)

    def call(self, inputs):
        t = self.gate(inputs)
        return t * self.transform(inputs) + (1.0 - t) * inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "gate_bias": self.gate_bias}


@keras.saving.register_keras_serializable(package="gan_text")
class EncoderBlock(keras.layers.Layer):
    """One Transformer encoder block (Vaswani et al., 2017), post-norm like the original.

    ``h = LayerNorm(x + Dropout(SelfAttention(x)))``; ``y = LayerNorm(h + Dropout(FFN(h)))`` with a
    two-layer ReLU feed-forward network of width ``ff_dim``. No mask: every position sees every other.

    Input and output: float32 ``(batch, seq_len, emb_dim)``. ``emb_dim`` must be divisible by
    ``num_heads``.
    """

    def __init__(self, num_heads: int, ff_dim: int, dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.ff_dim = int(ff_dim)
        self.dropout = float(dropout)

    def build(self, input_shape):
        emb_dim = int(input_shape[-1])
        self.attention = keras.layers.MultiHeadAttention(self.num_heads, key_dim=emb_dim // self.num_heads,
                                                         dropout=self.dropout, name="attention")
        self.attention.build(input_shape, input_shape)
        self.ff_in = keras.layers.Dense(self.ff_dim, activation="relu", name="ff_in")
        self.ff_in.build(input_shape)
        self.ff_out = keras.layers.Dense(emb_dim, name="ff_out")
        self.ff_out.build((*tuple(input_shape)[:-1], self.ff_dim))
        self.norm_attention = keras.layers.LayerNormalization(name="norm_attention")
        self.norm_attention.build(input_shape)
        self.norm_ff = keras.layers.LayerNormalization(name="norm_ff")
        self.norm_ff.build(input_shape)
        self.drop = keras.layers.Dropout(self.dropout)

    def call(self, inputs, training=None):
        attended = self.attention(inputs, inputs, training=training)
        h = self.norm_attention(inputs + self.drop(attended, training=training))
        f = self.ff_out(self.ff_in(h))
        return self.norm_ff(h + self.drop(f, training=training))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "ff_dim": self.ff_dim,
                "dropout": self.dropout}

