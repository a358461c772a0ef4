"""TeX math to MathML, so that exported notebooks show formulas without MathJax (offline).

nbconvert's HTML exports and nbgrader's feedback load MathJax from a CDN: offline, every
formula of the course shows as raw TeX. :func:`markdown_math_to_mathml` replaces the
``$...$`` and ``$$...$$`` formulas of a markdown cell by MathML, which browsers draw
themselves (Chromium 109+, Firefox, Safari). Used by :mod:`lmkit.course.export`.

Only the TeX the course's notebooks write is covered: letters and numbers, sub- and
superscripts, ``\\frac``, ``\\sqrt``, Greek letters, the usual operators and relations,
``\\text``/``\\operatorname``/``\\mathrm``/``\\mathbb``/``\\mathbf``/``\\mathcal``, accents
(``\\hat``, ``\\vec``, ``\\bar``, ``\\tilde``), ``\\underbrace``/``\\overbrace``, ``\\left``/
``\\right`` and ``\\big``-style delimiters, spacing, and the environments ``matrix``, ``pmatrix``,
``bmatrix``, ``vmatrix``, ``aligned`` and ``cases``. A formula with anything else (an unknown
command or environment) raises :class:`UnsupportedTeX` in :func:`tex_to_mathml`, and the
markdown keeps it as TeX.

Every character of the output's text is written as an entity or a letter or digit, so the
MathML survives a markdown renderer (no ``*``, ``_`` or ``$`` left for it to read) and no
input can inject markup.
"""

from __future__ import annotations

import re

__all__ = ["UnsupportedTeX", "markdown_math_to_mathml", "tex_to_mathml"]


class UnsupportedTeX(ValueError):
    """The formula uses TeX this converter does not know."""


GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
    "rho sigma tau upsilon phi varphi chi psi omega".split(),
    "αβγδϵεζηθϑικλμνξπρστυϕφχψω"))
