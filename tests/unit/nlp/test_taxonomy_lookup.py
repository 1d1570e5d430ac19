"""An episode naming a taxonomy the file lacks is bad input: dead-lettered at once, not retried."""

from __future__ import annotations

import pytest

from services.nlp.taxonomy import UnknownTaxonomyError, load_taxonomies
from services.runtime.errors import PermanentError
from services.runtime.middleware import PERMANENT_ERRORS


def test_an_unknown_taxonomy_is_a_permanent_error_that_names_the_known_ones() -> None:
    book = load_taxonomies()
    with pytest.raises(UnknownTaxonomyError) as caught:
        book.get("no-such-taxonomy")
    assert isinstance(caught.value, PERMANENT_ERRORS)
    assert isinstance(caught.value, PermanentError)
    assert isinstance(caught.value, KeyError)  # callers that look it up still catch KeyError
    assert book.default in str(caught.value)


def test_no_name_means_the_default_taxonomy() -> None:
    book = load_taxonomies()
    assert book.get(None).name == book.default
