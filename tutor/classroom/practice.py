"""The practice drill: one quantity at a time, in the order of the notes, with a hint ladder.

    session = Session(derivation, console, reader, PracticeOptions(max_tries=3))
    session.run()            # asks until done, `quit`, end of input or Ctrl-C; never raises for those
    print_summary(session)   # tutor.classroom.practiceview
    session.exit_code        # 0 all eventually right, 1 not, 130 interrupted

Answers (numbers, or formulas in the problem's names) are read by `tutor.files.answers.parse_answer` (the
expression grammar) and judged by
`tutor.checking.check.Checker` one at a time: tolerance, error carried forward from the student's own earlier
values, and mistake diagnosis with stable tags. Input comes from an injected `Reader` (a callable
`prompt -> line` raising EOFError at the end), output goes to a Rich console: no other I/O.
"""

from __future__ import annotations

import random
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.text import Text

from tutor.checking.check import Checker, CheckItem
from tutor.checking.checkmodel import CheckModel
from tutor.checking.hints import RUNGS
from tutor.checking.mistakewords import mistake_words
from tutor.checking.models import check_model
from tutor.escape import terminal
from tutor.files.answers import Answer, parse_answer
from tutor.maths.numfmt import fmt
from tutor.model.keys import QUANTITIES, read_key, split_key
from tutor.model.keyset import counted_keys

PHASES = ("forward", "loss", "backward", "update")  # `loss` is its own phase, as in `nnstep solve --only`
PART_PHASE = {part: q.phase for part, q in QUANTITIES.items()}  # forward, backward, update; loss its own
RIGHT = ("first try", "after hints")
SHOWN = ("given up", "skipped")  # the right value was shown: later answers build on it
STATUSES = (*RIGHT, *SHOWN, "incorrect", "unanswered")  # incorrect: answered wrongly when the session ended
QUIT, SKIP, HINT = ("quit", "exit", "q"), ("skip", "s"), ("?", "hint", "h")

Reader = Callable[[str], str]  # prompt -> one line of input; EOFError at the end of input


@dataclass(frozen=True)
class PracticeOptions:
    only: frozenset[str] | None = None  # phases (PHASES) to ask about; None: all
    ask: int | None = None  # a random subset of this many quantities, kept in derivation order
    seed: int | None = None  # for --ask
    max_tries: int = 3  # wrong answers before the value is shown
    step: int | None = None  # only this step of a multi-step problem
    digits: int = 6


@dataclass
class Item:
    """One quantity to ask for, and how it went."""

    key: str
    description: str
    expected: Any  # the exact SymPy value
    status: str = "unanswered"
    carried: bool = False
    attempts: list[str] = field(default_factory=list)  # what the student typed, readable answers only
    wrong: int = 0
    rung: int = 0  # the highest hint rung shown
    value: float | None = None  # the accepted answer, or the last wrong one
    tags: list[str] = field(default_factory=list)


def phase_of(key: str) -> str:
    return PART_PHASE[read_key(key).quantity]  # `loss`, or an example's `ex2.loss`: the loss


def select_keys(derivation: Any, options: PracticeOptions, model: CheckModel | None = None) -> list[str]:
    """The keys to ask, in derivation order: the keys that count, as in `nnstep check` (`tutor.model.keyset`: not
    a frozen parameter's `.new`, which is unchanged, nor a graph's local derivatives, which the hints show)."""
    model = model or check_model(derivation)
    keys = [
        k
        for k in counted_keys(model, model.settings, options.step)
        if options.only is None or phase_of(k) in options.only
    ]
    if options.ask is not None and options.ask < len(keys):
        chosen = set(random.Random(options.seed).sample(keys, options.ask))
        keys = [k for k in keys if k in chosen]
    return keys


def given_keys(
    derivation: Any, options: PracticeOptions, asked: list[str], model: CheckModel | None = None
) -> list[str]:
    """The values the student works from without being asked: those of the phases `--only` leaves out (and
    the previous step's updated parameters for `--step`), up to the last quantity asked."""
    model = model or check_model(derivation)
    if not asked:
        return []
    chosen, step, order = set(asked), options.step, list(model.expected)
    last = order.index(asked[-1])

    def left_out(key: str) -> bool:
        at = split_key(key)[0]
        if step is not None and at != step:
            return at == step - 1 and phase_of(key) == "update"
        return options.only is not None and phase_of(key) not in options.only

    return [k for k in counted_keys(model, model.settings) if order.index(k) < last and k not in chosen and left_out(k)]


