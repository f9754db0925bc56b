"""The shared tables of opposed words: what tells two otherwise alike sentences apart."""

from __future__ import annotations

from service.text.normalize import word_key
from service.text.opposition import CONTRARIES, OPPOSITES, opposed


def keys(text: str) -> frozenset[str]:
    return frozenset(word_key(w) for w in text.lower().split())


def test_contraries_oppose_and_shared_words_do_not() -> None:
    assert opposed(keys("prices rose sharply"), keys("prices fell sharply"))
    assert opposed(keys("police arrested the men"), keys("police released the men"))
    # A word in both texts is not where they differ.
    assert not opposed(keys("prices rose then fell"), keys("prices fell then rose"))
    assert not opposed(keys("prices rose sharply"), keys("prices climbed sharply"))


def test_exclusive_status_classes_oppose() -> None:
    assert opposed(keys("officials announced the plan"), keys("officials drafted the plan"))
    assert opposed(keys("three were killed"), keys("three were injured"))
    assert opposed(keys("the vote was postponed"), keys("the vote was approved"))
    # A cancelling status undoes what it names: "postponed the launch" is no launch.
    assert opposed(keys("they postponed the launch"), keys("they launched"))
    assert not opposed(keys("they postponed the launch"), keys("they delayed the launch"))
    # Two words of one class agree.
    assert not opposed(keys("the law was signed"), keys("the law was ratified"))


def test_wordnet_antonyms_are_opposites_but_not_contraries() -> None:
    # "national" / "international" differ in one slot of one claim, not between two sentences
    # that happen to use each somewhere.
    nation, international = word_key("national"), word_key("international")
    assert international in OPPOSITES.get(nation, frozenset())
    assert international not in CONTRARIES.get(nation, frozenset())
