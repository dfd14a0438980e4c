"""Every error class jixiao defines subclasses the one root, JixiaoError (interrupts that must
pass through ``except Exception``: JixiaoInterrupt)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import jixiao
from jixiao.model.errors import JixiaoError, JixiaoInterrupt

_MODULES = [m.name for m in pkgutil.walk_packages(jixiao.__path__, "jixiao.")]


def test_every_error_class_subclasses_jixiao_error() -> None:
    errors = {}
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # an optional extra (openai for providers.openai_compat) is not installed
            continue
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, BaseException):
                errors[f"{name}.{cls_name}"] = cls
    assert len(errors) >= 10, sorted(errors)  # IngestError, EvalError, the Llm* family, …
    bad = sorted(n for n, c in errors.items() if not issubclass(c, (JixiaoError, JixiaoInterrupt)))
    assert not bad, f"derive these from jixiao.model.errors.JixiaoError: {bad}"
