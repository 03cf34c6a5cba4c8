#!/usr/bin/env python3
"""gen_corpus.py - a deterministic, realistic news corpus for scale benchmarks.

  gen_corpus.py --articles N [--seed S] [--out FILE]       JSON Lines articles
  gen_corpus.py --queries N [--seed S] [--out FILE]        a query file for query_bench

Articles are in byline-index's JSON Lines format (docs/INDEXING.md): id, title, summary,
body, url, source, author, categories, tags, date, lang. FILE ending in .gz is gzipped;
without --out, standard output.

Deterministic: article i depends only on the seed and i, so the first 10,000 articles of
a 1,000,000-article corpus are the 10,000-article corpus, on any machine and any Python 3.

What makes it realistic:
- words follow a Zipf-Mandelbrot law (frequency of rank r proportional to 1/(r + 2.7)^1.25)
  over a vocabulary of 200,000, which gives about as many distinct words for the length of
  text as general news has (3,000 articles: 1.2 million words, 57,000 distinct, 56 % of the
  words among the 320 most frequent): about 320 real English words at the head, then
  synthetic words built from syllables, some with English endings (-ing, -ed, -s, -tion)
  so that the stemmer has work to do; 400 two-word collocations ("interest rates",
  synthetic pairs) are spread over the ranks, so phrase queries find matches;
- each article has a main category, and 15 % of its words come from that category's own
  topic vocabulary, so categories and words are correlated as in real news;
- lengths: titles of 5 to 14 words, a one-sentence summary, bodies with a log-normal length
  (median 280 words, from 20 to 3,000) in sentences of 6 to 30 words and paragraphs of 1
  to 6 sentences;
- 20 categories (1 to 3 per article), 60 sources and 3,000 authors (0 to 2 per article),
  all with Zipfian popularity; 0 to 4 tags; dates spread over 2019 to 2024 (UTC, with the
  source's time zone offset), a few articles (0.2 %) without a date.

The query file (label TAB query string, as bench/query_bench.c reads) holds N queries of
each kind: "plain" (10 hits, Byline's defaults) and "facets" (the same with every facet:
category, source, author, lang, date). Queries mix common, middling and rare words, two
and three words, and collocations as phrases.
"""

import argparse
import bisect
import datetime
import gzip
import itertools
import json
import math
import random
import sys
import urllib.parse

VOCAB = 200_000
ZIPF_S = 1.25
TOPIC_SHARE = 0.15
TOPIC_VOCAB = 2_000
START = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc)
SPAN_S = int((datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc) - START).total_seconds())

HEAD = """the of and to in a is that for on with was as by at from it he said his
be has are have an not this were but had they their which its also after who been more
will year would new than one two first other last up there about into over out people
government new time could some percent them when over years most all she her said
three million police week minister president state told city company market country
report since may world data plan public under before during against still months local
health first group united national high officials between while where work including day
school part news team election court four support five end back service price prices
family long next well season council water only children home power money these around
business early global rates interest economy growth energy oil bank billion workers union
strike trade deal talks cost costs rise fall record according expected likely largest
second third percent rail transport hospital hospitals patients doctors climate weather
storm flood fire emissions carbon research scientists study university students teachers
village town region coast river road roads train trains airport flights tourism league
match club coach players final cup win won lost game games goal goals club fans stadium
music film festival museum artists book books theatre show award prize elections vote
voters party parties leader leaders campaign policy law laws bill parliament senate tax
taxes budget spending inflation jobs unemployment housing homes rent rents property
farmers farm food crops harvest drought prices shares investors profit profits sales
technology software internet phone phones data online users security privacy attack
military troops war peace border refugees aid crisis protest protests ministers agency
agencies federal regional mayor judge trial prison sentence crime officers investigation
""".split()

COLLOCATIONS = """interest rates|prime minister|central bank|climate change|health service
|city council|supreme court|stock market|oil prices|public transport|energy prices|
trade deal|general election|police officers|human rights|heat wave|power station|wind farm
|world cup|school board|housing market|labour party|finance minister|foreign minister|
rail strike|border crossing|peace talks|search engine|social media|electric cars""".replace("\n", "").split("|")

CATEGORIES = """world politics business markets technology science health sport culture
environment energy education crime transport travel food weather opinion local media""".split()

