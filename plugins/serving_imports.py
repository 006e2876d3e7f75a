"""What a serving Rasa process imports: not TensorFlow, nor the Rasa modules that only training and `rasa test` use.

A replica of `make run` held about 740 MB resident, some 470 MB of it TensorFlow, which our model never runs
(spaCy's tokenizer, count vectors, logistic regression, rules). Recording who first imported each package while one
process loaded models/current.tar.gz and answered a message showed TensorFlow coming in three ways:

1. Rasa's message processor: rasa.core.actions.action -> rasa.core.policies.policy -> ... ->
   rasa.nlu.extractors.extractor -> rasa.utils.train_utils -> rasa.utils.tensorflow.callback and .data_generator,
   which `import tensorflow` at module level for their training callbacks and batch generators.
2. Loading the model: Rasa deserialises the model's train schema as well as its predict schema, importing every class
   named in it, and DefaultV1RecipeValidator imports DIET, TED, ResponseSelector and the like (and, through
   rasa.nlu.test, matplotlib). plugins/patches.py defers the train schema until something reads it.
3. spaCy: thinc imports TensorFlow (and h5py) whenever it is installed.

`install()` deals with 1 and 3 and must run before anything imports Rasa (plugins/patches.py does it when run as a
program). The REFUSED packages raise RefusedImportError, an ImportError, so optional importers such as thinc carry on
as if they were not installed. The two Rasa modules of path 1 (and rasa.utils.plotting, which imports matplotlib) are
replaced by STAND_INS: modules holding the names imported from them on the way, each raising RefusedImportError when
used (only training and `rasa test` use them). Lazy loading (importlib.util.LazyLoader) was tried first and failed:
skops, loading the intent classifier, looks objects up in every module in sys.modules, as pickle does, which executes
any lazy module. A model that does need TensorFlow fails to load with RefusedImportError in its traceback, and
plugins/patches.py then stops the process (Rasa itself would log the error and serve on with no model).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any, Dict, NoReturn, Optional, Sequence, Tuple

# Top-level packages a serving process refuses to import.
REFUSED = frozenset(
    {
        # TensorFlow and what comes with it: only Rasa's TensorFlow components (DIET, TED, ResponseSelector, ConveRT and
        # language-model featurizers) use them, and our model has none.
        "tensorflow",
        "tensorflow_text",
        "tensorflow_hub",
        "tensorflow_addons",
        "tensorflow_probability",
        "tensorflow_estimator",
        "tensorflow_io_gcs_filesystem",
        "tensorboard",
        "keras",
        "jax",
        "jaxlib",
        # `rasa test` draws its plots with it (through rasa.utils.plotting, see STAND_INS); the HTTP API's test endpoints
        # do not plot.
        "matplotlib",
        # Optional imports of libraries we use: thinc takes h5py (used here only by Keras), scikit-learn's test helpers
        # (imported by skops when the intent classifier loads) take pytest.
        "h5py",
        "pytest",
    }
)
# Rasa modules on the way to Rasa's message processor that import a REFUSED package at module level, only for
# training or `rasa test`: module -> (that package, the names imported from the module on the way).
STAND_INS: Dict[str, Tuple[str, Tuple[str, ...]]] = {
    # rasa.utils.train_utils imports these, for training DIET and TED.
    "rasa.utils.tensorflow.callback": ("tensorflow", ("RasaTrainingLogger", "RasaModelCheckpoint")),
    "rasa.utils.tensorflow.data_generator": ("tensorflow", ("RasaBatchDataGenerator",)),
    # rasa.nlu.test (imported by RulePolicy, through rasa.core.test, and by Rasa's server) plots with these.
    "rasa.utils.plotting": ("matplotlib", ("plot_confusion_matrix", "plot_paired_histogram", "plot_curve")),
}


class RefusedImportError(ImportError):
    """An import that a serving process refuses (see REFUSED)."""


def refuse(name: str, why: str = "") -> NoReturn:
    """Raises RefusedImportError for the package `name`."""
    raise RefusedImportError(
        f"{name} is not imported by a serving Rasa process (plugins/serving_imports.py){why}", name=name.partition(".")[0]
    )


class RefusingFinder(importlib.abc.MetaPathFinder):
    """Refuses the REFUSED packages; leaves every other import to the next finder."""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        """RefusedImportError for a refused package, else None."""
        if fullname.partition(".")[0] in REFUSED:
            refuse(fullname)
        return None


def stand_in(module: str, name: str, package: str) -> type:
    """A class named like `module`.`name` that raises RefusedImportError (for `package`) when called (instantiated)
    or subclassed."""

    def refused(*_: Any, **__: Any) -> NoReturn:
        refuse(package, f"; {module}.{name} needs it")

    return type(
        name,
        (),
        {
            "__module__": module,
            "__new__": refused,
            "__init_subclass__": classmethod(refused),
            "__doc__": f"Stands in for {module}.{name} in a serving process: using it raises.",
        },
    )


def install() -> None:
    """Refuses the REFUSED packages from now on, puts the STAND_INS in sys.modules and imports skops.io (once). Call
    it before anything imports Rasa or spaCy.

    skops.io is imported here, while few modules are loaded, because on import it looks each of about 400 numpy and
    scipy functions up in every loaded module: imported when Rasa loads the intent classifier, after Rasa and spaCy,
    that took about 2 s of a replica's 6 s of CPU at start-up. The names it finds are the same (tested).
    """
    if any(isinstance(finder, RefusingFinder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, RefusingFinder())
    for module, (package, names) in STAND_INS.items():
        stand_ins = ModuleType(module, f"Stands in for {module} in a serving process (plugins/serving_imports.py).")
        for name in names:
            setattr(stand_ins, name, stand_in(module, name, package))
        sys.modules[module] = stand_ins
    importlib.import_module("skops.io")


def refused_import(error: BaseException) -> Optional[RefusedImportError]:
    """The RefusedImportError behind `error` (itself, or a cause or context of it), if there is one."""
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        if isinstance(current, RefusedImportError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