class _Quit(Exception):
    pass


class Session:
    """One drill over the quantities `select_keys` picks; `run` asks them in turn."""

    def __init__(
        self,
        derivation: Any,
        console: Console,
        reader: Reader,
        options: PracticeOptions | None = None,
        checker: Checker | None = None,
    ) -> None:
        self.derivation = derivation
        self.console = console
        self.reader = reader
        self.options = options or PracticeOptions()
        self.checker = checker or Checker(derivation)
        model = self.checker.model
        self.hints = model.hints(self.options.digits)
        keys = select_keys(derivation, self.options, model)
        self.items = [Item(k, self.checker.describe(k), model.expected[k]) for k in keys]
        self.events: list[dict[str, Any]] = []
        self.ended = "not started"  # then: done, quit, eof, interrupted

    # ---------------------------------------------------------------- the loop
    def run(self) -> str:
        """Ask every item; returns how it ended: done, quit, eof (end of input) or interrupted (Ctrl-C)."""
        self.ended = "done"
        try:
            for number, item in enumerate(self.items, 1):
                self._ask(number, item)
        except _Quit:
            self.ended = "quit"
        except EOFError:
            self.ended = "eof"
            self._say("\n(end of input)", "dim")
        except KeyboardInterrupt:
            self.ended = "interrupted"
            self._say("\n(interrupted)", "dim")
        for item in self.items:  # the one in progress when the session ended, if answered wrongly
            if item.status == "unanswered" and item.wrong:
                item.status = "incorrect"
        self._log(None, "end", how=self.ended)
        return self.ended

    def _ask(self, number: int, item: Item) -> None:
        self._say(f"\n[{number}/{len(self.items)}] {item.key}: {item.description}", "bold")
        self._log(item.key, "prompt", description=item.description)
        while item.status == "unanswered":
            text = self.reader(f"{item.key} = ").strip()
            if text:
                self._log(item.key, "answer", text=text)
                self._respond(item, text)

    def _respond(self, item: Item, text: str) -> None:
        word = text.lower()
        if word in QUIT:
            raise _Quit
        if word in SKIP:
            self._finish(item, "skipped")
        elif word in HINT:
            self._hint(item, item.rung + 1)
        else:
            self._judge(item, parse_answer(item.key, text))

    # ---------------------------------------------------------------- one answer
    def _judge(self, item: Item, answer: Answer) -> None:
        if answer.number is None and not answer.formula:
            self._unreadable(answer.error)
            return
        verdict = self._check(item, answer)
        self._log(item.key, "verdict", verdict=verdict.verdict, tags=list(verdict.tags), message=verdict.message)
        if verdict.verdict == "invalid":  # a formula in names the problem has not: not a try either
            self._unreadable(verdict.message)
            return
        item.attempts.append(answer.raw)
        if verdict.verdict in ("correct", "carried"):
            item.value, item.carried = verdict.given, verdict.verdict == "carried"
            if item.carried:
                self._say(
                    f"  ✓ {verdict.message.removeprefix('carried forward: ')}: carried forward, it counts", "green"
                )
            else:
                self._say("  ✓ right" + _decided(verdict), "green")
            self._finish(item, "first try" if item.wrong == 0 and item.rung == 0 else "after hints", show=False)
            return
        item.wrong += 1
        item.value = verdict.given
        item.tags += verdict.tags
        self._say("  ✗ not right" + _decided(verdict), "red")
        for tag in verdict.tags:
            self._say(f"  ⚠ {mistake_words(tag, item.key, self.checker.model)} [{tag}]", "yellow")
        if item.wrong >= self.options.max_tries:
            self._finish(item, "given up")
        else:
            left = self.options.max_tries - item.wrong
            self._hint(item, min(item.rung + 1, RUNGS - 1), f"{left} {'try' if left == 1 else 'tries'} left")

    def _unreadable(self, why: str | None) -> None:
        self._say(f"  Cannot read that: {why}. Type a number, a fraction (1/2) or an expression ", "yellow")
        self._say("  (2 - 0.1*20), or a formula in the problem's names; ? for a hint, skip, quit.", "yellow")

    def _check(self, item: Item, answer: Answer) -> CheckItem:
        """The checker's verdict on `answer`, given the student's own earlier values (error carried forward)."""
        sheet = {k: Answer(k, fmt(v, 17), number=v) for k, v in self.student().items()}
        sheet[item.key] = answer
        return next(i for i in self.checker.check(sheet).items if i.key == item.key)

    def student(self) -> dict[str, float]:
        """The values later answers build on: the student's own accepted ones (rounded, or carried), and
        the right value of a quantity given up or skipped, as it was shown."""
        own = {i.key: i.value for i in self.items if i.status in RIGHT and i.value is not None}
        shown = {i.key: float(i.expected) for i in self.items if i.status in SHOWN}
        return {**own, **shown}

    def _hint(self, item: Item, rung: int, note: str = "") -> None:
        if rung >= RUNGS:
            self._finish(item, "given up")
            return
        item.rung = max(item.rung, rung)
        label = ("Hint: the formula", "Hint: with the numbers")[rung - 1]
        self._say(f"  {label}{f' ({note})' if note else ''}:", "cyan")
        text = self.hints.rung(item.key, rung)
        self._say(_indent(text, self.console.width), "cyan")
        self._log(item.key, "hint", rung=rung, text=text)

    def _finish(self, item: Item, status: str, *, show: bool = True) -> None:
        item.status = status
        self._log(item.key, "done", status=status, carried=item.carried)
        if show:
            text = self.hints.rung(item.key, RUNGS)
            self._say(f"  The value ({status}):", "magenta")
            self._say(_indent(text, self.console.width), "magenta")
            self._log(item.key, "hint", rung=RUNGS, text=text)

    # ---------------------------------------------------------------- results
    @property
    def right(self) -> list[Item]:
        return [i for i in self.items if i.status in RIGHT]

    @property
    def exit_code(self) -> int:
        if self.ended == "interrupted":
            return 130
        return 0 if len(self.right) == len(self.items) else 1

    def recurring(self) -> list[tuple[str, int]]:
        """Mistake tags seen at least twice over the whole session, most frequent first."""
        counts = Counter(tag for i in self.items for tag in i.tags)
        return [(tag, n) for tag, n in counts.most_common() if n >= 2]

    def transcript(self) -> dict[str, Any]:
        """Everything that happened, for `--save`: options, events in order, and the result per quantity."""
        problem = self.derivation.problem
        opts = self.options
        return {
            "problem": {"title": problem.title, "source": str(problem.source)},
            "options": {
                "only": sorted(opts.only) if opts.only else None,
                "ask": opts.ask,
                "seed": opts.seed,
                "max_tries": opts.max_tries,
                "step": opts.step,
            },
            "ended": self.ended,
            "score": len(self.right),
            "max_score": len(self.items),
            "first_try": sum(1 for i in self.items if i.status == "first try"),
            "recurring": [{"tag": t, "count": n} for t, n in self.recurring()],
            "items": [_item_json(i) for i in self.items],
            "events": self.events,
        }

    # ---------------------------------------------------------------- output
    def _say(self, text: str, style: str = "") -> None:
        self.console.print(Text(terminal(text, multiline=True), style=style or ""))  # it may echo an answer

    def _log(self, key: str | None, event: str, **data: Any) -> None:
        self.events.append({"key": key, "event": event, **data} if key else {"event": event, **data})


def _decided(verdict: CheckItem) -> str:
    """How a formula answer was judged: ` (the key's formula, by algebra)`; "" for a number."""
    if verdict.formula is None:
        return ""
    how = verdict.formula.get("decided_by")
    if how == "algebra":
        return " (the key's formula, by algebra)" if verdict.verdict == "correct" else ""
    if verdict.verdict != "correct":
        return " (not the key's formula: they differ at a random point)"
    return f" (equal to the key's formula numerically at {verdict.formula.get('points')} random points)"


def _indent(text: str, width: int) -> str:
    """A hint indented under its label, each line wrapped to the console's `width` (continuations further in)."""
    out = []
    for line in text.splitlines():
        own = " " * (4 + len(line) - len(line.lstrip()))
        wrapped = textwrap.wrap(
            line.strip(), max(width - 1, 40), initial_indent=own, subsequent_indent=own + "  ", break_on_hyphens=False
        )
        out += wrapped or [""]
    return "\n".join(out)


def _item_json(item: Item) -> dict[str, Any]:
    return {
        "key": item.key,
        "expected": fmt(item.expected, 10),
        "status": item.status,
        "carried": item.carried,
        "attempts": item.attempts,
        "tags": item.tags,
    }
