import numpy as np
import pandas as pd
import pytest

from scoring import Item, Structure

TWELVE = [
    [5, 3, 4, 5], [4, 4, 4, 4], [2, 4, 3, 2], [5, 4, 5, 5], [4, 5, 4, 4], [1, 2, 2, 1],
    [5, 5, 5, 5], [4, 4, 3, 4], [3, 4, 2, 3], [5, 5, 4, 4], [4, 4, 4, 5], [2, 3, 2, 2],
]


@pytest.fixture
def one_factor():
    return Structure(items=tuple(Item(f"Q{j}", "A") for j in range(1, 5)))


@pytest.fixture
def twelve(one_factor):
    return pd.DataFrame(TWELVE, columns=list(one_factor.codes))


@pytest.fixture
def uneven():
    """Three factors of unequal size and weight, an item outside the index, unequal item weights."""
    return Structure(
        items=(Item("A1", "A"), Item("A2", "A", 2.0), Item("B1", "B"), Item("B2", "B"), Item("B3", "B"),
               Item("C1", "C"), Item("OVERALL", None)),
        factor_weights={"B": 2.0},
    )


@pytest.fixture
def random_responses():
    """Factory of respondent rows: correlated items, answers missing at random."""
    return _random_responses


def _random_responses(structure, *, n, seed, missing=0.3, groups=("g1", "g2")):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    values = np.clip(np.round(3.6 + latent + 0.8 * rng.normal(size=(n, len(structure.items)))), 1, 5)
    values[rng.random(values.shape) < missing] = np.nan
    frame = pd.DataFrame(values, columns=list(structure.codes))
    frame["unit"] = rng.choice(list(groups), size=n)
    return frame
