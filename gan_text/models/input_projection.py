"""The input projection every discriminator starts with: tokens or (soft) one-hot vectors -> embeddings.

A GAN's discriminator sees two kinds of input:

- real sentences as integer ``tokens`` of shape ``(batch, seq_len)``;
- generated sentences as ``soft`` (relaxed) one-hot vectors of shape ``(batch, seq_len, vocab_size)``, so
  that gradients can flow back into the generator (Gumbel-softmax).

Both go through ONE weight matrix ``W`` of shape ``(vocab_size, emb_dim)``. For a one-hot row ``e_i``,
``e_i @ W`` is row ``i`` of ``W``: a bias-free Dense layer on one-hot vectors IS an embedding lookup. So
:class:`TokenProjection` multiplies soft input by ``W`` and, for integer tokens, simply gathers the rows
(much faster: no ``(batch, seq_len, vocab_size)`` tensor is ever built). The branch is chosen when the
layer is traced, from the input's rank.
"""

from __future__ import annotations

import keras
from keras import ops

from ..errors import GanTextError


@keras.saving.register_keras_serializable(package="gan_text")
class TokenProjection(keras.layers.Layer):
    """Project integer tokens or (soft) one-hot vectors to embeddings with one shared matrix.

    Input: ``tokens`` int ``(batch, seq_len)`` -> embedding lookup (gather), or
    ``onehot``/``soft`` float ``(batch, seq_len, vocab_size)`` -> matrix product.
    Output: float32 ``(batch, seq_len, emb_dim)``; both paths give the same numbers for one-hot
    input of the same ids.

    Weight: ``embeddings`` of shape ``(vocab_size, emb_dim)``, no bias.
    """

    def __init__(self, vocab_size: int, emb_dim: int, embeddings_initializer="uniform", **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = int(vocab_size)
        self.emb_dim = int(emb_dim)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(name="embeddings", shape=(self.vocab_size, self.emb_dim),
                                          initializer=self.embeddings_initializer)

    def call(self, inputs):
        rank = len(inputs.shape)
        if rank == 2:
            if "int" not in keras.backend.standardize_dtype(inputs.dtype):
                raise GanTextError(f"TokenProjection got float input of shape {tuple(inputs.shape)}; pass "
                                   "integer tokens (batch, seq_len) or one-hot (batch, seq_len, vocab_size)")
            return ops.take(self.embeddings, ops.cast(inputs, "int32"), axis=0)
        if rank == 3:
            if inputs.shape[-1] is not None and inputs.shape[-1] != self.vocab_size:
                raise GanTextError(f"one-hot input has {inputs.shape[-1]} classes but the vocabulary has "
                                   f"{self.vocab_size}; build the model with vocab_size={inputs.shape[-1]}")
            return ops.matmul(ops.cast(inputs, self.compute_dtype), self.embeddings)
        raise GanTextError(f"input of shape {tuple(inputs.shape)} has rank {rank}; pass integer tokens "
                           "(batch, seq_len) or one-hot vectors (batch, seq_len, vocab_size)")

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:2], self.emb_dim)

    def get_config(self):
        config = super().get_config()
        config.update(vocab_size=self.vocab_size, emb_dim=self.emb_dim,
                      embeddings_initializer=keras.initializers.serialize(self.embeddings_initializer))
        return config
