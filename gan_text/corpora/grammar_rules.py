"""The rules and words of the toy-English grammar, written for this course.

Two parts, kept apart so that each stays readable:

- ``STRUCTURE``: the phrase rules, in NLTK's PCFG notation. ``A -> B C [p]`` means "an A is a B followed
  by a C, with probability p"; the alternatives of one left-hand side sum to 1. Upper-case names are
  categories; there are no words here.
- ``LEXICON``: the words of each word category (a "preterminal" such as ``N_SG``). Within a category
  every word is equally likely.

What makes the grammar non-trivial is number agreement. A singular subject takes a singular verb, and
the subject can sit far from its verb:

    the dog that the cats chase barks          (``dog ... barks``, across an object relative clause)
    the dogs near the big cat bark             (``dogs ... bark``, across a prepositional phrase)
    alice and the cat sleep                    (two singular subjects make a plural one)
    the dog does not bark / the dogs do not bark / the dog can bark

Also: pronoun case (``he sees him``, never ``him sees he``), ``a``/``every`` only before a singular
noun, ``these``/``many`` only before a plural one, and only base forms after ``can``/``does not``.
Nouns and adjectives all begin with a consonant, so ``a`` never needs to be ``an``.
"""

from __future__ import annotations

START = "S"

STRUCTURE = """
S        -> CL                  [0.9]
          | CL CONJ CL          [0.1]
CL       -> NP_SG VP_SG         [0.5]
          | NP_PL VP_PL         [0.5]

NP_SG    -> NPF_SG              [0.88]
          | PRO_SG              [0.12]
NP_PL    -> NPF_PL              [0.82]
          | PRO_PL              [0.10]
          | NPF_SG AND NPF_SG   [0.08]
NP_OBJ   -> NPF_SG              [0.46]
          | NPF_PL              [0.40]
          | PRO_OBJ             [0.10]
          | NPF_SG AND NPF_SG   [0.04]
NPF_SG   -> DET_SG NOM_SG       [0.8]
          | NAME                [0.2]
NPF_PL   -> DET_PL NOM_PL       [1.0]

NOM_SG   -> NB_SG               [0.74]
          | NOM_SG PP           [0.14]
          | NOM_SG RC_SG        [0.12]
NOM_PL   -> NB_PL               [0.74]
          | NOM_PL PP           [0.14]
          | NOM_PL RC_PL        [0.12]
NB_SG    -> N_SG                [0.75]
          | ADJ NB_SG           [0.25]
NB_PL    -> N_PL                [0.75]
          | ADJ NB_PL           [0.25]
PP       -> P NP_OBJ            [1.0]

RC_SG    -> THAT VP_SG          [0.55]
          | THAT GAP            [0.45]
RC_PL    -> THAT VP_PL          [0.55]
          | THAT GAP            [0.45]
GAP      -> NP_SG TV_SG         [0.5]
          | NP_PL TV_PL         [0.5]

VP_SG    -> VF_SG               [0.8]
          | MODAL VF_BASE       [0.06]
          | DOES NOT VF_BASE    [0.06]
          | VF_SG AND VF_SG     [0.08]
VP_PL    -> VF_PL               [0.8]
          | MODAL VF_BASE       [0.06]
          | DO NOT VF_BASE      [0.06]
          | VF_PL AND VF_PL     [0.08]
VF_SG    -> V_SG                [0.8]
          | VF_SG PP            [0.12]
          | VF_SG ADV           [0.08]
VF_PL    -> V_PL                [0.8]
          | VF_PL PP            [0.12]
          | VF_PL ADV           [0.08]
VF_BASE  -> V_BASE              [0.8]
          | VF_BASE PP          [0.12]
          | VF_BASE ADV         [0.08]
V_SG     -> IV_SG               [0.42]
          | TV_SG NP_OBJ        [0.42]
          | IS ADJ              [0.1]
          | CV_SG THAT CL       [0.06]
V_PL     -> IV_PL               [0.42]
          | TV_PL NP_OBJ        [0.42]
          | ARE ADJ             [0.1]
          | CV_PL THAT CL       [0.06]
V_BASE   -> IV_BASE             [0.47]
          | TV_BASE NP_OBJ      [0.47]
          | CV_BASE THAT CL     [0.06]
"""

# (singular, plural) noun pairs.
NOUNS = [
    ("dog", "dogs"), ("cat", "cats"), ("bird", "birds"), ("horse", "horses"), ("mouse", "mice"),
    ("fox", "foxes"), ("wolf", "wolves"), ("rabbit", "rabbits"), ("cow", "cows"), ("duck", "ducks"),
    ("goat", "goats"), ("pig", "pigs"), ("frog", "frogs"), ("snake", "snakes"), ("parrot", "parrots"),
    ("monkey", "monkeys"), ("tiger", "tigers"), ("lion", "lions"), ("bear", "bears"),
    ("child", "children"), ("man", "men"), ("woman", "women"), ("boy", "boys"), ("girl", "girls"),
    ("teacher", "teachers"), ("doctor", "doctors"), ("farmer", "farmers"), ("king", "kings"),
    ("queen", "queens"), ("baby", "babies"), ("friend", "friends"), ("neighbour", "neighbours"),
    ("student", "students"), ("painter", "painters"), ("sailor", "sailors"), ("baker", "bakers"),
    ("dancer", "dancers"), ("pilot", "pilots"), ("lawyer", "lawyers"), ("tree", "trees"),
    ("house", "houses"), ("box", "boxes"), ("table", "tables"), ("garden", "gardens"),
    ("river", "rivers"), ("park", "parks"), ("car", "cars"), ("boat", "boats"), ("book", "books"),
    ("ball", "balls"), ("chair", "chairs"), ("bridge", "bridges"), ("window", "windows"),
    ("door", "doors"), ("hill", "hills"), ("village", "villages"), ("city", "cities"),
    ("school", "schools"), ("road", "roads"), ("kitchen", "kitchens"), ("forest", "forests"),
    ("tower", "towers"), ("cake", "cakes"), ("song", "songs"), ("letter", "letters"),
    ("picture", "pictures"), ("lamp", "lamps"),
]

