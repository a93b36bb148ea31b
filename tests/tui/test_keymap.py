"""Your keys (config.toml's [keys]) and the `:` line's words, without a terminal: the keymap the desk, the help
and `triagedesk keys` all read; parsing, aliases and id completion (property: the index agrees with a scan)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.cli import run_cli
from triagedesk.app.actor import config_path
from triagedesk.tui import keymap, keys
from triagedesk.tui.command_line import IdIndex, Unknown, Word, complete, expand, parse, rename_parts


def test_every_row_has_a_unique_id_and_the_defaults_do_not_clash() -> None:
    ids = [row.id for row in keys.KEYS]
    assert ids and len(ids) == len(set(ids))
    assert keymap.DEFAULT.problems == []
    assert keymap.DEFAULT.textual() == {}


def test_a_users_key_replaces_the_default_everywhere_the_key_is_named() -> None:
    found = keymap.build({"escalate": "ctrl+g", "senior": "F5"})
    rows = {row.id: row for row in keys.KEYS}
    assert found.key(rows["escalate"]) == "ctrl+g" and found.key(rows["senior"]) == "f5"
    assert found.textual() == {"escalate": "ctrl+g", "senior": "f5"}
    assert found.key_of()["escalate"] == "ctrl+g"  # a refusal's "first: ..." names the user's key
    assert dict((r.id, s) for r, _, s in found.rows())["escalate"] == "config"


@pytest.mark.parametrize(("spec", "expected"), [
    ({"escalate": "r"}, "escalate = 'r': r already takes reassign; kept !"),
    ({"teleport": "z"}, "teleport: no such action"),
    ({"escalate": " , "}, "escalate: no key given"),
    ({"escalate": "q"}, "q already takes quit"),  # an app-wide key clashes with every role's
    ({"escalate": "ctrl+p"}, "escalate = 'ctrl+p': ctrl+p is kept for the command palette; kept !"),
    ({"senior": "F5,Ctrl+Q"}, "ctrl+q is kept for quitting the desk"),
    ({"help": "ctrl+c"}, "ctrl+c is kept for quitting the desk"),
])
def test_a_clash_or_an_unknown_action_keeps_the_default_and_is_reported(spec: dict[str, str], expected: str) -> None:
    found = keymap.build(spec)
    assert len(found.problems) == 1 and expected in found.problems[0]
    assert found.textual() == {}


def test_keys_of_different_roles_may_share_a_key() -> None:
    """E ends an expert's session; a coordinator may take E for escalate (never both on one desk)."""
    found = keymap.build({"escalate": "E"})
    assert found.problems == [] and found.textual() == {"escalate": "E"}


def test_keys_cli_prints_the_effective_map_with_sources_and_says_what_is_wrong() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\nescalate = "ctrl+g"\nnope = "x"\n', "utf-8")
    done = run_cli("keys", "--json", env={"TRIAGEDESK_CONFIG": str(path)})
    assert done.returncode == 0, done.stderr
    rows = {row["action"]: row for row in json.loads(done.stdout)}
    assert rows["escalate"]["key"] == "ctrl+g" and rows["escalate"]["source"] == "config"
    assert rows["reassign"]["key"] == "r" and rows["reassign"]["source"] == "default"
    assert done.stderr.strip() == "triagedesk: notice: [keys] nope: no such action (triagedesk keys lists them)"


ACTIONS = {"escalate": "escalate", "start session": "start_session", "assign_2": "assign(2)", "help": "help"}


@pytest.mark.parametrize(("line", "verb", "argument"), [
    ("INC-001141", "go", "INC-001141"),
    ("go INC-001141", "go", "INC-001141"),
    ("Start   Session", "action", "start_session"),
    ("assign_2", "action", "assign(2)"),
    ("view rename a b = c", "view rename", "a b = c"),
    ("view  hot", "view", "hot"),
    ("status waiting", "status", "waiting"),
])
def test_a_line_means_one_thing(line: str, verb: str, argument: str) -> None:
    found = parse(line, ACTIONS)
    assert (found.verb, found.argument) == (verb, argument)


@pytest.mark.parametrize("line", ["", "   ", "two words", "a/b"])
def test_a_line_that_means_nothing_says_what_would(line: str) -> None:
    with pytest.raises(Unknown, match="issue id|Tab completes"):
        parse(line, ACTIONS)


def test_aliases_expand_in_chains_and_a_loop_is_named() -> None:
    aliases = {"mine": "view mine", "m": "mine", "a": "b", "b": "a"}
    assert expand("m", aliases) == "view mine"
    assert expand("filter x", aliases) == "filter x"
    with pytest.raises(Unknown, match="alias 'a' refers back to itself"):
        expand("a", aliases)
    assert rename_parts("old name = new name") == ("old name", "new name")
    with pytest.raises(Unknown):
        rename_parts("old only")


ids = st.lists(st.from_regex(r"[A-Za-z]{1,3}-[0-9]{1,4}", fullmatch=True), max_size=60)


@given(ids, st.from_regex(r"[A-Za-z]{0,3}-?[0-9]{0,2}", fullmatch=True))
def test_the_id_index_finds_what_a_scan_finds(found: list[str], prefix: str) -> None:
    index = IdIndex(found)
    scanned = sorted({i for i in found if i.lower().startswith(prefix.lower())}, key=lambda i: (i.lower(), i))
    assert index.starting(prefix, limit=1000) == [i for i in sorted(found, key=lambda i: (i.lower(), i))
                                                  if i in scanned]
    for one in found:
        assert index.find(one) == one


def test_completion_puts_ids_first_and_ranks_words_by_fuzzy_score() -> None:
    words = [Word("escalate", ""), Word("end_session", ""), Word("help", "")]
    index = IdIndex(["INC-1", "INC-12", "APR-1"])
    assert [w.text for w in complete("inc-1", words, index)][:2] == ["INC-1", "INC-12"]
    assert complete("esc", words, index)[0].text == "escalate"
    assert [w.text for w in complete("", words, index)] == ["escalate", "end_session", "help"]
