"""plugins/serving_imports.py and the train schema deferred by plugins/patches.py: a serving process refuses
TensorFlow and the other REFUSED packages, the stand-ins cover what Rasa imports from the modules they replace, and
the model parses and predicts as in a plain Rasa process. Serving processes run in subprocesses: install() changes the
interpreter for good."""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, Set

import pytest
import rasa
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelMetadata

from plugins import patches, serving_imports
from tests.conftest import MODEL, ROOT
from tests.predictions import parse_and_predict

RASA = Path(rasa.__file__).parent
SERVING = "from plugins import serving_imports\nserving_imports.install()\n"


def in_serving_process(code: str, timeout: float = 300) -> Any:
    """Runs `code` after serving_imports.install() in a fresh interpreter; returns the JSON it printed last."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", SERVING + code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_refused_packages_raise_an_import_error_and_optional_importers_carry_on() -> None:
    result = in_serving_process("""
import json
refused = {}
for name in ["tensorflow", "tensorflow_text", "tensorflow_hub", "keras", "jax", "jaxlib", "h5py", "matplotlib", "pytest",
             "tensorflow.keras.callbacks"]:
    try:
        __import__(name)
        refused[name] = "imported"
    except serving_imports.RefusedImportError as error:
        refused[name] = [isinstance(error, ImportError), error.name]
import thinc.compat, spacy
print(json.dumps({"refused": refused, "thinc_has_tensorflow": thinc.compat.has_tensorflow,
                  "blank": [token.text for token in spacy.blank("en")("he's got a knife")]}))
""")
    assert result["refused"] == {name: [True, name.partition(".")[0]] for name in result["refused"]}
    assert result["thinc_has_tensorflow"] is False
    assert result["blank"] == ["he", "'s", "got", "a", "knife"]


def test_the_stand_ins_raise_when_used() -> None:
    result = in_serving_process("""
import json
import rasa.utils.train_utils
from rasa.utils.tensorflow.callback import RasaModelCheckpoint, RasaTrainingLogger
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils import plotting
uses = {
    "instantiate": lambda: RasaTrainingLogger(10, False),
    "subclass": lambda: type("Mine", (RasaModelCheckpoint,), {}),
    "generator": lambda: RasaBatchDataGenerator(None, batch_size=8),
    "plot": lambda: plotting.plot_confusion_matrix(None, None, None),
}
raised = {}
for use, call in uses.items():
    try:
        call()
        raised[use] = None
    except serving_imports.RefusedImportError as error:
        raised[use] = error.name
print(json.dumps(raised))
""")
    assert result == {"instantiate": "tensorflow", "subclass": "tensorflow", "generator": "tensorflow", "plot": "matplotlib"}


def module_ast(module: str) -> ast.Module:
    """The parsed source of one of Rasa's modules."""
    return ast.parse((RASA.parent / (module.replace(".", "/") + ".py")).read_text())


def imported_names(tree: ast.Module, module: str) -> Set[str]:
    """The names `tree` imports with `from module import ...` (anywhere in it)."""
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


def top_level_names(tree: ast.Module) -> Set[str]:
    """The classes and functions a module defines."""
    return {node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}


def imports_at_module_level(tree: ast.Module) -> Set[str]:
    """The top-level packages a module imports at module level."""
    names = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module}
    return {name.partition(".")[0] for name in names}


@pytest.mark.parametrize("module", sorted(serving_imports.STAND_INS))
def test_each_stand_in_holds_what_rasa_imports_from_the_module_it_replaces(module: str) -> None:
    package, names = serving_imports.STAND_INS[module]
    real = module_ast(module)
    assert package in imports_at_module_level(real), f"{module} no longer imports {package}: drop its stand-in"
    assert set(names) <= top_level_names(real)
    used = imported_names(module_ast("rasa.utils.train_utils"), module)
    if module == "rasa.utils.plotting":  # rasa.nlu.test uses `plot_utils.<name>`, rasa.core.test imports by name
        used = {
            node.attr
            for node in ast.walk(module_ast("rasa.nlu.test"))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "plot_utils"
        }
        used |= imported_names(module_ast("rasa.core.test"), module)
    assert used and used <= set(names)


def test_a_serving_process_parses_and_predicts_as_rasa_does(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    (tmp_path / "rasa").mkdir()
    (tmp_path / "serving").mkdir()
    served = in_serving_process(f"""
import json, sys
from pathlib import Path
from plugins import patches
from plugins.graph_runner import SequentialGraphRunner
from tests.predictions import parse_and_predict
patches.apply()
results = parse_and_predict(SequentialGraphRunner, Path({str(tmp_path / "serving")!r}), Path({str(MODEL)!r}))
loaded = sorted({{name.partition(".")[0] for name in sys.modules}} & serving_imports.REFUSED)
validator = "rasa.graph_components.validators.default_recipe_validator" in sys.modules
print(json.dumps({{"results": results, "refused_but_loaded": loaded, "train_schema_classes_imported": validator}}))
""")
    rasa_own = json.loads(json.dumps(parse_and_predict(DaskGraphRunner, tmp_path / "rasa", MODEL)))
    assert served["results"] == rasa_own
    assert served["refused_but_loaded"] == []
    assert served["train_schema_classes_imported"] is False


def trusted_type_names() -> Dict[str, Any]:
    """The names of the types skops.io trusts when it loads the intent classifier, as found in this process."""
    from skops.io import _trusted_types

    return {name: value for name, value in vars(_trusted_types).items() if name.endswith("_TYPE_NAMES")}


def test_skops_imported_early_finds_the_names_it_finds_after_rasa() -> None:
    served = in_serving_process("""
import json
import skops.io._trusted_types as trusted
print(json.dumps({name: value for name, value in vars(trusted).items() if name.endswith("_TYPE_NAMES")}))
""")
    import rasa.core.processor  # noqa: F401  (as in a training process, where Rasa is imported before skops.io)

    names = trusted_type_names()
    assert len(names) >= 4 and all(names.values())
    assert served == json.loads(json.dumps(names))


def model_metadata() -> Dict[str, Any]:
    """The trained model's metadata.json."""
    with tarfile.open(MODEL) as archive:
        return json.load(archive.extractfile("metadata.json"))


def test_the_deferred_train_schema_is_rasas_once_read() -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    serialized = model_metadata()
    deferred = patches.metadata_from_dict(ModelMetadata, copy.deepcopy(serialized))
    rasas = patches._rasa_metadata_from_dict(ModelMetadata, copy.deepcopy(serialized))
    assert isinstance(deferred.train_schema, patches.DeferredGraphSchema)
    assert deferred.train_schema._nodes is None  # nothing imported yet
    assert deferred.predict_schema == rasas.predict_schema
    assert deferred.train_schema.nodes == rasas.train_schema.nodes
    assert deferred.as_dict() == rasas.as_dict()


def test_refused_import_finds_the_refusal_behind_an_error() -> None:
    refusal = serving_imports.RefusedImportError("no", name="tensorflow")
    try:
        try:
            raise refusal
        except ImportError as error:
            raise RuntimeError("Can't find class for graph component type 'DIETClassifier'") from error
    except RuntimeError as wrapped:
        assert serving_imports.refused_import(wrapped) is refusal
    assert serving_imports.refused_import(RuntimeError("unrelated")) is None
