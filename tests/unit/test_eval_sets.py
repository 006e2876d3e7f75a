"""The evaluation sets stay honest: the test sets are frozen, and no training example copies an evaluation item."""

import hashlib
from pathlib import Path

from evaluation.leaks import Leak, evaluation_items, find_leaks, training_items

ROOT = Path(__file__).resolve().parents[2]
TEST_SET = ROOT / "tests" / "danger" / "test.yml"
# Written before any tuning against it (issue 12). A change to the file must show in review: change this too.
TEST_SET_SHA256 = "fcaa810b752712b388f2ed55fdefca58546d45b221d259899cdb3db6c6710857"
NLU_TEST_SET = ROOT / "tests" / "nlu" / "test.yml"
# The answer topics' held-out set of round 4, written apart from the training data and pinned before any model read it
# (issue 16; the sets of rounds 1 to 3, whose errors were seen, are now development sets tests/nlu/dev_round*.yml).
NLU_TEST_SET_SHA256 = "1e23582cc76414ef353c51022b852f1e6bdb903e95150c3e5e93cd3c6128d068"


def test_the_danger_test_set_is_frozen() -> None:
    assert hashlib.sha256(TEST_SET.read_bytes()).hexdigest() == TEST_SET_SHA256


def test_the_topic_test_set_is_frozen() -> None:
    assert hashlib.sha256(NLU_TEST_SET.read_bytes()).hexdigest() == NLU_TEST_SET_SHA256


def test_no_training_example_is_a_near_copy_of_an_evaluation_item() -> None:
    leaks = find_leaks(training_items(), evaluation_items())
    assert not leaks, "\n".join(map(str, leaks))


def test_the_leak_check_finds_near_copies() -> None:
    training = [("train", "hes got a knife and hes coming at me"), ("train", "how do i report abuse")]
    evaluation = [("eval", "He's got a knife and he's coming at me!"), ("eval", "where can i find a refuge")]
    assert find_leaks(training, evaluation) == [Leak(1.0, training[0], evaluation[0])]
