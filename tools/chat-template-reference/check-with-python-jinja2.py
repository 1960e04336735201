#!/usr/bin/env python3
"""Renders every committed chat-template golden with Python's Jinja2, configured as Hugging Face's
apply_chat_template configures it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
its tojson and raise_exception), and reports each case whose text or error differs from the golden that
@huggingface/jinja wrote. A second, independent check of the goldens; needs only `pip install jinja2`.

    python3 check-with-python-jinja2.py [shared models folder]
"""
import glob
import json
import os
import sys

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(os.path.dirname(here))
models = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CODEGEN_MODELS", os.path.join(repo, "..", "shared", "models"))


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

differences = 0
total = 0
for path in sorted(glob.glob(os.path.join(repo, "tests", "golden", "chat-templates", "*.json"))):
    golden = json.load(open(path, encoding="utf-8"))
    source_path = os.path.join(models if golden["template_root"] == "models" else repo, golden["template_path"])
    if source_path.endswith(".json"):
        source = json.load(open(source_path, encoding="utf-8"))["chat_template"]
        if isinstance(source, list):
            source = next(entry["template"] for entry in source if entry["name"] == "default")
    else:
        source = open(source_path, encoding="utf-8").read()

    template = env.from_string(source)
    for case in golden["cases"]:
        total += 1
        variables = dict(messages=case["messages"], add_generation_prompt=case["add_generation_prompt"], **case["variables"])
        for token in ("bos_token", "eos_token"):
            if golden[token] is not None:
                variables[token] = golden[token]
        try:
            actual = ("rendered", template.render(**variables))
        except TemplateError as error:
            actual = ("error", str(error))
        expected = ("rendered", case["rendered"]) if "rendered" in case else ("error", case["error"])
        if actual != expected:
            differences += 1
            print(f"{golden['template']} / {case['name']}: Jinja2 {actual!r:.300} but the golden has {expected!r:.300}")

print(f"Python Jinja2 differs from the goldens on {differences} of {total} cases")
sys.exit(1 if differences else 0)
