"""Small hand-kept word lists the support checks rely on (English news prose)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

# Function words: never counted as content, never required to appear in a source.
STOPWORDS = frozenset(
    """
    a an the and or but if then than so as of at by for from in into on onto to with within
    without about above across after against along among around before behind below beneath
    beside besides between beyond during except inside near off out outside over past since
    through throughout till toward towards under underneath until up upon via per
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves
    this that these those who whom whose which what whatever whichever whoever
    is am are was were be been being have has had having do does did doing done
    will would shall should can could may might must ought
    there here where when why how all any both each few many much more most other some such
    own same too very just also only even still yet again ever already quite rather
    s t d ll m o re ve y pm
    one ones while whilst although though because however thus therefore also
    """.split()
)

# A shorter list for ranking sentences by the terms they share (the extractive summariser):
# prepositions such as "against" or "without" stay terms there. Its summaries were measured with
# this list; ranking with STOPWORDS instead moves them (seed event ROUGE-1 +0.007, ROUGE-2
# -0.005, four more words), so the two lists stay apart.
RANKING_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    that this these those it its it's their there they them he she his her we our you your i
    not no so than then too very can could would should will shall may might must do does did
    has have had also into over under after before about between during while which who whom
    what when where why how all any both each few more most other some such only own same just
    said says say according per via up out off again further once here s t""".split()
)

# Titles before a surname ("Mr Hardy"): part of how a name is written, not of whose it is.
TITLES = frozenset("mr mrs ms dr sir dame lord lady".split())

# Negation cues; "n't" is rewritten to "not" before tokenising.
NEGATIONS = frozenset("not no never none nobody nothing neither nor without cannot".split())

# Verbs that deny what follows them ("officials denied that the summit was cancelled"): a
# negation whose scope reaches past "that" into the clause it denies.
DENIALS = frozenset("deny denies denied denying refute refutes refuted dismissed rebutted".split())

# Verbs that say what follows "to" did not happen ("failed to agree", "refused to sign"): a
# negation of that verb, like "did not agree".
NEGATIVE_IMPLICATIVES = frozenset(
    "fail fails failed failing refuse refuses refused refusing unable".split()
)

# Words after "no" or "not" that make a bound or an addition, not a negation: "no more than
# 44 per cent", "not only ... but".
NEGATION_EXCEPTIONS = frozenset("more less fewer only".split())

# Verbs that report speech: the name next to one of them is the speaker of a nearby quote.
SPEECH_VERBS = frozenset(
    """
    said says say saying told tells added adds noted notes stressed stresses responded responds
    replied replies wrote writes stated states declared declares explained explains asked asks
    insisted insists warned warns emphasised emphasized emphasises emphasizes remarked remarks
    continued continues announced announces tweeted posted admitted admits claimed claims
    argued argues urged urges acknowledged acknowledges reiterated reiterates underlined
    """.split()
)

# Speech verbs that only report what was said (not "asked", "denied" or "claimed").
REPORTING_VERBS = frozenset(
    """
    said says say saying told tells added adds noted notes stressed stresses stated states
    declared declares explained explains remarked remarks emphasised emphasized emphasises
    emphasizes underlined wrote writes responded responds replied replies claimed claims
    insisted insists argued argues
    """.split()
)

PRONOUN_SPEAKERS = frozenset("he she they it we i".split())

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