FIRST = """Anna Ben Carla Dmitri Elena Farid Grace Hiro Ines Jonas Kofi Lena Marco Nadia Omar
Priya Quentin Rosa Sami Tara Ugo Vera Wei Ximena Yusuf Zoe Alice Bruno Chen Dara Emil
Fatima Goran Hana Ivan Julia Kamal Lucia Mateo Nina Oscar Paula Rahul Sofia Tomas Uma
Viktor Wanda Yara""".split()
LAST = """Adams Baker Costa Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kim Larsen
Moreau Novak Okafor Petrov Quinn Rossi Santos Tanaka Ueda Varga Weber Xu Yilmaz Zhou
Ahmed Brown Cohen Diaz Evans Ferreira Gupta Hughes Ito Jones Kowalski Lopez Murphy Nguyen
Olsen Patel Reid Silva Thomas Volkov Walsh Young""".split()
PLACES = """North South East West New Old Port Lake River Green Stone Bay Fair High Oak Ash
Kings Queens Bridge Mill""".split()
PLACE_ENDS = """field ton ford bury mouth haven port wick dale gate""".split()
PAPERS = """Ledger Gazette Herald Times Post Courier Tribune Chronicle Observer Echo
Journal Standard Argus Mercury Express""".split()

ONSETS = ["", "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p",
          "pl", "r", "s", "sh", "st", "t", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
CODAS = ["", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "rk", "st"]
ENDINGS = [""] * 12 + ["s", "s", "ing", "ed", "er", "tion", "ly", "ment", "ness"]


def synthetic_word(rng):
    n = rng.choice((1, 2, 2, 2, 2, 3, 3))
    w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(n))
    return w + rng.choice(ENDINGS)


class World:
    """Everything shared by all articles, built from the seed alone."""

    def __init__(self, seed):
        rng = random.Random(f"byline-world-{seed}")
        words, seen = [], set()
        for w in HEAD:
            if w not in seen:
                seen.add(w)
                words.append(w)
        while len(words) < VOCAB:
            w = synthetic_word(rng)
            if len(w) > 2 and w not in seen:
                seen.add(w)
                words.append(w)
        # collocations: the real ones, then synthetic pairs, spread over ranks 40 to 20,000
        pairs = list(COLLOCATIONS)
        while len(pairs) < 400:
            pairs.append(words[rng.randrange(300, 30000)] + " " + words[rng.randrange(300, 30000)])
        for k, p in enumerate(pairs):
            rank = int(40 * math.exp(k / len(pairs) * math.log(20000 / 40)))
            words.insert(rank, p)
        self.words = words[:VOCAB]
        self.collocations = [w for w in self.words if " " in w]
        self.cum = list(itertools.accumulate(1.0 / (r + 2.7) ** ZIPF_S for r in range(VOCAB)))
        # each category's topic words: 2,000 ranks from the middle of the vocabulary
        self.topics = []
        for _ in CATEGORIES:
            ranks = sorted(rng.sample(range(200, 40000), TOPIC_VOCAB))
            self.topics.append(([self.words[r] for r in ranks],
                                list(itertools.accumulate(1.0 / (i + 1) for i in range(TOPIC_VOCAB)))))
        self.cat_cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.8 for i in range(len(CATEGORIES))))
        self.sources = []
        names = set()
        while len(self.sources) < 60:
            name = f"{rng.choice(PLACES)}{rng.choice(PLACE_ENDS)} {rng.choice(PAPERS)}"
            if name not in names:
                names.add(name)
                self.sources.append((name, rng.randrange(-8, 10)))  # (name, UTC offset hours)
        self.source_cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(self.sources))))
        self.authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(3000)]

    def pick(self, rng, cum, k):
        total = cum[-1]
        return [bisect.bisect_right(cum, rng.random() * total) for _ in range(k)]


def sentence(tokens):
    s = " ".join(tokens)
    return s[0].upper() + s[1:] + "."


