"""Generate ``conveyor/protocol/sqs_shapes.json`` from botocore's SQS service model.

Why: the codecs need each operation's member names and types, and the query protocol's
flattened names (``Attribute.1.Name``, ``<Message>``...).  botocore's current (JSON) model
still has the shapes but has lost the query ``locationName`` traits, so those names come from
the table below.  The server must not depend on botocore at run time, so the result is a small
committed data file.

Usage::

    python scripts/gen_shapes.py [--model PATH] [--out PATH] [--verify-query-model PATH]

``--verify-query-model`` checks the table against an old query-protocol model (botocore
1.31.80 or earlier) and fails loudly on any difference.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pathlib
import sys
from typing import Any

SCALARS = {"string": "string", "integer": "integer", "long": "long", "boolean": "boolean", "blob": "blob"}

# Query names that differ from the JSON member name, per (structure, member).
MEMBER_NAMES: dict[tuple[str, str], str] = {
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
}

# Query names attached to a map shape itself (apply wherever the shape is used).
SHAPE_NAMES: dict[str, str] = {
    "QueueAttributeMap": "Attribute",
    "MessageSystemAttributeMap": "Attribute",
    "TagMap": "Tag",
}

# Element name of each (flattened) list's items.
LIST_MEMBER_NAMES: dict[str, str] = {
    "AWSAccountIdList": "AWSAccountId",
    "ActionNameList": "ActionName",
    "AttributeNameList": "AttributeName",
    "BatchResultErrorEntryList": "BatchResultErrorEntry",
    "BinaryList": "BinaryListValue",
    "StringList": "StringListValue",
    "ChangeMessageVisibilityBatchRequestEntryList": "ChangeMessageVisibilityBatchRequestEntry",
    "ChangeMessageVisibilityBatchResultEntryList": "ChangeMessageVisibilityBatchResultEntry",
    "DeleteMessageBatchRequestEntryList": "DeleteMessageBatchRequestEntry",
    "DeleteMessageBatchResultEntryList": "DeleteMessageBatchResultEntry",
    "SendMessageBatchRequestEntryList": "SendMessageBatchRequestEntry",
    "SendMessageBatchResultEntryList": "SendMessageBatchResultEntry",
    "ListMessageMoveTasksResultEntryList": "ListMessageMoveTasksResultEntry",
    "MessageList": "Message",
    "MessageAttributeNameList": "MessageAttributeName",
    # Added after SQS moved to JSON; AWS's query API documents MessageSystemAttributeName.N.
    "MessageSystemAttributeList": "MessageSystemAttributeName",
    "QueueUrlList": "QueueUrl",
    "TagKeyList": "TagKey",
}

# (key element, value element) of each flattened map's entries.
MAP_ENTRY_NAMES: dict[str, tuple[str, str]] = {
    "MessageBodyAttributeMap": ("Name", "Value"),
    "MessageBodySystemAttributeMap": ("Name", "Value"),
    "MessageSystemAttributeMap": ("Name", "Value"),
    "QueueAttributeMap": ("Name", "Value"),
    "TagMap": ("Key", "Value"),
}


def default_model_path() -> pathlib.Path:
    """The model installed with botocore (imported lazily: only this script needs it)."""
    import botocore

    return pathlib.Path(botocore.__file__).parent / "data/sqs/2012-11-05/service-2.json.gz"


def load_model(path: pathlib.Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


class Generator:
    """Walks the shapes reachable from the operations and emits the compact form."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.model_shapes: dict[str, Any] = model["shapes"]
        self.out: dict[str, Any] = {}

    def ref(self, shape_name: str) -> str:
        """Scalar type name, or the aggregate shape's name (emitting it on first use)."""
        shape = self.model_shapes[shape_name]
        kind = shape["type"]
        if kind in SCALARS:
            return SCALARS[kind]
        if shape_name not in self.out:
            self.out[shape_name] = {}  # placeholder against recursion
            self.out[shape_name] = getattr(self, f"emit_{kind}")(shape_name, shape)
        return shape_name

    def emit_structure(self, name: str, shape: dict[str, Any]) -> dict[str, Any]:
        members = {}
        for member, ref in shape["members"].items():
            members[member] = {"name": self.query_name(name, member, ref), "type": self.ref(ref["shape"])}
        return {"type": "structure", "members": members, "required": shape.get("required", [])}

    def emit_list(self, name: str, shape: dict[str, Any]) -> dict[str, Any]:
        return {"type": "list", "member": self.ref(shape["member"]["shape"])}

    def emit_map(self, name: str, shape: dict[str, Any]) -> dict[str, Any]:
        if not shape.get("flattened"):
            raise SystemExit(f"map {name} is not flattened; the codecs only support flattened maps")
        key_name, value_name = MAP_ENTRY_NAMES[name]
        return {
            "type": "map",
            "key": self.ref(shape["key"]["shape"]),
            "value": self.ref(shape["value"]["shape"]),
            "key_name": key_name,
            "value_name": value_name,
        }

    def query_name(self, struct: str, member: str, ref: dict[str, Any]) -> str:
        """The name a member has on the query wire, as botocore's query serializer computes it."""
        target = ref["shape"]
        target_shape = self.model_shapes[target]
        if target_shape["type"] == "list":
            if not (ref.get("flattened") or target_shape.get("flattened")):
                raise SystemExit(f"{struct}.{member} is not flattened; the codecs need flattened lists")
            return LIST_MEMBER_NAMES[target]
        return MEMBER_NAMES.get((struct, member)) or SHAPE_NAMES.get(target) or member


