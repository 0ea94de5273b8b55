"""Command-line flags made from a config dataclass, so that a setting is declared once.

Each field of the dataclass is declared with setting(default, help): the help text is the
flag's help, and the field's type annotation chooses the flag's kind (int, float, str,
bool, or a comma-separated list of positive integers for Tuple[int, ...]). A default of
None means "not given" (the flag's value stays None unless it is passed).

    define_flags(Config)                       # --task, --cell, ... from Config's fields
    config = Config(**values_from_flags(Config))
"""

import dataclasses
import sys
import typing

from absl import flags

from common.cli import parse_positive_integers


def setting(default, help, choices=None):
    """A dataclass field with its command-line help; choices: a function returning the valid
    values, listed in the help."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices})


def _base_type(annotation):
    """int for Optional[int], tuple for Optional[Tuple[int, ...]], and so on."""
    if typing.get_origin(annotation) is typing.Union:
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return typing.get_origin(annotation) or annotation


_DEFINERS = {int: flags.DEFINE_integer, float: flags.DEFINE_float, str: flags.DEFINE_string,
             bool: flags.DEFINE_bool, tuple: flags.DEFINE_list}


def help_text(field):
    text = field.metadata.get("help", "")
    choices = field.metadata.get("choices")
    return f"{text} (one of: {', '.join(choices())})" if choices else text


def define_flags(config_class, names=None, defaults=None, flag_values=flags.FLAGS):
    """Defines one flag per field of config_class (or per field in names), with the field's
    default (or defaults[name]) and help."""
    hints = typing.get_type_hints(config_class)
    defaults = defaults or {}
    for field in dataclasses.fields(config_class):
        if names is not None and field.name not in names:
            continue
        default = defaults.get(field.name, field.default)
        define = _DEFINERS[_base_type(hints[field.name])]
        if define is flags.DEFINE_list and default is not None:
            default = [str(value) for value in default]
        # Registered as the main program's own flags, so that its --help lists them.
        define(field.name, default, help_text(field), flag_values=flag_values, module_name=sys.argv[0])


def values_from_flags(config_class, names=None, flag_values=flags.FLAGS):
    """{field name: parsed flag value} for the fields whose flags define_flags defined."""
    hints = typing.get_type_hints(config_class)
    values = {}
    for field in dataclasses.fields(config_class):
        if (names is not None and field.name not in names) or field.name not in flag_values:
            continue
        value = flag_values[field.name].value
        if _base_type(hints[field.name]) is tuple:
            value = parse_positive_integers(field.name, value)
        values[field.name] = value
    return values