def article(world, seed, i):
    rng = random.Random(seed * 1_000_003 + i)
    ncat = rng.choice((1, 1, 1, 2, 2, 3))
    cats = []
    for c in world.pick(rng, world.cat_cum, ncat):
        if CATEGORIES[c] not in cats:
            cats.append(CATEGORIES[c])
    topic_words, topic_cum = world.topics[CATEGORIES.index(cats[0])]

    def text(n):
        toks = rng.choices(world.words, cum_weights=world.cum, k=n)
        for _ in range(int(n * TOPIC_SHARE)):
            toks[rng.randrange(n)] = rng.choices(topic_words, cum_weights=topic_cum)[0]
        if rng.random() < 0.3:  # a figure, as news text has
            toks[rng.randrange(n)] = str(rng.choice((rng.randrange(2, 100), rng.randrange(100, 10000))))
        return toks

    title_toks = text(rng.randrange(5, 15))
    title = " ".join(title_toks)
    title = title[0].upper() + title[1:]
    summary = sentence(text(rng.randrange(12, 30)))
    nbody = max(20, min(3000, int(rng.lognormvariate(math.log(280), 0.55))))
    toks = text(nbody)
    paras, para, pos = [], [], 0
    while pos < len(toks):
        n = rng.randrange(6, 31)
        para.append(sentence(toks[pos:pos + n]))
        pos += n
        if len(para) >= rng.randrange(1, 7):
            paras.append(" ".join(para))
            para = []
    if para:
        paras.append(" ".join(para))
    src_name, offset = world.sources[world.pick(rng, world.source_cum, 1)[0]]
    a = {"id": f"gen-{i:08d}", "title": title, "summary": summary, "body": "\n\n".join(paras)}
    nauth = rng.choice((0, 1, 1, 1, 2))
    src_index = world.sources.index((src_name, offset))
    # each source has its own 50 writers, some more prolific than others
    a["author"] = [world.authors[(src_index * 50 + int(rng.paretovariate(1.2))) % len(world.authors)]
                   for _ in range(nauth)]
    a["source"] = src_name
    a["categories"] = cats
    a["tags"] = sorted({rng.choices(topic_words, cum_weights=topic_cum)[0].split()[0]
                        for _ in range(rng.randrange(0, 5))})
    if rng.random() < 0.002:
        a["date"] = None
        d = START
    else:
        tz = datetime.timezone(datetime.timedelta(hours=offset))
        d = (START + datetime.timedelta(seconds=rng.randrange(SPAN_S))).astimezone(tz).replace(microsecond=0)
        a["date"] = d.isoformat()
    slug = "-".join(title_toks[:8]).replace(" ", "-").lower()
    a["url"] = (f"https://example.com/{src_name.lower().replace(' ', '-')}/"
                f"{d.year:04d}/{d.month:02d}/{d.day:02d}/{urllib.parse.quote(slug)}")
    a["lang"] = "en"
    return a


def queries(world, seed, n):
    rng = random.Random(f"byline-queries-{seed}")
    out = []
    bands = ((5, 100), (100, 3000), (3000, 60000))
    for k in range(n):
        kind = k % 6
        if kind < 3:  # one word: common, middling, rare
            lo, hi = bands[kind]
            q = world.words[rng.randrange(lo, hi)]
        elif kind == 3:  # two words
            q = " ".join(world.words[rng.randrange(*rng.choice(bands[:2]))] for _ in range(2))
        elif kind == 4:  # three words
            q = " ".join(world.words[rng.randrange(*rng.choice(bands))] for _ in range(3))
        else:  # a collocation as a phrase
            q = '"' + rng.choice(world.collocations) + '"'
        out.append(q)
    lines = []
    for label, extra in (("plain", ""), ("facets", "&facets=category,source,author,lang,date")):
        for q in out:
            lines.append(f"{label}\t{urllib.parse.urlencode({'q': q})}&limit=10{extra}")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, help="write this many articles")
    ap.add_argument("--queries", type=int, help="write this many queries of each kind instead")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=1, help="number of the first article (default 1)")
    ap.add_argument("--out", default="-")
    args = ap.parse_args()
    if (args.articles is None) == (args.queries is None):
        ap.error("give --articles N or --queries N")
    world = World(args.seed)
    if args.out == "-":
        out = sys.stdout
    elif args.out.endswith(".gz"):
        out = gzip.open(args.out, "wt", encoding="utf-8", compresslevel=1)
    else:
        out = open(args.out, "w", encoding="utf-8")
    with out:
        if args.queries is not None:
            out.write("# generated by bench/gen_corpus.py --queries %d --seed %d\n" % (args.queries, args.seed))
            out.write("\n".join(queries(world, args.seed, args.queries)) + "\n")
            return
        for i in range(args.first, args.first + args.articles):
            out.write(json.dumps(article(world, args.seed, i), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
