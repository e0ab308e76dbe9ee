package intent

import (
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// commonWordsText lists common English words, sorted, one a line, after a
// header of '#' lines. A question word found there is a real word, not a
// typo: "store" is rarely a slip for "story", so such a correction counts
// for less.
//
//go:embed commonwords.txt
var commonWordsText string

var (
	commonOnce  sync.Once
	commonWords []string
)

func loadCommonWords() {
	lines := strings.Split(commonWordsText, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l != "" && l[0] != '#' {
			out = append(out, l)
		}
	}
	commonWords = out
}

// isCommonWord reports whether w is a common English word. It does not
// allocate.
func isCommonWord(w []byte) bool {
	commonOnce.Do(loadCommonWords)
	lo, hi := 0, len(commonWords)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if commonWords[mid] < string(w) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo < len(commonWords) && commonWords[lo] == string(w)
}

// typoIndex corrects misspelt words to the nearest vocabulary word. It uses
// deletion neighbourhoods (the SymSpell idea): every word is indexed under
// each string obtained by deleting up to its allowed number of letters, so a
// lookup only generates the question word's own deletions and checks a
// handful of candidates, instead of comparing against the whole vocabulary.
type typoIndex struct {
	words []string // candidate words
	freq  []int32  // how often each occurs in the catalogue
	// dels holds (hash of a deletion string, word index) pairs packed in
	// one integer each, the top 40 bits of the hash above a 24-bit index,
	// sorted: one flat array of plain integers instead of a map of slices
	// keeps loading fast. A hash collision only adds a candidate, which the
	// distance check drops.
	dels []uint64
	// skip is a word never offered as a correction (-1: none), so a
	// misspelt catalogue word can be corrected to another word.
	skip int32
}

// delIDBits is the width of the word index in a packed deletion entry.
const delIDBits = 24

func packDel(h uint64, id int32) uint64 { return h>>delIDBits<<delIDBits | uint64(id) }

// maxEdits says how far a word of n letters may be from its correction.
// Short words are never corrected (too many real words are one letter
// apart), and two edits need long words on both sides, so that a team called
// "search" is not read as "research".
func maxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 8:
		return 1
	default:
		return 2
	}
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

func newTypoIndex(words []string, freq []int32) *typoIndex {
	t := &typoIndex{skip: -1, words: words, freq: freq, dels: make([]uint64, 0, len(words)*40)}
	buf := make([]byte, 0, 256)
	for i, w := range words {
		if i >= 1<<delIDBits {
			break // more words than an entry can number: never in practice
		}
		d := maxEdits(len(w))
		if d == 0 || len(w) > 32 {
			continue
		}
		buf = append(buf[:0], w...)
		t.addDeletes(buf, int32(i), d)
	}
	t.dels = slices.Compact(radixSort(t.dels))
	return t
}