UPRIGHT_GREEK = dict(zip("Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split(), "ΓΔΘΛΞΠΣΥΦΨΩ"))
ORDINARY = {"infty": "∞", "partial": "∂", "ell": "ℓ", "nabla": "∇", "emptyset": "∅", "top": "⊤", "hbar": "ℏ",
            "prime": "′", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮", "forall": "∀", "exists": "∃"}
OPERATORS = {
    "cdot": "⋅", "times": "×", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "pm": "±", "mp": "∓", "ast": "∗",
    "star": "⋆", "circ": "∘", "div": "÷", "cup": "∪", "cap": "∩", "setminus": "∖", "land": "∧", "lor": "∨",
    "neg": "¬", "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡",
    "propto": "∝", "ll": "≪", "gg": "≫", "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⟺", "implies": "⟹", "mapsto": "↦", "leftrightarrow": "↔",
    "uparrow": "↑", "downarrow": "↓", "mid": "∣", "parallel": "∥", "colon": ":",
}
FENCES = {"langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖", "|": "‖", "Vert": "‖", "lvert": "|", "rvert": "|",
          "vert": "|", "{": "{", "}": "}", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉"}
LARGE = {"sum": "∑", "prod": "∏", "int": "∫"}
FUNCTIONS = set("log exp ln sin cos tan tanh sinh cosh max min arg det dim lim sup inf deg gcd Pr".split())
LIMIT_FUNCTIONS = {"max", "min", "lim", "sup", "inf", "arg"}
SPACES = {",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em", " ": "0.25em", "quad": "1em",
          "qquad": "2em", "!": "0em", "enspace": "0.5em"}
ACCENTS = {"hat": "^", "widehat": "^", "vec": "→", "bar": "¯", "overline": "¯", "tilde": "~", "widetilde": "~",
           "dot": "˙", "ddot": "¨"}
BRACES = {"underbrace": ("munder", "⏟"), "overbrace": ("mover", "⏞")}
# Environment: (opening fence, closing fence, column alignments repeated across the columns).
ENVIRONMENTS = {"matrix": ("", "", ("center",)), "pmatrix": ("(", ")", ("center",)),
                "bmatrix": ("[", "]", ("center",)), "vmatrix": ("|", "|", ("center",)),
                "aligned": ("", "", ("right", "left")), "cases": ("{", "", ("left",))}
DELIMITER_SIZES = {"big": "1.2em", "Big": "1.623em", "bigg": "2.047em", "Bigg": "2.470em"}
TEXT_COMMANDS = {"text", "textrm", "textit", "textbf", "mathrm", "operatorname", "textsf", "texttt", "mbox",
                 "mathsf", "mathtt"}
ALPHABETS = {"mathbf": "bold", "boldsymbol": "bold", "bm": "bold", "mathbb": "double-struck",
             "mathcal": "script", "mathit": "italic"}
MO_CHARACTERS = {"+": "+", "-": "−", "=": "=", "<": "<", ">": ">", "/": "/", "*": "∗", ",": ",", ";": ";",
                 ":": ":", "!": "!", "?": "?", "(": "(", ")": ")", "[": "[", "]": "]", "|": "|", ".": "."}

# Letters of the styled alphabets (Unicode's mathematical alphanumerics, with the older code points
# that fill the holes of the double-struck and script ranges).
_ALPHABET_START = {"bold": (0x1D400, 0x1D41A, 0x1D7CE), "double-struck": (0x1D538, 0x1D552, 0x1D7D8),
                   "script": (0x1D49C, 0x1D4B6, None), "italic": (0x1D434, 0x1D44E, None)}
_ALPHABET_HOLES = {"double-struck": dict(zip("CHNPQRZ", "ℂℍℕℙℚℝℤ")), "script": dict(zip("BEFHILMR", "ℬℰℱℋℐℒℳℛ")),
                   "italic": {"h": "ℎ"}}
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


def _text(value: str) -> str:
    """Text for MathML: letters and digits as they are, every other character as a numeric entity."""
    return "".join(ch if ch.isalnum() and ch.isascii() else f"&#{ord(ch)};" for ch in value)


def _element(tag: str, *children: str, **attributes: str) -> str:
    attrs = "".join(f' {name.replace("_", "-")}="{_text(value)}"' for name, value in attributes.items())
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


def _row(nodes: list[str]) -> str:
    return nodes[0] if len(nodes) == 1 else _element("mrow", *nodes)


def _styled(text: str, alphabet: str) -> str:
    capital, small, digit = _ALPHABET_START[alphabet]
    out = []
    for ch in text:
        if ch in _ALPHABET_HOLES.get(alphabet, {}):
            out.append(_ALPHABET_HOLES[alphabet][ch])
        elif "A" <= ch <= "Z":
            out.append(chr(capital + ord(ch) - ord("A")))
        elif "a" <= ch <= "z":
            out.append(chr(small + ord(ch) - ord("a")))
        elif "0" <= ch <= "9" and digit:
            out.append(chr(digit + ord(ch) - ord("0")))
        else:
            out.append(ch)
    return "".join(out)


class _Parser:
    """Recursive descent over TeX tokens; each parse method returns MathML strings."""

    def __init__(self, tex: str, display: bool) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.position = 0
        self.display = display

    def peek(self, skip_space: bool = True) -> str | None:
        while skip_space and self.position < len(self.tokens) and self.tokens[self.position].isspace():
            self.position += 1
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise UnsupportedTeX("the formula ends too early")
        self.position += 1
        return token

    def sequence(self, stop: tuple[str, ...] = ()) -> list[str]:
        nodes = []
        while (token := self.peek()) is not None and token not in stop:
            if token == "}":
                raise UnsupportedTeX("unbalanced '}'")
            nodes.append(self.scripted())
        return nodes

    def group(self) -> list[str]:
        """The nodes of a {...} group (the opening brace not yet taken)."""
        if self.take() != "{":
            raise UnsupportedTeX("expected '{'")
        nodes = self.sequence(stop=("}",))
        if self.take() != "}":
            raise UnsupportedTeX("unbalanced '{'")
        return nodes

    def raw_group(self) -> str:
        """The source text of a {...} group (or of one token), braces balanced, for \\text and fonts."""
        if self.peek() != "{":
            return self.take().lstrip("\\")
        self.take()
        depth, parts = 1, []
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            self.position += 1
            depth += {"{": 1, "}": -1}.get(token, 0)
            if depth == 0:
                return "".join(parts)
            if token in ("\\,", "\\;", "\\:", "\\ ", "~"):
                token = " "
            parts.append(token[1:] if token in ("\\{", "\\}", "\\$", "\\%", "\\&", "\\_", "\\#") else token)
        raise UnsupportedTeX("unbalanced '{'")

    def argument(self) -> str:
        """One argument: a {...} group or a single atom."""
        return _row(self.group()) if self.peek() == "{" else self.atom()

    def scripted(self) -> str:
        base_token = self.peek()
        base = _element("mrow") if base_token in ("^", "_") else self.atom()  # "^{3/4}" has no base
        sub = sup = None
        while (token := self.peek()) in ("^", "_", "'"):
            self.take()
            if token == "'":
                sup = _element("mo", _text("′")) if sup is None else _row([sup, _element("mo", _text("′"))])
            elif token == "^":
                sup = self.argument()
            else:
                sub = self.argument()
        if sub is None and sup is None:
            return base
        name = base_token[1:] if base_token and base_token.startswith("\\") else ""
        under = name in BRACES or self.display and (name in LARGE or name in LIMIT_FUNCTIONS or 'data-limits="' in base)
        if sub is not None and sup is not None:
            return _element("munderover" if under else "msubsup", base, sub, sup)
        if sub is not None:
            return _element("munder" if under else "msub", base, sub)
        return _element("mover" if under else "msup", base, sup)

    def delimiter(self) -> str:
        token = self.take()
        if token == ".":
            return ""
        name = token[1:] if token.startswith("\\") else token
        if token.startswith("\\") and name in FENCES:
            return FENCES[name]
        if token in "()[]|/" and len(token) == 1:
            return token
        raise UnsupportedTeX(f"unknown delimiter {token}")

    def atom(self) -> str:
        token = self.take()
        if token == "{":
            self.position -= 1
            return _row(self.group())
        if token[0].isdigit():
            return _element("mn", _text(token))
        if token.isalpha() and len(token) == 1:
            return _element("mi", _text(token))
        if token in "()[]|":  # TeX grows a bracket only when asked (\left, \big); MathML would by default
            return _element("mo", _text(token), stretchy="false")
        if token in MO_CHARACTERS:
            return _element("mo", _text(MO_CHARACTERS[token]))
        if token == "~":
            return _element("mspace", width="0.25em")
        if token.startswith("\\"):
            return self.command(token[1:])
        if not token.isascii():
            return _element("mi", _text(token))
        raise UnsupportedTeX(f"unsupported character {token!r}")

    def command(self, name: str) -> str:
        if name in GREEK:
            return _element("mi", _text(GREEK[name]))
        if name in UPRIGHT_GREEK:
            return _element("mi", _text(UPRIGHT_GREEK[name]), mathvariant="normal")
        if name in ORDINARY:
            return _element("mi", _text(ORDINARY[name]))
        if name in OPERATORS:
            return _element("mo", _text(OPERATORS[name]))
        if name in FENCES:
            return _element("mo", _text(FENCES[name]), stretchy="false")
        if name in LARGE:
            return _element("mo", _text(LARGE[name]), largeop="true" if self.display else "false")
        if name in FUNCTIONS:
            return _element("mi", _text(name))
        if name in SPACES:
            return _element("mspace", width=SPACES[name])
        if name in ("frac", "dfrac", "tfrac"):
            return _element("mfrac", self.argument(), self.argument())
        if name == "sqrt":
            if self.peek() == "[":
                self.take()
                index = _row(self.sequence(stop=("]",)))
                self.take()
                return _element("mroot", self.argument(), index)
            return _element("msqrt", self.argument())
        if name in BRACES:
            tag, brace = BRACES[name]
            return _element(tag, self.argument(), _element("mo", _text(brace), stretchy="true"))
        if name == "begin":
            return self.environment(self.raw_group())
        if name in ACCENTS:
            return _element("mover", self.argument(), _element("mo", _text(ACCENTS[name])), accent="true")
        if name in TEXT_COMMANDS:
            limits = name == "operatorname" and self.peek() == "*"  # \operatorname*{arg max}: limits below
            if limits:
                self.take()
            text = self.raw_group().replace(" ", "\u00a0")  # token elements trim plain spaces
            if name == "operatorname" or name == "mathrm" and text.isalpha():
                attributes = {"mathvariant": "normal"} if len(text) == 1 else {}
                return _element("mi", _text(text), **attributes, **({"data_limits": "true"} if limits else {}))
            return _element("mtext", _text(text))
        if name in ALPHABETS:
            text = self.raw_group().replace(" ", "")
            return _element("mi", _text(_styled(text, ALPHABETS[name])))
        if name == "left":
            opening = self.delimiter()
            inner = self.sequence(stop=("\\right",))
            if self.take() != "\\right":
                raise UnsupportedTeX("\\left without \\right")
            closing = self.delimiter()
            fence = [_element("mo", _text(d), fence="true", stretchy="true") for d in (opening, closing)]
            return _element("mrow", *([fence[0]] if opening else []), *inner, *([fence[1]] if closing else []))
        size = re.fullmatch(r"(big|Big|bigg|Bigg)[lrm]?", name)
        if size:
            height = DELIMITER_SIZES[size.group(1)]
            return _element("mo", _text(self.delimiter()), stretchy="true", minsize=height, maxsize=height)
        if len(name) == 1 and name in "{}$%&#_":
            return _element("mo" if name in "{}" else "mi", _text(name))
        raise UnsupportedTeX(f"unsupported command \\{name}")


    def environment(self, name: str) -> str:
        """A matrix-like environment (the \\begin{name} taken): rows split by \\\\, cells by &."""
        if name not in ENVIRONMENTS:
            raise UnsupportedTeX(f"unsupported environment {name}")
        opening, closing, alignments = ENVIRONMENTS[name]
        rows, cells = [], []
        while True:
            cell = self.sequence(stop=("&", "\\\\", "\\end"))
            column = len(cells)
            style = f"text-align:{alignments[column % len(alignments)]};padding:0.1em 0.3em"
            cells.append(_element("mtd", _row(cell) if cell else "", style=style))
            token = self.take()
            if token != "&":
                rows.append(_element("mtr", *cells))
                cells = []
            if token == "\\end":
                if self.raw_group() != name:
                    raise UnsupportedTeX(f"\\begin{{{name}}} ended by another environment")
                break
        table = _element("mtable", *rows)
        fences = [_element("mo", _text(f), fence="true", stretchy="true") for f in (opening, closing) if f]
        return _element("mrow", *fences[:1] if opening else [], table, *fences[-1:] if closing else [])


def tex_to_mathml(tex: str, *, display: bool = False) -> str:
    """One formula (without its $ signs) as a MathML ``<math>`` element, the TeX kept as its annotation."""
    parser = _Parser(tex, display)
    nodes = parser.sequence()
    if parser.peek() is not None:
        raise UnsupportedTeX(f"unexpected {parser.peek()!r}")
    body = _element("mrow", *nodes)
    annotation = _element("annotation", _text(tex.strip()), encoding="application/x-tex")
    attributes = {"display": "block"} if display else {}
    return _element("math", _element("semantics", body, annotation), **attributes)


# Code (fenced blocks and inline spans) is never math; then $$...$$ (may span lines) and $...$
# (one line; not "$ " at the start, nor " $" at the end, nor a $ before a digit: prices stay).
_CODE = re.compile(r"(?ms)^[ \t]{0,3}(`{3,}|~{3,})[^\n]*\n.*?^[ \t]{0,3}\1[ \t]*$|(`+)(?:(?!\2).)+?\2")
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?![\s$])((?:\\\$|[^$\n])+?)(?<![\s\\])\$(?!\d)", re.S)


def markdown_math_to_mathml(source: str, unsupported: list[str] | None = None) -> str:
    """``source`` with each formula replaced by MathML; formulas that do not convert stay as TeX.

    The TeX of the formulas left as they were is appended to ``unsupported`` when given.
    """
    def replace(match: re.Match) -> str:
        tex, display = (match.group(1), True) if match.group(1) is not None else (match.group(2), False)
        try:
            return tex_to_mathml(tex, display=display)
        except UnsupportedTeX:
            if unsupported is not None:
                unsupported.append(tex)
            return match.group(0)

    pieces, last = [], 0
    for code in _CODE.finditer(source):
        pieces.append(_MATH.sub(replace, source[last:code.start()]))
        pieces.append(code.group(0))
        last = code.end()
    pieces.append(_MATH.sub(replace, source[last:]))
    return "".join(pieces)