# Number words and their values, so that a spelled-out number compares with digits.
CARDINAL_UNITS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen""".split()
    )
}
CARDINAL_TENS: dict[str, int] = {
    word: value
    for value, word in zip(
        range(20, 100, 10),
        "twenty thirty forty fifty sixty seventy eighty ninety".split(),
        strict=True,
    )
}
ORDINAL_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
        thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth""".split(),
        start=1,
    )
} | {
    word: value
    for value, word in zip(
        range(20, 100, 10),
        """twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth
        ninetieth""".split(),
        strict=True,
    )
}
SCALE_WORDS: dict[str, float] = {
    "hundred": 100,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
}
ORDINAL_SCALE_WORDS: dict[str, float] = {
    "hundredth": 100,
    "thousandth": 1e3,
    "millionth": 1e6,
    "billionth": 1e9,
}
# Abbreviated scales written after a number ("11.6bn", "3m").
SCALE_ABBREVIATIONS: dict[str, float] = {
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "tn": 1e12,
}
NUMBER_WORDS = frozenset(
    CARDINAL_UNITS.keys()
    | CARDINAL_TENS.keys()
    | ORDINAL_WORDS.keys()
    | SCALE_WORDS.keys()
    | ORDINAL_SCALE_WORDS.keys()
)

# Currencies by ISO code, as signs and codes ("US$", "eur") and as words ("euros").
CURRENCY_SIGNS: dict[str, str] = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "£": "GBP",
    "gbp": "GBP",
    "€": "EUR",
    "eur": "EUR",
    "¥": "JPY",
    "jpy": "JPY",
}
CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "yuan": "CNY",
    "rupee": "INR",
    "rupees": "INR",
}

# Countries, their demonyms and common short forms, folded onto one key so that "Spanish"
# is supported by "Spain" and "UK" by "Britain" (the sources use them interchangeably).
_PLACES = """
afghanistan afghan afghans
albania albanian albanians
algeria algerian algerians
argentina argentine argentinian argentinians
armenia armenian armenians
australia australian australians
austria austrian austrians
azerbaijan azerbaijani azerbaijanis
bangladesh bangladeshi bangladeshis
belarus belarusian belarusians
belgium belgian belgians
brazil brazilian brazilians
bulgaria bulgarian bulgarians
cambodia cambodian cambodians
canada canadian canadians
chile chilean chileans
china chinese beijing
colombia colombian colombians
croatia croatian croatians
cuba cuban cubans
cyprus cypriot cypriots
czechia czech czechs
denmark danish dane danes
egypt egyptian egyptians
estonia estonian estonians
ethiopia ethiopian ethiopians
finland finnish finn finns
france french
georgia georgian georgians
germany german germans
ghana ghanaian ghanaians
greece greek greeks
hungary hungarian hungarians
iceland icelandic icelanders
india indian indians
indonesia indonesian indonesians
iran iranian iranians
iraq iraqi iraqis
ireland irish
israel israeli israelis
italy italian italians
japan japanese
jordan jordanian jordanians
kazakhstan kazakh kazakhs
kenya kenyan kenyans
kuwait kuwaiti kuwaitis
latvia latvian latvians
lebanon lebanese
libya libyan libyans
lithuania lithuanian lithuanians
malaysia malaysian malaysians
mexico mexican mexicans
mongolia mongolian mongolians
morocco moroccan moroccans
netherlands dutch holland
nigeria nigerian nigerians
norway norwegian norwegians
oman omani omanis
pakistan pakistani pakistanis
peru peruvian peruvians
philippines philippine filipino filipinos
poland polish pole poles
portugal portuguese
qatar qatari qataris
romania romanian romanians
russia russian russians moscow kremlin
saudi saudis
scotland scottish scot scots
serbia serbian serbians serb serbs
singapore singaporean singaporeans
slovakia slovak slovakian slovaks
slovenia slovenian slovenians
spain spanish spaniard spaniards
sweden swedish swede swedes
switzerland swiss
syria syrian syrians
taiwan taiwanese
thailand thai thais
turkey turkish turks turkiye
ukraine ukrainian ukrainians kyiv kiev
uk britain british brit brits
usa american americans
uzbekistan uzbek uzbeks
venezuela venezuelan venezuelans
vietnam vietnamese
wales welsh
yemen yemeni yemenis
england english
europe european europeans
asia asian asians
africa african africans
korea korean koreans
"""
PLACE_KEY: dict[str, str] = {}
for _line in _PLACES.strip().splitlines():
    _forms = _line.split()
    for _form in _forms:
        PLACE_KEY[_form] = _forms[0]