// radixSort sorts v (least significant digit first, six passes of 11
// bits, whose counters stay in the fastest cache) and returns the sorted
// slice, which is v or a buffer of the same length: several times faster
// than a comparison sort on the hundred thousand or so deletion entries of a
// catalogue.
func radixSort(v []uint64) []uint64 {
	const bits = 11
	buf := make([]uint64, len(v))
	var count [1 << bits]int
	for shift := 0; shift < 64; shift += bits {
		clear(count[:])
		for _, x := range v {
			count[x>>shift&(1<<bits-1)]++
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, x := range v {
			d := x >> shift & (1<<bits - 1)
			buf[count[d]] = x
			count[d]++
		}
		v, buf = buf, v
	}
	return v
}

// addDeletes indexes w and every string made by deleting up to d letters.
// Deletions are written after w in the same buffer, so nothing allocates.
func (t *typoIndex) addDeletes(buf []byte, id int32, d int) {
	t.dels = append(t.dels, packDel(hashBytes(buf), id))
	if d == 0 || len(buf) <= 1 {
		return
	}
	n := len(buf)
	for i := 0; i < n; i++ {
		if i > 0 && buf[i] == buf[i-1] {
			continue // deleting either of two equal letters gives the same string
		}
		sub := append(buf[n:n], buf[:i]...)
		sub = append(sub, buf[i+1:n]...)
		t.addDeletes(sub, id, d-1)
	}
}

// correct returns the index of the best correction of w, or -1. scratch is
// reused between calls so that a lookup does not allocate.
func (t *typoIndex) correct(w []byte, scratch *[]byte) int32 {
	d := maxEdits(len(w))
	// No indexed word is longer than 32 letters, so a word more than d
	// longer has no correction. Looking would hash each of its O(n²)
	// deletions, O(n³) in all: minutes for one pasted 3,000-letter token.
	if d == 0 || len(w) > 32+d {
		return -1
	}
	return t.correctWithin(w, d, scratch)
}

// correctWithin is correct looking no further than d deletions on either
// side: d = 1 finds the single slips at a fraction of the cost.
func (t *typoIndex) correctWithin(w []byte, d int, scratch *[]byte) int32 {
	d = min(d, maxEdits(len(w)))
	if d == 0 || len(w) > 32+d {
		return -1
	}
	best, bestDist := int32(-1), d+1
	t.lookup(w, w, d, scratch, &best, &bestDist)
	return best
}

func (t *typoIndex) lookup(orig, w []byte, d int, scratch *[]byte, best *int32, bestDist *int) {
	h := hashBytes(w)
	key := h >> delIDBits
	i, _ := slices.BinarySearch(t.dels, key<<delIDBits)
	for ; i < len(t.dels) && t.dels[i]>>delIDBits == key; i++ {
		id := int32(t.dels[i] & (1<<delIDBits - 1))
		if id == t.skip {
			continue
		}
		cand := t.words[id]
		limit := min(maxEdits(len(orig)), maxEdits(len(cand)))
		dist := osaDistance(orig, cand, limit)
		if dist > limit {
			continue
		}
		if *best < 0 || dist < *bestDist || dist == *bestDist && t.better(id, *best, orig) {
			*best, *bestDist = id, dist
		}
	}
	if d == 0 || len(w) <= 1 {
		return
	}
	// Deletions of w are written after the current scratch contents, so the
	// recursion never overwrites a caller's string.
	base := len(*scratch)
	for i := range w {
		*scratch = append((*scratch)[:base], w[:i]...)
		*scratch = append(*scratch, w[i+1:]...)
		sub := (*scratch)[base:]
		t.lookup(orig, sub, d-1, scratch, best, bestDist)
	}
	*scratch = (*scratch)[:base]
}

// better breaks ties between equally distant corrections: same first letter
// (typos rarely hit it), then the kind of slip (a dropped letter is the
// commonest in chat, then a swap or a wrong letter, then an extra letter:
// "ownr" is "owner" rather than "owns"), then the more frequent word, then
// alphabetical order so results never depend on map iteration.
func (t *typoIndex) better(a, b int32, orig []byte) bool {
	wa, wb := t.words[a], t.words[b]
	fa, fb := wa[0] == orig[0], wb[0] == orig[0]
	if fa != fb {
		return fa
	}
	if ka, kb := slipRank(len(wa), len(orig)), slipRank(len(wb), len(orig)); ka != kb {
		return ka < kb
	}
	if t.freq[a] != t.freq[b] {
		return t.freq[a] > t.freq[b]
	}
	return wa < wb
}

// osaDistance is the optimal-string-alignment distance (Levenshtein plus
// adjacent transpositions), giving up early once it exceeds limit.
func osaDistance(a []byte, b string, limit int) int {
	la, lb := len(a), len(b)
	if la-lb > limit || lb-la > limit {
		return limit + 1
	}
	if la > 32 || lb > 32 {
		return limit + 1
	}
	var rows [3][33]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

// slipRank orders the kinds of typo by how often people make them: the
// candidate is longer (a letter was dropped), as long (swapped or wrong
// letter), or shorter (a letter too many).
func slipRank(cand, typed int) int {
	switch {
	case cand > typed:
		return 0
	case cand == typed:
		return 1
	}
	return 2
}
