/* test_wordtable.cc - BxWordTable (shim/wordtable.h), the indexer's table of words: against
 * std::unordered_map over many words, with colliding hashes, through growth, clearing, swaps
 * and arena values. */
#include "testutil.h"
#include "wordtable.h"

#include <cstdio>
#include <string>
#include <unordered_map>

// Words of 0 to 40 bytes, with repeats, from a fixed generator.
static std::string word(unsigned i)
{
    unsigned x = i * 2654435761u;
    std::string w;
    for (unsigned n = x % 41; n > 0; n--) {
        w += static_cast<char>('a' + x % 26);
        x = x * 1103515245u + 12345u;
    }
    return w;
}

static void counts_match_unordered_map()
{
    BxWordTable<unsigned> t;
    std::unordered_map<std::string, unsigned> want;
    for (unsigned i = 0; i < 200000; i++) {
        std::string w = word(i % 70000);
        t[w]++;
        want[w]++;
    }
    CHECK_INT(t.size(), want.size());
    size_t seen = 0;
    t.for_each([&](std::string_view w, unsigned n) {
        seen++;
        auto it = want.find(std::string(w));
        if (it == want.end() || it->second != n) {
            fprintf(stderr, "word '%.*s': %u in the table, %u expected\n", (int)w.size(), w.data(),
                    n, it == want.end() ? 0 : it->second);
            test_failures++;
        }
    });
    CHECK_INT(seen, want.size());
    for (const auto &kv : want) {
        unsigned *n = t.find(kv.first);
        CHECK(n != nullptr);
        if (n)
            CHECK_INT(*n, kv.second);
    }
    CHECK(t.find("no such word, it is longer than forty-one bytes") == nullptr);
    // The empty word is a word like any other.
    CHECK(t.find("") != nullptr);
    CHECK(*t.find("") == want[""]);
}

// A hash with three values (one of them 0, which the table takes for 1): every word shares
// its hash with a third of the others, and the slots fill in long runs.
struct PoorHash {
    size_t operator()(std::string_view w) const
    {
        return w.size() % 3;
    }
};

static void colliding_hashes()
{
    BxWordTable<unsigned, PoorHash> t;
    for (unsigned i = 0; i < 3000; i++)
        t["w" + std::to_string(i)] = i;
    for (unsigned i = 0; i < 3000; i += 7)
        t["w" + std::to_string(i)] += 1; // found again, not added
    CHECK_INT(t.size(), 3000);
    for (unsigned i = 0; i < 3000; i++) {
        unsigned *v = t.find("w" + std::to_string(i));
        CHECK(v != nullptr);
        if (v)
            CHECK_INT(*v, i + (i % 7 == 0));
    }
    CHECK(t.find("w3000") == nullptr);
    CHECK(t.find("x1") == nullptr);
}

static void clear_and_swap()
{
    BxWordTable<unsigned> a, b;
    CHECK(a.find("x") == nullptr);
    a["x"] = 3;
    a["y"] = 4;
    b["z"] = 5;
    a.swap(b);
    CHECK(a.size() == 1 && a.find("z") && *a.find("z") == 5 && !a.find("x"));
    CHECK(b.size() == 2 && *b.find("x") == 3 && *b.find("y") == 4);
    b.clear();
    CHECK(b.size() == 0 && !b.find("x"));
    b["x"]++;
    CHECK(b.size() == 1 && *b.find("x") == 1);
}

// The stem memo's use: values that are strings kept in the arena.
static void arena_values()
{
    BxWordTable<BxWordRef> memo;
    for (unsigned i = 0; i < 5000; i++) {
        std::string w = "word" + std::to_string(i);
        BxWordRef stem = memo.keep("stem" + std::to_string(i * 7));
        memo[w] = stem;
    }
    bool same = true;
    for (unsigned i = 0; i < 5000; i++) {
        const BxWordRef *r = memo.find("word" + std::to_string(i));
        same = same && r && memo.view(*r) == "stem" + std::to_string(i * 7);
    }
    CHECK(same);
    CHECK(memo.size() == 5000);
}

int main()
{
    counts_match_unordered_map();
    colliding_hashes();
    clear_and_swap();
    arena_values();
    return test_report("test_wordtable");
}