def generate(model: dict[str, Any]) -> dict[str, Any]:
    gen = Generator(model)
    operations = {}
    for op_name, op in sorted(model["operations"].items()):
        output = op.get("output", {}).get("shape")
        operations[op_name] = {
            "input": gen.ref(op["input"]["shape"]),
            "output": gen.ref(output) if output else None,
        }
    return {
        "apiVersion": model["metadata"]["apiVersion"],
        "xmlNamespace": f"http://queue.amazonaws.com/doc/{model['metadata']['apiVersion']}/",
        "operations": operations,
        "shapes": dict(sorted(gen.out.items())),
    }


def verify(generated: dict[str, Any], query_model: dict[str, Any]) -> list[str]:
    """Compare our query names with an old query-protocol model; return the differences."""
    old = generate_names_from_query_model(query_model)
    problems = []
    for shape_name, shape in generated["shapes"].items():
        if shape["type"] != "structure" or shape_name not in old:
            continue
        for member, info in shape["members"].items():
            expected = old[shape_name].get(member)
            if expected is not None and expected != info["name"]:
                problems.append(f"{shape_name}.{member}: {info['name']} != {expected}")
    return problems


def generate_names_from_query_model(model: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Effective query names in an old model, following botocore's query serializer rules."""
    shapes = model["shapes"]
    names: dict[str, dict[str, str]] = {}
    for shape_name, shape in shapes.items():
        if shape["type"] != "structure":
            continue
        names[shape_name] = {}
        for member, ref in shape["members"].items():
            target = shapes[ref["shape"]]
            name = ref.get("locationName") or target.get("locationName") or member
            if target["type"] == "list" and (ref.get("flattened") or target.get("flattened")):
                name = target["member"].get("locationName") or name
            names[shape_name][member] = name
    return names


def main(argv: list[str] | None = None) -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=pathlib.Path, default=None)
    parser.add_argument("--out", type=pathlib.Path, default=root / "conveyor/protocol/sqs_shapes.json")
    parser.add_argument("--verify-query-model", type=pathlib.Path, default=None)
    args = parser.parse_args(argv)
    generated = generate(load_model(args.model or default_model_path()))
    if args.verify_query_model:
        problems = verify(generated, load_model(args.verify_query_model))
        if problems:
            print("query names differ from the old model:", *problems, sep="\n  ", file=sys.stderr)
            return 1
    args.out.write_text(json.dumps(generated, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(generated['operations'])} operations, {len(generated['shapes'])} shapes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
