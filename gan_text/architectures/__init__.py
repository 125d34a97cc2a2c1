"""Architectures: one recipe, every generator and discriminator family, at a matched parameter budget.

Which network should write the sentences, and which should judge them? This package trains the
``relgan`` recipe (MLE pre-training, then Gumbel-softmax adversarial training with the relativistic
loss, :func:`gan_text.training.recipes.relgan_recipe`) with each *family* of generator and of
discriminator in its place, each sized to the same number of trainable parameters, and scores them::

    from gan_text import architectures as arch
    frame = arch.compare_architectures("grammar", cfg)    # one row per (generator, discriminator)
    arch.plot_architectures(frame)
    train("grammar", recipe=functools.partial(arch.architecture_recipe, generator="transformer"))

One concept per module, each importing only those above it:

- :mod:`.families`: the families, what a width sets in each, the settings, ``build_family``;
- :mod:`.budgets`: parameter counts of built models, ``matched_width``, the budgets and their table;
- :mod:`.recipe`: ``architecture_recipe``, the relgan recipe with any pair of families;
- :mod:`.compare`: ``architecture_plan``, ``compare_architectures``, ``StepTimer``, ``discriminator_auc``;
- :mod:`.plots`: ``plot_architectures``.
"""

from .budgets import (
    BUDGET_TOLERANCE,
    budget_table,
    count_params,
    default_budgets,
    matched_width,
    trainable_params,
    vocabulary_params,
)
from .compare import COLUMNS, StepTimer, architecture_plan, compare_architectures, discriminator_auc
from .families import (
    BASE_DISCRIMINATOR,
    BASE_GENERATOR,
    DISCRIMINATOR_FAMILIES,
    GENERATOR_FAMILIES,
    architecture_settings,
    build_family,
    family_hyperparameters,
    width_step,
)
from .plots import plot_architectures
from .recipe import architecture_recipe

__all__ = ["BASE_DISCRIMINATOR", "BASE_GENERATOR", "BUDGET_TOLERANCE", "COLUMNS", "DISCRIMINATOR_FAMILIES",
           "GENERATOR_FAMILIES", "StepTimer", "architecture_plan", "architecture_recipe", "architecture_settings",
           "budget_table", "build_family", "compare_architectures", "count_params", "default_budgets",
           "discriminator_auc", "family_hyperparameters", "matched_width", "plot_architectures",
           "trainable_params", "vocabulary_params", "width_step"]