# Regions and peoples that are not countries (the first word of a line of _PLACES is its key).
_REGIONS = frozenset({"europe", "asia", "africa", "korea"})
COUNTRY_KEYS = frozenset(PLACE_KEY.values()) - _REGIONS

# Titles and offices: a claim's role must be the one the sources give.
ROLES = frozenset(
    """
    premier premiers president presidents vicepresident chancellor king queen prince princess
    emperor empress monarch minister ministers foreignminister foreignministers defenceminister
    financeminister secretary secretaryofstate secretarygeneral governor mayor senator
    congressman congresswoman ambassador general admiral chairman chairwoman chair ceo
    chief director manager coach captain pope bishop archbishop judge sheriff spokesman
    spokeswoman spokesperson mp mps lawmaker senator
    """.split()
)

# Role words that name the same office.
ROLE_KEY: dict[str, str] = {
    "premiers": "premier",
    "presidents": "president",
    "ministers": "minister",
    "foreignministers": "foreignminister",
    "mps": "mp",
    "chairwoman": "chairman",
    "chair": "chairman",
    "spokeswoman": "spokesman",
    "spokesperson": "spokesman",
}

# Words that may sit between a descriptor and the name it describes
# ("her Spanish counterpart Ana Garcia").
DESCRIPTOR_GLUE = frozenset(
    "her his their its counterpart counterparts leader leaders former new then current "
    "the a an of and".split()
)

# Function words and ordinals with an opposite ("first"/"last", "before"/"after"): not content,
# but a claim that puts one where the source has the other contradicts it.
POLAR_WORDS: dict[str, tuple[str, ...]] = {
    "before": ("after",),
    "after": ("before",),
    "first": ("last",),
    "last": ("first",),
    "more": ("less", "fewer"),
    "less": ("more",),
    "fewer": ("more",),
    "above": ("below",),
    "below": ("above",),
    "most": ("least",),
    "least": ("most",),
}
ORDER_WORDS = frozenset(POLAR_WORDS)

# General words a claim may use for a specific one the sources give: "the two leaders" for a
# prime minister and a president, "the two countries" for France and Spain. Never the reverse.
HYPERNYMS: dict[str, frozenset[str]] = {
    "leader": frozenset(
        "premier president chancellor king queen emperor monarch emir sheikh".split()
    ),
    "country": COUNTRY_KEYS,
    "nation": COUNTRY_KEYS,
}

# Pairs of words with opposite meaning; stems are compared, so list base forms.
_ANTONYMS = """
continue end
continue stop
continue halt
continue lift
continue suspend
increase decrease
increase reduce
increase cut
increase lower
raise lower
raise cut
rise fall
rise drop
rise decline
grow shrink
expand shrink
expand reduce
gain lose
win lose
win defeat
victory defeat
agree disagree
agree refuse
agree reject
accept reject
accept refuse
approve reject
approve veto
support oppose
support reject
strengthen weaken
deepen weaken
open close
allow ban
allow forbid
allow prohibit
permit ban
lift impose
before after
first last
more less
more fewer
higher lower
up down
arrive depart
arrive leave
begin end
start end
start finish
start stop
import export
buy sell
hire fire
include exclude
enter exit
join leave
confirm deny
succeed fail
success failure
win lost
male female
man woman
strong weak
rich poor
early late
old young
increase fall
upgrade downgrade
elevate downgrade
elevate lower
promote demote
arrest release
detain release
convict acquit
"""
ANTONYM_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (a, b) for a, b in (line.split() for line in _ANTONYMS.strip().splitlines())
)

