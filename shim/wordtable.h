/* wordtable.h - a hash table from words to small values for the lookups the indexer makes
 * for every word it reads (the spelling counts, the stem memo). */
#ifndef BYLINE_WORDTABLE_H
#define BYLINE_WORDTABLE_H

#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Bytes kept in a table's arena: offset and length.
struct BxWordRef {
    uint32_t off = 0;
    uint32_t len = 0;
};

// An open-addressing hash table (linear probing, at most half full) from words to values of
// type V (trivially copyable). The slots sit in one array and the words' bytes in one arena,
// so a lookup reads one slot, most often in one cache line, and the word's bytes once its
// hash matches; std::unordered_map follows a bucket to a node allocated apart, which costs a
// cache miss or two per word once it holds a corpus' vocabulary. Words are never removed one
// by one: clear() empties the table. Hash is a hash of std::string_view (a test gives a poor
// one, to make long runs of taken slots).
template <class V, class Hash = std::hash<std::string_view>> class BxWordTable
{
  public:
    // The value of `word`, added (value-initialised) when missing. Only adding a word may
    // allocate (and throw); the table is left as it was then.
    V &operator[](std::string_view word)
    {
        uint64_t h = hash_of(word);
        if (!slots_.empty()) {
            Slot &s = slots_[probe(h, word)];
            if (s.hash != 0)
                return s.value;
        }
        if ((size_ + 1) * 2 > slots_.size())
            grow();
        Slot &s = slots_[probe(h, word)];
        s.key = keep(word); // before the slot is taken: it may throw
        s.hash = h;
        s.value = V();
        size_++;
        return s.value;
    }

    // The value of `word`, or null.
    V *find(std::string_view word)
    {
        if (size_ == 0)
            return nullptr;
        Slot &s = slots_[probe(hash_of(word), word)];
        return s.hash != 0 ? &s.value : nullptr;
    }

    // Copies bytes into the arena (for values that refer to strings, such as stems).
    BxWordRef keep(std::string_view bytes)
    {
        if (arena_.size() + bytes.size() > UINT32_MAX)
            throw std::length_error("word table arena full");
        BxWordRef r;
        r.off = static_cast<uint32_t>(arena_.size());
        r.len = static_cast<uint32_t>(bytes.size());
        arena_.append(bytes.data(), bytes.size());
        return r;
    }

    std::string_view view(BxWordRef r) const
    {
        return std::string_view(arena_.data() + r.off, r.len);
    }

    size_t size() const
    {
        return size_;
    }

    void clear()
    {
        slots_.clear();
        arena_.clear();
        size_ = 0;
    }

    void swap(BxWordTable &o)
    {
        slots_.swap(o.slots_);
        arena_.swap(o.arena_);
        std::swap(size_, o.size_);
    }

    // Calls fn(word, value) for each word, in no particular order.
    template <class Fn> void for_each(Fn fn) const
    {
        for (const Slot &s : slots_)
            if (s.hash != 0)
                fn(view(s.key), s.value);
    }

    static uint64_t hash_of(std::string_view word)
    {
        // 0 marks an empty slot.
        uint64_t h = Hash()(word);
        return h ? h : 1;
    }

  private:
    struct Slot {
        uint64_t hash = 0;
        BxWordRef key;
        V value = V();
    };

    // The slot holding `word` (hash h), or the empty slot where it would go. The table is
    // never more than half full, so there is one.
    size_t probe(uint64_t h, std::string_view word) const
    {
        size_t mask = slots_.size() - 1;
        size_t i = h & mask;
        while (slots_[i].hash != 0 && !(slots_[i].hash == h && same(slots_[i].key, word)))
            i = (i + 1) & mask;
        return i;
    }

    bool same(BxWordRef key, std::string_view word) const
    {
        return key.len == word.size() && memcmp(arena_.data() + key.off, word.data(), key.len) == 0;
    }

    // Doubles the slots (built aside: a failure leaves the table as it was).
    void grow()
    {
        std::vector<Slot> bigger(slots_.empty() ? 1024 : slots_.size() * 2);
        size_t mask = bigger.size() - 1;
        for (const Slot &s : slots_) {
            if (s.hash == 0)
                continue;
            size_t i = s.hash & mask;
            while (bigger[i].hash != 0)
                i = (i + 1) & mask;
            bigger[i] = s;
        }
        slots_.swap(bigger);
    }

    std::vector<Slot> slots_;
    std::string arena_;
    size_t size_ = 0;
};

#endif
