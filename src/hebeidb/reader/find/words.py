"""The words of a search: what a question asks for, as terms the record's texts can be searched for.

A question is cut into words and numbers; words that say nothing about what a figure is about
("how", "many", "the", "did") are dropped. Each word becomes the stem it is matched by, as the
start of a word, so that plurals and other forms match ("shares" and "sharing" find "share",
"disabled" finds "disabilities", "children" finds "child"). Numbers and number words become terms
that match every way the record writes them: "11th" and "eleventh", "nine" and "9", "17000" and
"17,000", "1.3 million"; they also match the facts whose value they are. The number words come
from the record itself (``core.number_words``).

Each term gives the regular expression that decides a match and the ILIKE patterns that decide
most rows without it (:meth:`Term.sure`, :meth:`Term.maybe`): a million quotes are searched with
ILIKE, and the expression runs only where ILIKE cannot tell.

>>> [t.stem for t in terms("How many children with autism received rehabilitation?")]
['child', 'autis', 'receiv', 'rehabilit']
>>> [t.forms for t in terms("the eleventh National Games", {"eleventh": (11, "ordinal")})]
[('11th', 'eleventh'), (), ()]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hebeidb.common.errors import ParameterError

MAX_TERMS = 12
MAX_CHARACTERS = 1000
# Words that say nothing about what a figure is about: articles, pronouns, question words and the
# verbs questions are built with. "How many athletes did Hebei send?" asks for "athletes" and "Hebei".
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "became",
        "become",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "came",
        "can",
        "come",
        "comes",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "during",
        "each",
        "either",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "give",
        "given",
        "go",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "know",
        "made",
        "make",
        "makes",
        "many",
        "may",
        "me",
        "might",
        "more",
        "most",
        "much",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "number",
        "of",
        "off",
        "on",
        "one",
        "onto",
        "or",
        "our",
        "out",
        "over",
        "per",
        "said",
        "say",
        "says",
        "see",
        "seen",
        "send",
        "sends",
        "sent",
        "she",
        "should",
        "show",
        "shown",
        "since",
        "so",
        "some",
        "such",
        "take",
        "taken",
        "takes",
        "taking",
        "tell",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "took",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
    ]
)
MIN_STEM = 4
# Endings removed to find a word's stem, longest first, with what replaces them; a stem keeps at
# least MIN_STEM letters. "disabled" and "disabilities" both become "disab".
SUFFIXES = (
    ("abilities", "ab"),
    ("ability", "ab"),
    ("ations", ""),
    ("itions", ""),
    ("abled", "ab"),
    ("ation", ""),
    ("ition", ""),
    ("ments", ""),
    ("istic", "is"),
    ("able", "ab"),
    ("ings", ""),
    ("ists", "is"),
    ("ment", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ism", "is"),
    ("ist", "is"),
    ("ive", ""),
    ("ren", ""),
    ("ly", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)
TOKEN = re.compile(
    r"(?P<number>\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<ordinal>st|nd|rd|th)?(?![^\W_])"
    r"|(?P<word>[^\W\d_]+)"
)
ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


@dataclass(frozen=True)
class Term:
    """One thing a search looks for.

    ``word`` is what the search was given ("eleventh", "1.3 million", "shares"); ``kind`` is
    ``word``, ``number`` or ``ordinal``; ``stem`` is the start of a word that a word term matches;
    ``forms`` are the ways the record may write a number or ordinal ("11th", "eleventh");
    ``value`` is the value a number written in digits stands for, matched against the facts'
    values; ``year`` the year such a whole number from 1900 to 2100 may be.
    """

    word: str
    kind: str
    stem: str
    forms: tuple[str, ...]
    value: Decimal | None = None
    year: int | None = None

    def regex(self) -> str:
        """The regular expression (RE2, as DuckDB runs it) that decides whether a text holds the term."""
        if self.kind == "word":
            boundary = r"\b" if self.stem[0].isascii() else ""
            return "(?i)" + boundary + re.escape(self.stem)
        alternatives = "|".join(re.escape(form) for form in self.forms)
        # A number stands alone: not inside a longer number ("17" in "17,000"), word or decimal.
        return rf"(?i)(?:^|[^0-9a-z.,])(?:{alternatives})(?:$|[^0-9a-z.,]|[.,](?:$|[^0-9]))"

    def sure(self) -> list[str]:
        """ILIKE patterns that are a match wherever they match (a word's stem after a space or at the start)."""
        if self.kind != "word":
            return []
        if not self.stem[0].isascii():
            return [f"%{self.stem}%"]
        return [f"% {self.stem}%", f"{self.stem}%"]

    def maybe(self) -> list[str]:
        """ILIKE patterns without which the term cannot match; where one matches, :meth:`regex` decides."""
        return [f"%{form}%" for form in (self.forms or (self.stem,))]


def split_words(words: str | Sequence[str]) -> list[str]:
    """The words and numbers of a search that say what it is about, lower-cased, each once.

    Refuses (:class:`ParameterError`) more than :data:`MAX_CHARACTERS` characters or
    :data:`MAX_TERMS` words, and a search with no word that counts, before anything is looked up.

    >>> split_words("How many children with autism?")
    ['children', 'autism']
    """
    text = words if isinstance(words, str) else " ".join(words)
    if len(text) > MAX_CHARACTERS:
        raise ParameterError(f"give at most {MAX_CHARACTERS} characters to search for, not {len(text):,}")
    found: dict[str, None] = {}  # in order of first use, each once
    for match in TOKEN.finditer(text.lower()):
        token = match.group(0)
        if match.group("word") and (token in STOP_WORDS or len(token) == 1):
            continue  # "s" of "China's"
        found.setdefault(token, None)
    if not found:
        raise ParameterError("give at least one word to search for (words such as 'the', 'how' or 'with' do not count)")
    if len(found) > MAX_TERMS:
        raise ParameterError(f"give at most {MAX_TERMS} words to search for, not {len(found)}")
    return list(found)


def terms(
    words: str | Sequence[str], number_words: Mapping[str, tuple[Decimal | int, str]] | None = None
) -> list[Term]:
    """The terms of a search, each once, in the order given.

    ``number_words`` maps the record's number words to their value and kind (``cardinal``,
    ``ordinal``, ``scale``), as ``core.number_words`` holds them; without it only digits are numbers.
    """
    lexicon = dict(number_words or {})
    words_by_value: dict[tuple[str, Decimal], str] = {}
    for word, (value, kind) in lexicon.items():
        words_by_value.setdefault((kind, Decimal(value)), word)
    tokens = split_words(words)
    found: dict[tuple[str, str], Term] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        term, used = _term(token, following, lexicon, words_by_value)
        found.setdefault((term.kind, term.stem), term)
        i += used
    return list(found.values())


def _term(
    token: str,
    following: str | None,
    lexicon: Mapping[str, tuple[Decimal | int, str]],
    words_by_value: Mapping[tuple[str, Decimal], str],
) -> tuple[Term, int]:
    """The term a token starts and how many tokens it takes (a number and its scale word take two)."""
    match = TOKEN.fullmatch(token)
    assert match is not None  # split_words gives tokens only
    if match.group("number"):
        digits = match.group("number")
        value = _decimal(digits)
        if match.group("ordinal"):
            return _ordinal(token, int(value), words_by_value), 1
        scale = lexicon.get(following or "")
        if scale is not None and scale[1] == "scale":
            written = f"{digits} {following}"
            return Term(written, "number", written, (written,), value * Decimal(scale[0])), 2
        return _number(digits, value, words_by_value), 1
    known = lexicon.get(token)
    if known is not None and known[1] == "ordinal":
        return _ordinal(token, int(known[0]), words_by_value), 1
    if known is not None and known[1] == "cardinal":
        # "nine" finds "9" and "nine" in a text, but not every figure of 9: "Hundred Counties" is a name.
        term = _number(str(int(known[0])), Decimal(known[0]), words_by_value)
        return Term(token, term.kind, term.stem, term.forms), 1
    return Term(token, "word", stem(token), ()), 1


def _decimal(digits: str) -> Decimal:
    try:
        return Decimal(digits.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - TOKEN gives digits only
        raise ParameterError(f"{digits!r} is not a number") from None


def _number(digits: str, value: Decimal, words_by_value: Mapping[tuple[str, Decimal], str]) -> Term:
    forms = [digits]
    if value == value.to_integral_value():
        whole = int(value)
        forms += [str(whole), f"{whole:,}"]
        word = words_by_value.get(("cardinal", Decimal(whole)))
        if word:
            forms.append(word)
    year = int(value) if value == value.to_integral_value() and 1900 <= value <= 2100 and "," not in digits else None
    unique = tuple(dict.fromkeys(forms))
    return Term(digits, "number", unique[0], unique, value, year)


def _ordinal(word: str, value: int, words_by_value: Mapping[tuple[str, Decimal], str]) -> Term:
    suffix = "th" if value % 100 in (11, 12, 13) else ORDINAL_SUFFIXES.get(value % 10, "th")
    forms = [f"{value}{suffix}"]
    written = words_by_value.get(("ordinal", Decimal(value)))
    if written:
        forms.append(written)
    return Term(word, "ordinal", forms[0], tuple(forms))


def stem(word: str) -> str:
    """The start of a word that its other forms share: an ending removed, a final "e" or "y" dropped.

    >>> [stem(w) for w in ["shares", "sharing", "disabled", "disabilities", "children", "families"]]
    ['shar', 'shar', 'disab', 'disab', 'child', 'famil']
    """
    if not word.isalpha() or not word.isascii():
        return word
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix):
            cut = word[: -len(suffix)] + replacement
            if len(cut) >= MIN_STEM:
                word = cut
                break
    # "share" and "shares" / "sharing", "family" and "families": the last letter varies.
    if word.endswith(("e", "y")) and len(word) > MIN_STEM:
        word = word[:-1]
    return word