# (third person singular, base = plural) verb pairs: intransitive, transitive, clause-taking.
INTRANSITIVE = [
    ("barks", "bark"), ("sleeps", "sleep"), ("runs", "run"), ("laughs", "laugh"), ("sings", "sing"),
    ("waits", "wait"), ("smiles", "smile"), ("dances", "dance"), ("swims", "swim"), ("cries", "cry"),
    ("jumps", "jump"), ("falls", "fall"), ("wins", "win"), ("arrives", "arrive"), ("walks", "walk"),
    ("rests", "rest"), ("shouts", "shout"), ("sits", "sit"), ("plays", "play"), ("works", "work"),
]
TRANSITIVE = [
    ("sees", "see"), ("chases", "chase"), ("likes", "like"), ("finds", "find"),
    ("follows", "follow"), ("helps", "help"), ("watches", "watch"), ("loves", "love"),
    ("visits", "visit"), ("feeds", "feed"), ("meets", "meet"), ("hears", "hear"),
    ("catches", "catch"), ("needs", "need"), ("admires", "admire"), ("paints", "paint"),
    ("pushes", "push"), ("carries", "carry"), ("remembers", "remember"), ("greets", "greet"),
]
CLAUSAL = [("thinks", "think"), ("says", "say"), ("believes", "believe"), ("knows", "know"),
           ("hopes", "hope")]

ADJECTIVES = [
    "big", "small", "happy", "sad", "red", "brown", "little", "lazy", "quick", "hungry", "tired",
    "noisy", "quiet", "young", "friendly", "clever", "tall", "strange", "sleepy", "busy", "gentle",
    "black", "white", "green", "yellow", "famous", "shy", "brave", "wild", "proud", "funny", "calm",
    "dark", "pretty", "tiny", "lonely", "curious", "silly", "rich", "poor",
]

NAMES = ["alice", "bob", "carol", "dan", "emma", "frank", "grace", "henry", "ivy", "jack", "kate",
         "leo", "mia", "nick", "olga", "paul", "rosa", "sam", "tom", "zoe"]

LEXICON: dict[str, list[str]] = {
    "DET_SG": ["the", "a", "every", "this", "each"],
    "DET_PL": ["the", "some", "these", "many", "two", "three"],
    "N_SG": [sg for sg, _ in NOUNS],
    "N_PL": [pl for _, pl in NOUNS],
    "NAME": NAMES,
    "PRO_SG": ["he", "she", "it"],
    "PRO_PL": ["they", "we"],
    "PRO_OBJ": ["him", "her", "it", "them", "us"],
    "ADJ": ADJECTIVES,
    "P": ["near", "with", "behind", "under", "beside", "above", "without", "inside", "from",
          "across"],
    "ADV": ["quickly", "slowly", "loudly", "quietly", "often", "happily", "today", "again",
            "sometimes", "together"],
    "IV_SG": [sg for sg, _ in INTRANSITIVE],
    "IV_PL": [base for _, base in INTRANSITIVE],
    "IV_BASE": [base for _, base in INTRANSITIVE],
    "TV_SG": [sg for sg, _ in TRANSITIVE],
    "TV_PL": [base for _, base in TRANSITIVE],
    "TV_BASE": [base for _, base in TRANSITIVE],
    "CV_SG": [sg for sg, _ in CLAUSAL],
    "CV_PL": [base for _, base in CLAUSAL],
    "CV_BASE": [base for _, base in CLAUSAL],
    "THAT": ["that"],
    "AND": ["and"],
    "CONJ": ["and", "but", "while"],
    "IS": ["is"],
    "ARE": ["are"],
    "DOES": ["does"],
    "DO": ["do"],
    "NOT": ["not"],
    "MODAL": ["can", "will", "must", "may"],
}


def parse_rules(text: str) -> list[tuple[str, tuple[str, ...], float]]:
    """Read rules in the notation of ``STRUCTURE`` into ``(lhs, rhs_symbols, probability)`` triples.

    A line ``A -> B C [p]`` starts a left-hand side; a line ``| D [q]`` adds an alternative to it.
    """
    rules = []
    lhs = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if "->" in line:
            lhs, line = (part.strip() for part in line.split("->", 1))
        elif line.startswith("|"):
            line = line[1:].strip()
        else:
            raise ValueError(f"cannot read grammar line {line!r}")
        symbols, _, prob = line.rpartition("[")
        rules.append((lhs, tuple(symbols.split()), float(prob.rstrip("]"))))
    return rules


def productions() -> list[tuple[str, tuple[str, ...], float]]:
    """Every rule of the grammar as ``(lhs, rhs, probability)``; a word is a 1-tuple ``rhs`` of a
    lower-case string whose ``lhs`` is in ``LEXICON``."""
    rules = parse_rules(STRUCTURE)
    for category, words in LEXICON.items():
        rules.extend((category, (word,), 1.0 / len(words)) for word in words)
    return rules