# WordNet's direct antonyms ("unconscious"/"conscious", "gradual"/"sudden"): too many, and
# too loose ("come"/"go"), to veto a claim that merely uses one; checked only where a claim
# puts one word in the slot where a source has the other.
WORDNET_ANTONYM_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (fields[1], fields[2])
    for fields in (
        line.split()
        for line in Path(__file__)
        .with_name("wordnet_antonyms.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line and not line.startswith("#")
    )
)


def wordnet_relations() -> Iterator[tuple[str, str, str]]:
    """WordNet's relations between words in their common senses, as (kind, a, b): `syn`
    (a and b share a sense), `hyp` (a is a kind of b) or `der` (derived forms of one sense).
    Built from Princeton WordNet 3.0 by `devtools/wordnet_tables.py`; read once, by the
    word-key tables."""
    path = Path(__file__).with_name("wordnet_relations.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("#"):
                kind, a, b = line.split()
                yield kind, a, b


# Status words: what state a reported thing is in. Two sources that put the same thing in
# opposed states ("announced" against "being prepared", "killed" against "injured")
# disagree. General English, by class.
STATUS_CLASSES: dict[str, frozenset[str]] = {
    "done": frozenset(
        "announce issue release publish sign adopt approve unveil finalise finalize conclude "
        "complete enact ratify launch".split()
    ),
    "pending": frozenset("prepare draft plan expect consider propose negotiate mull".split()),
    "off": frozenset("postpone cancel scrap suspend delay abandon shelve".split()),
    "dead": frozenset("kill die dead death".split()),
    "hurt": frozenset("injure wound hurt".split()),
    "safe": frozenset("unharmed unhurt survive rescue".split()),
}

# Light-verb constructions: a common verb and a noun that together say what one verb says
# ("hold talks" is "meet", "take part" is "participate"). General English, written as the
# verb's forms, the words after it, then the verb they stand for.
_LIGHT_VERBS = """
hold holds held holding | talks | meet
hold holds held holding | a meeting | meet
hold holds held holding | a summit | meet
take takes took taken taking | part | participate
make makes made making | a decision | decide
make makes made making | an announcement | announce
reach reaches reached reaching | an agreement | agree
reach reaches reached reaching | a deal | agree
pay pays paid paying | a visit | visit
give gives gave given giving | a speech | speak
"""


def _light_verb_merges() -> dict[tuple[str, ...], str]:
    merges: dict[tuple[str, ...], str] = {}
    for line in _LIGHT_VERBS.strip().splitlines():
        forms, words, verb = (part.split() for part in line.split("|"))
        for form in forms:
            merges[(form, *words)] = verb[0]
    return merges


LIGHT_VERB_MERGES: dict[tuple[str, ...], str] = _light_verb_merges()

# Spelling variants one word key must join (the stemmer and the spelling fold miss them).
_SYNONYMS = """
defence defense
"""
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split()) for line in _SYNONYMS.strip().splitlines()
)

# Irregular past forms, so "took office" matches "taking office" (a stemmer cannot know).
_IRREGULAR = """
take took taken
come came
go went gone
begin began begun
meet met
hold held
leave left
give gave given
make made
win won
lose lost
tell told
see saw seen
find found
bring brought
think thought
become became
run ran
fall fell fallen
rise rose risen
speak spoke spoken
write wrote written
choose chose chosen
lead led
pay paid
send sent
build built
sell sold
buy bought
strike struck
fight fought
fly flew flown
draw drew drawn
grow grew grown
know knew known
throw threw thrown
shoot shot
keep kept
mean meant
stand stood
sit sat
feel felt
hear heard
break broke broken
drive drove driven
eat ate eaten
forget forgot forgotten
freeze froze frozen
hide hid hidden
ride rode ridden
ring rang rung
sing sang sung
swim swam swum
wear wore worn
seek sought
teach taught
catch caught
spend spent
lend lent
"""
BASE_FORM: dict[str, str] = {
    form: forms[0]
    for forms in (line.split() for line in _IRREGULAR.strip().splitlines())
    for form in forms[1:]
}
